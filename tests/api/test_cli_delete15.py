"""``unimap integrations delete ID``: asks for the id, ``--yes`` skips the question, unknown ids fail."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from unimap.cli.main import _register_commands, cli
from unimap.service import Unimap
from unimap.store.base import Integration


def _runner() -> CliRunner:
    _register_commands()
    return CliRunner()


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Unimap(url) as um:
        for iid in ("otys:One", "otys:Two"):
            um.store.save_integration(Integration(iid, "otys", name=iid))
    return url


def _ids(url: str) -> list[str]:
    with Unimap(url) as um:
        return [i.id for i in um.store.integrations()]


def test_delete_asks_for_the_id_and_a_wrong_answer_deletes_nothing(tmp_path: Path) -> None:
    url = _store(tmp_path)
    runner = _runner()
    wrong = runner.invoke(cli, ["integrations", "delete", "otys:One", "--store", url], input="otys:Two\n")
    assert wrong.exit_code == 2 and "nothing was deleted" in wrong.output
    assert _ids(url) == ["otys:One", "otys:Two"]
    right = runner.invoke(cli, ["integrations", "delete", "otys:One", "--store", url], input="otys:One\n")
    assert right.exit_code == 0, right.output
    assert "deleted otys:One" in right.output and "cannot be undone" in right.output
    assert _ids(url) == ["otys:Two"]


def test_delete_yes_and_unknown(tmp_path: Path) -> None:
    url = _store(tmp_path)
    runner = _runner()
    done = runner.invoke(cli, ["integrations", "delete", "otys:Two", "--yes", "--json", "--store", url])
    assert done.exit_code == 0 and '"integrations": 1' in done.output
    assert _ids(url) == ["otys:One"]
    unknown = runner.invoke(cli, ["integrations", "delete", "otys:Nope", "--yes", "--store", url])
    assert unknown.exit_code == 1 and "otys:Nope" in unknown.output and "Traceback" not in unknown.output
