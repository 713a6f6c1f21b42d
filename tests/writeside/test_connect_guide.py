"""docs/connect-otys.md documents every connector setting and the sections the code points to."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from unimap_connectors.otys import hooks

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "connect-otys.md").read_text(encoding="utf-8")


def settings_rows() -> dict[str, str]:
    """Setting name -> its documentation row (first cell is the name in backticks)."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", GUIDE, re.M)}


def anchors() -> set[str]:
    heads = re.findall(r"^#+ (.+)$", GUIDE, re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in heads}


def test_every_connector_setting_is_documented() -> None:
    spec = yaml.safe_load((ROOT / "mappings" / "otys" / "connector.yaml").read_text(encoding="utf-8"))
    rows = settings_rows()
    missing = sorted(set(spec["settings"]) - set(rows))
    assert not missing, f"settings without a row in docs/connect-otys.md: {missing}"
    for name in spec["settings"]:
        assert len(rows[name].split("|")[3].strip()) > 20, f"{name}: say what it changes"
    assert {"sync_only_created_applications", "max_attachment_bytes"} <= set(rows)


def test_sections_the_code_links_to_exist() -> None:
    assert "result-links" in anchors()
    assert "enable-gdpr-consent-writing" in anchors()
    assert '"Enable GDPR consent writing"' in hooks.GDPR_HELP
    for spec in (ROOT / "mappings" / "otys" / "actions").glob("*.yaml"):
        for anchor in re.findall(r"connect-otys\.md#([\w-]+)", spec.read_text(encoding="utf-8")):
            assert anchor in anchors(), (spec.name, anchor)


def test_connection_test_commands_are_documented() -> None:
    for command in (
        "unimap connect otys --api-key",
        "unimap sync",
        "unimap passthrough",
        "check",
        "unimap retry-attachments",
        "INTEGRATION.AUTHENTICATION_INVALID",
        "SE2995",
    ):
        assert command in GUIDE, command
