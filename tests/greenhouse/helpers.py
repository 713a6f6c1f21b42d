"""Helpers of the Greenhouse connector tests: connecting, the tenant's expected counts, snapshots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kombo import Kombo

from unimap import unified
from unimap.service import Unimap
from unimap.sync import SyncReport
from unimap_connectors.greenhouse.sandbox import Sandbox

MODELS = unified.MODELS
INTEGRATION_ID = "greenhouse:test"
PAGE = 500  # per_page the connector asks for


def connect(um: Unimap, sb: Sandbox, integration_id: str = INTEGRATION_ID, **settings: Any) -> str:
    """Connect ``sb`` as a Greenhouse integration (the token is fetched once to check the credentials)."""
    c = sb.credentials
    return um.connect(
        "greenhouse",
        {"client_id": c.client_id, "client_secret": c.client_secret, "user_id": str(c.user_id)},
        base_url=sb.base_url,
        integration_id=integration_id,
        settings={"token_url": sb.token_url, **settings},
    ).id


@contextmanager
def serve_synced(
    folder: Path, integration_id: str, seed: int = 3, **settings: Any
) -> Iterator[tuple[Kombo, Unimap, str, Sandbox]]:
    """A small sandbox, connected and fully synced, served by ``unimap serve``, with Kombo's SDK on it."""
    from unimap.api import ApiServer, create_app
    from unimap.api.auth import KeyStore

    sb = Sandbox(seed=seed, size="small", rate_limit=None).start()
    um = Unimap(f"sqlite:///{folder / 'store.db'}")
    try:
        iid = connect(um, sb, integration_id=integration_id, **settings)
        assert um.sync(iid, full=True).ok
        key = KeyStore(um.store).create([iid], "sdk")[0]
        server = ApiServer(create_app(um, delta_every=0, full_every=0)).start()
        try:
            yield Kombo(api_key=key, integration_id=iid, server_url=server.url), um, iid, sb
        finally:
            server.stop()
    finally:
        um.close()
        sb.stop()


def templates(sb: Sandbox) -> set[int]:
    """Ids of the tenant's job templates."""
    return {j["id"] for j in sb.tenant.rows("jobs") if j["is_template"]}


def tenant_rows(sb: Sandbox) -> dict[str, list[dict[str, Any]]]:
    """The tenant's rows behind each unified model, as the connector is meant to read them."""
    t = sb.tenant
    skip = templates(sb)
    owners = [r for r in t.rows("job_owners") if r["job_id"] not in skip]
    managers = [{**r, "type": "hiring_manager"} for r in t.rows("job_hiring_managers") if r["job_id"] not in skip]
    return {
        "user": [u for u in t.rows("users") if not u["_service"]],
        "job": [j for j in t.rows("jobs") if not j["is_template"]],
        "application_stage": [s for s in t.rows("job_interview_stages") if s["job_id"] not in skip],
        "candidate": t.rows("candidates"),
        "application": [a for a in t.rows("applications") if not a["prospect"]],
        "job_hiring_team_member": owners + managers,
        "tag": t.rows("candidate_tags"),
        "rejection_reason": t.rows("rejection_reasons"),
    }


def tenant_counts(sb: Sandbox) -> dict[str, int]:
    """How many records of each unified model the tenant holds."""
    rows = tenant_rows(sb)
    members = {(r["job_id"], r["user_id"]) for r in rows["job_hiring_team_member"]}  # roles merge per member
    return {**{m: len(v) for m, v in rows.items()}, "job_hiring_team_member": len(members)}


def strip_volatile(value: Any) -> Any:
    """A record without ``changed_at`` at any depth (the time a store saw a change)."""
    if isinstance(value, dict):
        return {k: strip_volatile(v) for k, v in value.items() if k != "changed_at"}
    if isinstance(value, list):
        return [strip_volatile(v) for v in value]
    return value


def snapshot(um: Unimap, integration_id: str) -> dict[str, dict[str, Any]]:
    """Every exported record (deleted ones included) per model and id, ``changed_at`` removed."""
    out: dict[str, dict[str, Any]] = {}
    for model in MODELS:
        records = list(um.export(model, integration_id, include_deleted=True, page_size=500))
        out[model] = {r["id"]: strip_volatile(r) for r in records}
        assert len(out[model]) == len(records), f"{model}: an id was exported twice"
    return out


class Sleeps:
    """A ``sleep`` for the vendor client: records every wait and naps at most 10 ms."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(min(seconds, 0.01))


@dataclass
class Synced:
    """A sandbox, a store and an integration with one finished full sync."""

    sb: Sandbox
    um: Unimap
    integration_id: str
    report: SyncReport

    def export(self, model: str, **options: Any) -> list[dict[str, Any]]:
        """Every record of ``model`` matching ``options``."""
        return list(self.um.export(model, self.integration_id, **options))
