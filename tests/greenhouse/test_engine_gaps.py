"""Engine behaviour the YAML-only Greenhouse connector relies on (each was a gap it found, now fixed)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from unimap.engine import Engine
from unimap.errors import UnimapError
from unimap.service import Unimap
from unimap.transport.paginators import parse_link_header

from .helpers import connect

CONNECTOR = Path(__file__).resolve().parents[2] / "mappings" / "greenhouse"


def test_link_header_parser_reads_rel_next() -> None:
    assert parse_link_header('<https://h.example/v3/jobs?cursor=abc>; rel="next"') == [
        ("https://h.example/v3/jobs?cursor=abc", {"rel": "next"})
    ]


def test_union_merges_rows_with_the_same_id_across_parts(greenhouse_sandbox: Any, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(CONNECTOR, specs / "greenhouse")
    team = specs / "greenhouse" / "models" / "job_hiring_team_members.yaml"
    text = team.read_text()
    team.write_text(
        text.replace(
            "join(':', [to_text(job_id), to_text(user_id), type])", "join(':', [to_text(job_id), to_text(user_id)])"
        )
    )
    sb = greenhouse_sandbox
    pairs: dict[str, set[str]] = {}
    for row in sb.tenant.rows("job_owners"):
        pairs.setdefault(f"{row['job_id']}:{row['user_id']}", set()).add(row["type"])
    for row in sb.tenant.rows("job_hiring_managers"):
        pairs.setdefault(f"{row['job_id']}:{row['user_id']}", set()).add("hiring_manager")
    assert any(len(v) > 1 for v in pairs.values()), "the tenant needs a user with two roles on one job"
    um = Unimap(f"sqlite:///{tmp_path / 'u.db'}", engine=Engine(spec_dirs=[specs]))
    try:
        iid = connect(um, sb)
        um.sync(iid, full=True, models=["job_hiring_team_member"])
        again = um.sync(iid, full=True, models=["job_hiring_team_member"])
        stored = {
            r["remote_id"]: {x["remote_label"] for x in r["roles"]} for r in um.export("job_hiring_team_member", iid)
        }
        templates = {str(j["id"]) for j in sb.tenant.rows("jobs") if j["is_template"]}
        assert stored == {k: v for k, v in pairs.items() if k.split(":")[0] not in templates}
        assert again.models["job_hiring_team_member"].changed == 0
    finally:
        um.close()


def test_connect_sends_the_auth_check_for_oauth2(greenhouse_sandbox: Any) -> None:
    sb = greenhouse_sandbox
    c = sb.credentials
    with pytest.raises(UnimapError) as err:
        Unimap("sqlite:///:memory:").connect(
            "greenhouse",
            {"client_id": c.client_id, "client_secret": c.client_secret, "user_id": str(sb.tenant.basic_user_id)},
            base_url=sb.base_url,
            settings={"token_url": sb.token_url},
        )
    assert err.value.code == "INTEGRATION.PERMISSION_MISSING"
