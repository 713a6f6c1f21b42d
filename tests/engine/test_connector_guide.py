"""docs/connector-guide.md stays true: its `# file:` blocks form a connector that lints clean and builds."""

from __future__ import annotations

import re
from pathlib import Path

from unimap.config import Config
from unimap.engine import Engine
from unimap.findings import Findings, Severity

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "connector-guide.md"


def write_guide_connector(folder: Path) -> Path:
    """Write every ``# file:`` block of the guide under ``folder``; returns the connector's folder."""
    blocks = re.findall(r"```yaml\n(# file: (\S+)\n.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 8
    for text, name in blocks:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder / "acme"


def test_the_guide_connector_lints_clean(engine: Engine, tmp_path: Path) -> None:
    root = write_guide_connector(tmp_path)
    findings = Findings()
    specs = engine.loader().load_connector(root, findings)
    problems = [str(f) for f in findings.sorted() if f.level >= Severity.WARNING]
    assert specs is not None and problems == []
    assert set(specs.models) == {
        "user",
        "job",
        "application_stage",
        "candidate",
        "application",
        "job_hiring_team_member",
    }


def test_the_guide_connector_builds_every_component(clean_env: Path, tmp_path: Path) -> None:
    root = write_guide_connector(tmp_path)
    engine = Engine(config=Config(spec_dirs=[root.parent]))
    specs = engine.connector("acme")
    kinds = {name: model.component.kind for name, model in specs.models.items()}
    assert kinds == {
        "user": "list",
        "job": "list",
        "application_stage": "fan_out",
        "candidate": "list",
        "application": "list",
        "job_hiring_team_member": "derived",
    }
    paginators = {
        name: type(getattr(model.component, "paginator", None)).__name__
        for name, model in specs.models.items()
        if model.component.kind == "list"
    }
    assert len(set(paginators.values())) == 4, paginators
