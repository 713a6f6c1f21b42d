"""Routing: one request in, one ``Response`` out. Transport-free, so the HTTP server stays thin.

Order of checks on ``/v3``: route lookup (404/405), rate limit (429, per OAuth client), bearer
token (401), injected faults, scope and Site Admin (403), then the handler (422/404/200/201).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import orjson

from . import writes
from .auth import Auth, Principal, oauth_error
from .errors import HttpError
from .faults import FaultInjector
from .fields import FIELDS
from .listing import Cursors, list_page
from .ratelimit import RateLimiter
from .stats import Stats
from .tenant import Tenant
from .webhooks import Webhooks

ATTACHMENT_TTL = 7 * 24 * 3600
_ITEM = re.compile(r"^/v3/([a-z_]+)/(\d+)(?:/([a-z_]+))?$")


@dataclass
class Response:
    """Status, body bytes and headers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def dump(value: Any) -> bytes:
    """JSON bytes (orjson; sets become sorted lists)."""
    return orjson.dumps(value, default=sorted)


def _json(status: int, value: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, dump(value), dict(headers or {}))


@dataclass
class Route:
    """A ``/v3`` route: its scope, whether it is a list, and its handler."""

    scope: str
    is_list: bool
    handler: Callable[[Principal, list[tuple[str, str]], Any, int | None], Response]


class App:
    """The sandbox's request handling over one tenant."""

    def __init__(
        self,
        tenant: Tenant,
        auth: Auth,
        limiter: RateLimiter,
        faults: FaultInjector,
        stats: Stats,
        webhooks: Webhooks,
        *,
        order: str,
        cursor_ttl: float | None,
        clock: Callable[[], float],
        stop: threading.Event,
    ) -> None:
        self.tenant = tenant
        self.auth = auth
        self.limiter = limiter
        self.faults = faults
        self.stats = stats
        self.webhooks = webhooks
        self.order = order
        self.clock = clock
        self.stop = stop
        self.base_url = ""
        self.file_key = hashlib.sha256(("files:" + tenant.data.secret).encode()).digest()
        self.cursors = Cursors(hashlib.sha256(("cursor:" + tenant.data.secret).encode()).digest(), clock, cursor_ttl)

    # -- entry ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one HTTP request (``headers`` keys lower-case)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        route_name = (
            path
            if not _ITEM.match(path)
            else _ITEM.sub(lambda m: f"/v3/{m.group(1)}/{{id}}" + (f"/{m.group(3)}" if m.group(3) else ""), path)
        )
        self.stats.bump("requests", f"{method} {route_name}")
        try:
            if path == "/token":
                return self._token(method, headers, parts.query, body)
            if path == "/authorize" and method == "GET":
                return self._authorize(parts.query)
            if path == "/auth/token":
                self.stats.bump("token_requests", "transition")
                if method != "POST":
                    return _json(405, {"message": "Method Not Allowed"}, {"Allow": "POST"})
                return _json(200, self.auth.transition(headers, body))
            if path.startswith("/attachments/") and method == "GET":
                return self._file(path, parts.query)
            if path == "/v3" or path.startswith("/v3/"):
                return self._v3(method, path, route_name, parts.query, headers, body)
            return _json(404, {"message": "Not Found"})
        except HttpError as exc:
            return _json(exc.status, exc.body, exc.headers)

    # -- auth host -----------------------------------------------------------------------

    def _token(self, method: str, headers: dict[str, str], query: str, body: bytes) -> Response:
        if method != "POST":
            return _json(405, {"message": "Method Not Allowed"}, {"Allow": "POST"})
        form = (
            dict(parse_qsl(body.decode("utf-8", "replace")))
            if body and "json" not in headers.get("content-type", "")
            else {}
        )
        grant = form.get("grant_type") or dict(parse_qsl(query)).get("grant_type") or "?"
        self.stats.bump("token_requests", grant)
        try:
            out = self.auth.token(headers, query, body)
        except HttpError as exc:
            return _json(exc.status, exc.body, {"Cache-Control": "no-store"})
        return _json(200, out, {"Cache-Control": "no-store"})

    def _authorize(self, query: str) -> Response:
        """``GET /authorize``: consent is automatic; redirects with ``code`` and ``state``."""
        q = dict(parse_qsl(query))
        if (
            q.get("client_id") != self.auth.partner.client_id
            or q.get("response_type") != "code"
            or not q.get("redirect_uri")
        ):
            raise oauth_error(
                400,
                "invalid_request",
                "client_id (of the partner client), response_type=code and redirect_uri are required",
            )
        scopes = set(q.get("scope", "").split()) or set(self.auth.partner.scopes)
        sep = "&" if "?" in q["redirect_uri"] else "?"
        if not scopes <= self.auth.partner.scopes:
            extra = {"error": "invalid_scope", **({"state": q["state"]} if "state" in q else {})}
            return Response(302, b"", {"Location": q["redirect_uri"] + sep + urlencode(extra)})
        user_id = int(q["user_id"]) if q.get("user_id", "").isdigit() else None
        code = self.auth.issue_code(user_id, q["redirect_uri"], scopes)
        extra = {"code": code, **({"state": q["state"]} if "state" in q else {})}
        return Response(302, b"", {"Location": q["redirect_uri"] + sep + urlencode(extra)})

    # -- attachments' signed URLs --------------------------------------------------------

    def _sign(self, rid: int, expires: int) -> str:
        return hmac.new(self.file_key, f"{rid}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def attachment_url(self, row: dict[str, Any]) -> str:
        """A URL that serves the attachment's bytes for 7 days."""
        expires = int(self.clock()) + ATTACHMENT_TTL
        return (
            f"{self.base_url}/attachments/{row['id']}/{quote(row['filename'])}"
            f"?expires={expires}&signature={self._sign(row['id'], expires)}"
        )

    def _file(self, path: str, query: str) -> Response:
        m = re.match(r"^/attachments/(\d+)/", path + "/")
        q = dict(parse_qsl(query))
        if not m or not q.get("expires", "").isdigit():
            return _json(404, {"message": "Not Found"})
        rid, expires = int(m.group(1)), int(q["expires"])
        if not hmac.compare_digest(self._sign(rid, expires), q.get("signature", "")):
            return _json(403, {"message": "Signature does not match"})
        if self.clock() >= expires:
            return _json(403, {"message": "Request has expired"})
        with self.tenant.lock:
            row = self.tenant.get("attachments", rid)
            if row is None:
                return _json(404, {"message": "Not Found"})
            data = self.tenant.files.get(rid)
            if data is None:
                data = placeholder_file(row)
        ctype = {
            "pdf": "application/pdf",
            "txt": "text/plain",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }.get(row["filename"].rsplit(".", 1)[-1].lower(), "application/octet-stream")
        return Response(200, data, {"Content-Disposition": f'attachment; filename="{row["filename"]}"'}, ctype)

    def render(self, resource: str, row: dict[str, Any]) -> dict[str, Any]:
        """The served form of a row."""
        out = {key: row[key] for key in FIELDS[resource]}
        if resource == "attachments":
            out["url"] = self.attachment_url(row)
        return out

    # -- /v3 -----------------------------------------------------------------------------

    def _routes(self, method: str, path: str) -> tuple[Route | None, int | None, bool]:
        """The route, the path id and whether the path exists with another method."""
        parts = path.split("/")[2:]
        res = parts[0] if parts else ""
        if len(parts) == 1:
            if method == "GET" and (res in FIELDS or res == "webhooks"):
                return Route(f"harvest:{res}:list", True, self._list_handler(res)), None, False
            posts = {
                "candidates": self._post_candidate,
                "applications": self._post_application,
                "attachments": self._post_attachment,
                "notes": self._post_note,
                "applied_candidate_tags": self._post_tag,
                "candidate_tags": self._post_candidate_tag,
                "webhooks": self._post_webhook,
            }
            if method == "POST" and res in posts:
                return Route(f"harvest:{res}:create", False, posts[res]), None, False
            return None, None, res in FIELDS or res == "webhooks"
        m = _ITEM.match(path)
        if not m:
            return None, None, False
        rid = int(m.group(2))
        action = m.group(3)
        if (
            action is None
            and method == "DELETE"
            and res in ("candidates", "applications", "applied_candidate_tags", "candidate_tags", "webhooks")
        ):
            return (
                Route(f"harvest:{res}:destroy", False, lambda p, q, b, i, res=res: self.delete(res, i, p.client_id)),
                rid,
                False,
            )
        if res == "applications" and action in ("move", "reject") and method == "POST":
            handler = self._move if action == "move" else self._reject
            return Route(f"harvest:applications:{action}", False, handler), rid, False
        if action is None and method == "GET" and res in FIELDS:
            raise HttpError(
                404, {"message": f"There is no single-record endpoint in Harvest v3; use GET /v3/{res}?ids={rid}"}
            )
        return None, None, res in FIELDS

    def _v3(
        self, method: str, path: str, route_name: str, query: str, headers: dict[str, str], body: bytes
    ) -> Response:
        route, rid, other_method = self._routes(method, path)
        if route is None:
            if other_method:
                return _json(405, {"message": "Method Not Allowed"})
            return _json(404, {"message": "Not Found"})
        try:
            principal: Principal | None = self.auth.verify(headers.get("authorization"))
            auth_error: HttpError | None = None
        except HttpError as exc:
            principal, auth_error = None, exc
        decision = self.limiter.hit(principal.client_id if principal else "anonymous")
        limit_headers = decision.headers() if decision else {}
        if decision is not None and not decision.allowed:
            self.stats.add("rate_limited")
            return _json(429, {"message": "Too Many Requests"}, limit_headers)
        if auth_error is not None:
            return _json(auth_error.status, auth_error.body, limit_headers)
        assert principal is not None
        fault = self.faults.decide(route_name)
        if fault is not None:
            self.stats.bump("faults", fault.kind)
            if fault.kind == "hang":
                self.stop.wait(fault.delay)
            elif fault.kind == "429":
                reset = int(self.clock()) + 2
                return _json(
                    429,
                    {"message": "Too Many Requests"},
                    {**limit_headers, "Retry-After": "2", "X-RateLimit-Reset": str(reset)},
                )
            elif fault.kind in ("500", "502", "503"):
                return _json(
                    int(fault.kind),
                    {"message": "Internal Server Error" if fault.kind == "500" else "Service Unavailable"},
                    limit_headers,
                )
        try:
            self.auth.authorize(principal, route.scope, route.is_list)
            payload: Any = None
            if method in ("POST", "PATCH", "PUT") and body.strip():
                try:
                    payload = orjson.loads(body)
                except orjson.JSONDecodeError:
                    raise HttpError(400, {"message": "The request body is not valid JSON"}) from None
            q = parse_qsl(query, keep_blank_values=True) if route.is_list else []
            resp = route.handler(principal, q, payload, rid)
        except HttpError as exc:
            resp = _json(exc.status, exc.body, exc.headers)
        resp.headers.update(limit_headers)
        if fault is not None and fault.kind == "malformed" and resp.status < 300:
            resp.body = resp.body[: max(1, len(resp.body) // 2)]
        return resp

    # -- handlers ------------------------------------------------------------------------

    def _list_handler(self, resource: str) -> Callable[..., Response]:
        def handler(principal: Principal, query: list[tuple[str, str]], body: Any, rid: int | None) -> Response:
            if resource == "webhooks":
                return _json(200, self.webhooks.list(principal.client_id))
            with self.tenant.lock:
                rows, link = list_page(
                    resource, query, self.tenant, self.cursors, self.order, self.base_url, self.render
                )
                data = dump(rows)
            return Response(200, data, {"Link": link} if link else {})

        return handler

    def _post_candidate(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        with self.tenant.lock:
            out = writes.create_candidate(self.tenant, body)
            return _json(
                201,
                {
                    "candidate": self.render("candidates", out["candidate"]),
                    "application": self.render("applications", out["application"]) if out["application"] else None,
                },
            )

    def _post_application(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        with self.tenant.lock:
            return _json(201, self.render("applications", writes.create_application(self.tenant, body)))

    def _post_attachment(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        with self.tenant.lock:
            return _json(201, self.render("attachments", writes.create_attachment(self.tenant, body)))

    def _post_note(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        with self.tenant.lock:
            return _json(201, self.render("notes", writes.create_note(self.tenant, body, p.user_id)))

    def _post_tag(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        with self.tenant.lock:
            return _json(201, self.render("applied_candidate_tags", writes.apply_tag(self.tenant, body)))

    def _post_candidate_tag(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        with self.tenant.lock:
            return _json(201, self.render("candidate_tags", writes.create_candidate_tag(self.tenant, body)))

    def _post_webhook(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        return _json(201, self.webhooks.create(p.client_id, body))

    def _move(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        assert rid is not None
        with self.tenant.lock:
            return _json(200, self.render("applications", writes.move_application(self.tenant, rid, body)))

    def _reject(self, p: Principal, q: Any, body: Any, rid: int | None) -> Response:
        assert rid is not None
        with self.tenant.lock:
            return _json(200, self.render("applications", writes.reject_application(self.tenant, rid, body, p.user_id)))

    def delete(self, resource: str, rid: int, client_id: str) -> Response:
        """Hard deletes of candidates, applications, applied tags, candidate tags and webhooks."""
        with self.tenant.lock:
            if resource == "applied_candidate_tags":
                return _json(200, writes.remove_tag(self.tenant, rid))
            if resource == "candidate_tags":
                return _json(200, writes.delete_candidate_tag(self.tenant, rid))
            if resource == "webhooks":
                return _json(200, self.webhooks.delete(client_id, rid))
            return _json(200, writes.delete(self.tenant, resource, rid))


def placeholder_file(row: dict[str, Any]) -> bytes:
    """Deterministic bytes for a generated (or URL-added) attachment."""
    origin = row.get("_source_url") or "generated"
    text = f"{row['type']} {row['filename']} of candidate {row['candidate_id']} ({origin})"
    if row["filename"].lower().endswith(".pdf"):
        return b"%PDF-1.4\n% Greenhouse sandbox placeholder\n% " + text.encode() + b"\n%%EOF\n"
    return text.encode() + b"\n"
