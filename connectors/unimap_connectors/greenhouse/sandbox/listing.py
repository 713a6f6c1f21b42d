"""List endpoints: parameter checks, keyset pagination by id, opaque signed cursors, ``Link`` headers.

The cursor is URL-safe base64 of ``{"r": resource, "q": [[param, value], …], "n": per_page,
"k": last id served, "o": order, "t": issued}`` plus an HMAC, so the server re-applies the very
same filters and continues strictly after (``id_desc``: below) the last id: rows deleted
meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import orjson

from .errors import HttpError, cursor_error, validation
from .fields import FIELDS
from .filters import DEFAULTS, FILTERS, MAX_IDS, Pred, int_list
from .tenant import Tenant

CURSOR_WITH_PARAMS = "When passing a cursor, do not include other query params."
LEGACY = {
    "updated_after": "updated_at=gte|<timestamp>",
    "updated_before": "updated_at=lte|<timestamp>",
    "created_after": "created_at=gte|<timestamp>",
    "created_before": "created_at=lte|<timestamp>",
    "last_activity_after": "last_activity_at=gte|<timestamp>",
    "page": "the cursor from the Link header",
    "skip_count": "nothing (v3 lists have no counts)",
}
Render = Callable[[str, dict[str, Any]], dict[str, Any]]


class Cursors:
    """Signs and reads cursors."""

    def __init__(self, secret: bytes, clock: Callable[[], float], ttl: float | None) -> None:
        self.secret = secret
        self.clock = clock
        self.ttl = ttl

    def _mac(self, raw: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self.secret, raw, hashlib.sha256).digest()[:12]).decode().rstrip("=")

    def encode(self, state: dict[str, Any]) -> str:
        """An opaque URL-safe token for ``state``."""
        raw = orjson.dumps({**state, "t": int(self.clock())})
        return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + self._mac(raw)

    def decode(self, token: str, resource: str) -> dict[str, Any]:
        """The state of a cursor this server issued for ``resource``; 422 when tampered or expired."""
        body, _, mac = token.partition(".")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            raise cursor_error("Invalid cursor.") from None
        if not mac or not hmac.compare_digest(mac, self._mac(raw)):
            raise cursor_error("Invalid cursor.")
        state = orjson.loads(raw)
        if state.get("r") != resource:
            raise cursor_error("Invalid cursor: it belongs to another endpoint.")
        if self.ttl is not None and self.clock() - state["t"] > self.ttl:
            raise cursor_error("The cursor has expired; start the list again without a cursor.")
        return state


def parse_query(resource: str, query: list[tuple[str, str]], tenant: Tenant) -> tuple[list[Pred], int, list[str]]:
    """Predicates, per_page and requested fields for a first-page query; 422 on any bad parameter."""
    filters = FILTERS[resource]
    preds: list[Pred] = []
    errors: list[tuple[str | None, str]] = []
    per_page = 100
    fields: list[str] = []
    seen: set[str] = set()
    for key, value in query:
        if key in seen:
            errors.append((key, "is given more than once"))
            continue
        seen.add(key)
        if key == "per_page":
            try:
                per_page = int(value)
            except ValueError:
                per_page = -1
            if not 1 <= per_page <= 500:
                errors.append(("per_page", "must be an integer between 1 and 500"))
        elif key == "fields":
            fields = [f.strip() for f in value.split(",") if f.strip()]
            bad = [f for f in fields if f not in FIELDS[resource]]
            if bad:
                errors.append(("fields", f"unknown field(s) {', '.join(bad)}"))
            elif len(fields) > MAX_IDS:
                errors.append(("fields", f"must list at most {MAX_IDS} fields"))
        elif key in LEGACY:
            errors.append((key, f"is not a Harvest v3 parameter; use {LEGACY[key]}"))
        elif "[" in key and key.split("[")[0] in filters:
            base = key.split("[")[0]
            errors.append((key, f"bracket date syntax is not supported; use {base}=gte|<timestamp>"))
        elif key == "custom_field_key" and resource == "custom_field_options":
            ids = {row["id"] for row in tenant.tables["custom_fields"].values() if row["name_key"] == value}
            preds.append(lambda row, ids=ids: row["custom_field_id"] in ids)
        elif key in filters:
            try:
                preds.append(filters[key](value))
            except ValueError as exc:
                errors.append((key, str(exc)))
        else:
            errors.append((key, "is not a parameter of this endpoint"))
    if errors:
        raise validation(*errors)
    for key, pred in DEFAULTS.get(resource, {}).items():
        if key not in seen:
            preds.append(pred)
    return preds, per_page, fields


def list_page(
    resource: str,
    query: list[tuple[str, str]],
    tenant: Tenant,
    cursors: Cursors,
    order: str,
    base_url: str,
    render: Render,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ``resource`` and its ``Link`` header value (None on the last page)."""
    params = [(k, v) for k, v in query]
    if any(k == "cursor" for k, _ in params):
        if len(params) > 1:
            raise cursor_error(CURSOR_WITH_PARAMS)
        state = cursors.decode(params[0][1], resource)
        original = [(k, v) for k, v in state["q"]]
        after: int | None = state["k"]
        order = state["o"]
    else:
        original, after = params, None
    preds, per_page, fields = parse_query(resource, original, tenant)
    with tenant.lock:
        table = tenant.tables[resource]
        ids = tenant.order[resource]
        wanted = next((v for k, v in original if k == "ids"), None)
        if wanted is not None:  # walk only the listed ids (already validated): lookups stay cheap
            ids = sorted(i for i in int_list(wanted) if i in table)
        if order == "id_desc":
            start = len(ids) if after is None else bisect.bisect_left(ids, after)
            walk = (ids[i] for i in range(start - 1, -1, -1))
        else:
            start = 0 if after is None else bisect.bisect_right(ids, after)
            walk = (ids[i] for i in range(start, len(ids)))
        rows: list[dict[str, Any]] = []
        more = False
        for rid in walk:
            row = table[rid]
            if all(p(row) for p in preds):
                if len(rows) == per_page:
                    more = True
                    break
                rows.append(row)
        out = [render(resource, row) for row in rows]
    if fields:
        keep = ["id", *[f for f in fields if f != "id"]]
        out = [{k: row[k] for k in keep} for row in out]
    link = None
    if more:
        token = cursors.encode({"r": resource, "q": original, "n": per_page, "k": rows[-1]["id"], "o": order})
        link = f'<{base_url}/v3/{resource}?cursor={quote(token, safe="")}>; rel="next"'
    return out, link


__all__ = ["CURSOR_WITH_PARAMS", "Cursors", "HttpError", "list_page", "parse_query"]
