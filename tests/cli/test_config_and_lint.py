"""Items 6 and 7: unimap.toml found by walking up, shown by `unimap config`, used by lint and plugins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .helpers import unimap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "specs"


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "extra", root / "specs")
    (root / "unimap.toml").write_text(
        '[unimap]\nspec_dirs = ["specs"]\nstore = "sqlite:///data/u.db"\n', encoding="utf-8"
    )
    (root / "deep" / "er").mkdir(parents=True)
    return root


def test_the_config_file_is_found_from_a_sub_folder_and_shown(tmp_path: Path) -> None:
    root = _project(tmp_path)
    shown = json.loads(unimap("config", "--json", cwd=root / "deep" / "er").stdout)
    assert shown["config_file"] == str(root / "unimap.toml")
    assert shown["spec_dirs"] == [str(root / "specs")]
    assert shown["store"] == f"sqlite:///{root / 'data' / 'u.db'}"
    assert "acme" in shown["connectors"] and "otys" in shown["connectors"]
    text = unimap("config", cwd=root / "deep").stdout
    assert "config file:" in text and str(root / "specs") in text


def test_unimap_config_names_another_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shown = json.loads(unimap("config", "--json", cwd=elsewhere, UNIMAP_CONFIG=str(root / "unimap.toml")).stdout)
    assert shown["config_file"] == str(root / "unimap.toml")
    missing = unimap("config", cwd=elsewhere, UNIMAP_CONFIG=str(tmp_path / "none.toml"))
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_lint_without_a_path_lints_the_configured_folders(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "specs" / "acme" / "models" / "broken.yaml").write_text(
        "kind: model\nmodel: user\nfieldz: {}\n", encoding="utf-8"
    )
    result = unimap("lint", cwd=root / "deep")
    assert result.returncode == 1 and "broken.yaml" in result.stdout, result.stdout + result.stderr
    assert "mappings/otys" not in result.stdout


def test_plugins_lists_the_plugins_of_unimap_toml(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "acme_plugin.py").write_text(
        "from unimap import hookimpl\n\n@hookimpl\n"
        "def unimap_register_functions(register):\n"
        "    register('acme_upper', lambda s: s.upper())\n",
        encoding="utf-8",
    )
    (root / "unimap.toml").write_text('[unimap]\nplugins = ["acme_plugin"]\n', encoding="utf-8")
    listed = json.loads(unimap("plugins", "--json", cwd=root, PYTHONPATH=str(root)).stdout)
    assert {"name": "acme_plugin", "hooks": ["unimap_register_functions"]} in listed


def test_the_pre_commit_entry_lints_only_unimap_specs(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n", encoding="utf-8")
    action = tmp_path / ".github" / "actions" / "setup" / "action.yml"
    action.parent.mkdir(parents=True)
    action.write_text("name: setup\nruns:\n  using: composite\n  steps: []\n", encoding="utf-8")
    dbt = tmp_path / "models" / "schema.yml"
    dbt.parent.mkdir()
    dbt.write_text("version: 2\nmodels:\n  - name: orders\n", encoding="utf-8")
    shutil.copytree(FIXTURES / "three_errors", tmp_path / "specs")
    spec = next((tmp_path / "specs").rglob("users.yaml"))
    hook = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"
    entry = next(
        line.split(":", 1)[1].split() for line in hook.read_text().splitlines() if line.strip().startswith("entry:")
    )
    assert entry[:2] == ["unimap", "lint"]
    clean = unimap(*entry[1:], str(workflow), str(action), str(dbt), cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == "", clean.stdout + clean.stderr
    found = unimap(*entry[1:], str(workflow), str(dbt), str(spec), cwd=tmp_path)
    assert found.returncode == 1 and "U005" in found.stdout and "schema.yml" not in found.stdout
