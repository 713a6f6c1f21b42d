"""The same full and delta syncs of a sandbox tenant into SQLite and into PostgreSQL give identical exports."""

from __future__ import annotations

import json
from typing import Any

from readside.helpers import MODELS, connect

from unimap.service import Unimap

# list filters per model, each run on both stores (they translate SQLite's SQL for PostgreSQL)
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("job", {"statuses": "OPEN,CLOSED"}),
    ("job", {"name_contains": "e"}),
    ("job", {"employment_types": "FULL_TIME"}),
    ("job", {"visibilities": "PUBLIC"}),
    ("job", {"remote_created_after": "2020-01-01"}),
    ("job", {"updated_after": "2000-01-01"}),
    ("candidate", {"updated_after": "2000-01-01T00:00:00Z"}),
    ("application", {"outcomes": "PENDING,HIRED"}),
    ("application", {"remote_created_after": "2021-06-01"}),
    ("application", {"updated_after": "2000-01-01"}),
    ("application_stage", {}),
    ("job_hiring_team_member", {}),
]


def _export(um: Unimap, iid: str) -> dict[str, str]:
    """Every model's export as JSON text (key order included); ``changed_at`` and deletion times as flags."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (bool(v) if k in ("changed_at", "remote_deleted_at") else strip(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {
        m: json.dumps(strip(list(um.export(m, iid, include_deleted=True, page_size=37))), ensure_ascii=False)
        for m in MODELS
    }


def _filtered(um: Unimap, iid: str, sample: dict[str, list[dict[str, Any]]]) -> list[list[str]]:
    out = [[r["id"] for r in um.export(model, iid, **filters)] for model, filters in QUERIES]
    candidates, jobs = sample["candidate"], sample["job"]
    email = next(e["email_address"] for c in candidates for e in c.get("email_addresses") or [])
    out.append([r["id"] for r in um.export("candidate", iid, email=email.upper())])
    out.append([r["id"] for r in um.export("candidate", iid, job_ids=",".join(j["id"] for j in jobs[:3]))])
    out.append([r["id"] for r in um.export("application", iid, job_remote_ids=jobs[0]["remote_id"])])
    out.append([r["id"] for r in um.export("application", iid, job_ids=jobs[1]["id"])])
    users = sample["user"]
    out.append([r["id"] for r in um.export("user", iid, emails=str(users[0]["email"]).upper())])
    name = next(c["first_name"] for c in candidates if c.get("first_name"))
    out.append([r["id"] for r in um.export("candidate", iid, first_name=name.lower())])
    out.append([r["id"] for r in um.export("candidate", iid, ids=[c["id"] for c in candidates[2:6]])])
    return out


def test_full_and_delta_syncs_export_identically(make_sandbox, make_pg_url, tmp_path):
    sb = make_sandbox()
    stores = {"sqlite": Unimap(f"sqlite:///{tmp_path / 'a.db'}"), "postgres": Unimap(make_pg_url())}
    try:
        iids = {name: connect(um, sb) for name, um in stores.items()}

        def sync_all(full: bool) -> dict[str, dict[str, str]]:
            for name, um in stores.items():
                assert um.sync(iids[name], full=full).ok
            return {name: _export(um, iids[name]) for name, um in stores.items()}

        first = sync_all(full=True)
        assert first["sqlite"] == first["postgres"]
        assert all(json.loads(first["sqlite"][m]) for m in MODELS)
        sample = {m: list(stores["sqlite"].export(m, iids["sqlite"])) for m in ("candidate", "job", "user")}
        filtered = _filtered(stores["sqlite"], iids["sqlite"], sample)
        assert filtered == _filtered(stores["postgres"], iids["postgres"], sample)
        assert sum(bool(ids) for ids in filtered) >= len(filtered) - 3, [len(ids) for ids in filtered]

        uids = [r["uid"] for r in sb.tenant.records("CandidateService")][:6]
        for i, uid in enumerate(uids[:3]):
            sb.tenant.update("CandidateService", uid, {"Person": {"firstName": f"Edited{i}"}})
        sb.tenant.delete("CandidateService", uids[3], hard=True)
        vacancy = sb.tenant.records("VacancyService")[0]
        sb.tenant.update("VacancyService", vacancy["uid"], {"userId2": None})
        delta = sync_all(full=False)
        assert delta["sqlite"] == delta["postgres"]
        assert delta["sqlite"] != first["sqlite"]
        full = sync_all(full=True)  # detects the deletion on both
        assert full["sqlite"] == full["postgres"]
        assert '"remote_deleted_at": true' in full["postgres"]["candidate"]
        assert _filtered(stores["sqlite"], iids["sqlite"], sample) == _filtered(
            stores["postgres"], iids["postgres"], sample
        )
    finally:
        for um in stores.values():
            um.close()
