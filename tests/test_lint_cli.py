"""``unimap lint``: exit codes, output formats and paths, through the real command line.

The end-to-end checks run ``python -m unimap`` in a subprocess, so they see what a user sees
(including that no traceback is ever printed); the option checks use click's runner.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

import unimap.cli.commands_lint  # noqa: F401  (registers `lint` on the group)
from unimap.cli.main import cli
from unimap.errors import Location
from unimap.findings import Finding, Severity
from unimap.lint import format_github, format_json, format_text
from unimap.rules import ALL_RULES, UNKNOWN_KEY, UNMAPPED_REQUIRED_FIELD

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO / "tests" / "fixtures" / "specs"
RULES = SPECS / "rules"
THREE = SPECS / "three_errors" / "acme"
THREE_FILE = "tests/fixtures/specs/three_errors/acme/models/users.yaml"


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("UNIMAP_")]:
        monkeypatch.delenv(name)


def run(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m unimap <args>`` with no ``UNIMAP_*`` variables from the caller's environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNIMAP_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "unimap", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args], catch_exceptions=False)


# -- the acceptance checks of the issue -------------------------------------------------------------


def test_shipped_mappings_lint_clean() -> None:
    proc = run("lint", "mappings")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "No problems found."


def test_no_arguments_lints_the_shipped_mappings(tmp_path: Path) -> None:
    proc = run("lint", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_three_mistakes_give_three_findings_at_their_lines() -> None:
    proc = run("lint", str(THREE.relative_to(REPO)))
    no_traceback(proc)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == THREE_FILE
    assert [line.split()[:3] for line in lines[1:4]] == [
        ["6:1", "error", "U005"],
        ["10:25", "error", "U101"],
        ["14:3", "error", "U201"],
    ]
    assert lines[-1].startswith("✖ 3 problem(s) (3 error(s)")


def test_json_output_parses() -> None:
    proc = run("lint", "--format", "json", str(THREE.relative_to(REPO)))
    no_traceback(proc)
    assert proc.returncode == 1
    rows = json.loads(proc.stdout)
    assert [(r["code"], r["source"], r["line"], r["column"]) for r in rows] == [
        ("U005", THREE_FILE, 6, 1),
        ("U101", THREE_FILE, 10, 25),
        ("U201", THREE_FILE, 14, 3),
    ]
    assert rows[0]["suggestion"] == "description"
    assert rows[0]["path"] == ["descripton"]
    assert rows[0]["range"] == {"start": {"line": 5, "character": 0}}


def test_json_output_of_a_clean_run_is_an_empty_list() -> None:
    proc = run("lint", "-f", "json", "mappings")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_missing_path_exits_2_without_traceback() -> None:
    proc = run("lint", "no/such/folder")
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "path does not exist: no/such/folder" in proc.stderr


def test_broken_configuration_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "unimap.toml").write_text("[unimap\nplugins = 1\n", encoding="utf-8")
    proc = run("lint", str(THREE), cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 2
    assert "invalid TOML" in proc.stderr


def test_unknown_format_is_a_usage_error() -> None:
    proc = run("lint", "--format", "xml", "mappings")
    no_traceback(proc)
    assert proc.returncode == 2


# -- options --------------------------------------------------------------------------------------


def test_github_format_annotates_each_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = invoke("-f", "github", str(THREE))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"::error file={THREE_FILE},line=6,col=1,title=U005 unknown-key::unknown key")


def test_info_findings_are_shown_but_do_not_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RULES / "U204-unmapped-required-field" / "bad")
    result = invoke(".")
    assert result.exit_code == 0
    assert "U204" in result.output


def test_fail_severity_info_fails_on_info(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RULES / "U204-unmapped-required-field" / "bad")
    assert invoke("--fail-severity", "info", ".").exit_code == 1


def test_display_only_failures_hides_what_does_not_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RULES / "U204-unmapped-required-field" / "bad")
    result = invoke("-D", ".")
    assert result.exit_code == 0
    assert result.output.strip() == "No problems found."


def test_warnings_fail_only_at_warning_severity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RULES / "U305-unknown-setting" / "bad")
    assert invoke(".").exit_code == 0
    assert invoke("-F", "warning", ".").exit_code == 1


def test_list_rules_names_every_rule() -> None:
    result = invoke("--list-rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.splitlines()]
    assert listed == [rule.code for rule in ALL_RULES]


# -- which files are linted -------------------------------------------------------------------------


def test_one_file_is_checked_against_its_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = RULES / "U305-unknown-setting" / "bad"
    monkeypatch.chdir(folder)
    result = invoke("-F", "warning", "models/users.yaml")
    assert result.exit_code == 1  # U305 needs connector.yaml's settings, so the connector was loaded
    assert "models/users.yaml" in result.output
    assert "connector.yaml" not in result.output.replace("in connector.yaml", "")


def test_only_the_requested_files_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RULES / "U306-plugin-import" / "bad")
    result = invoke("models/users.yaml")
    assert result.exit_code == 0  # the finding is in connector.yaml, which was not asked for
    assert invoke("connector.yaml").exit_code == 1


def test_a_path_given_twice_is_reported_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RULES / "U303-missing-connector" / "bad")
    result = invoke("-f", "json", "models/users.yaml", "models", "models/users.yaml")
    assert [row["code"] for row in json.loads(result.output)] == ["U303"]


def test_paths_are_shown_relative_to_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(THREE)
    result = invoke("-f", "json", str(THREE))
    assert {row["source"] for row in json.loads(result.output)} == {"models/users.yaml"}


def test_a_folder_without_specs_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(".")
    assert result.exit_code == 0
    assert result.output.strip() == "No problems found."


# -- formatters -----------------------------------------------------------------------------------


def finding(rule_code: str = "U005", severity: Severity | None = None, message: str = "unknown key 'x'") -> Finding:
    rule = UNKNOWN_KEY if rule_code == "U005" else UNMAPPED_REQUIRED_FIELD
    return Finding(rule, message, Location("a.yaml", 3, 5), ("x",), "y", severity)


def test_text_format_groups_by_file_and_counts() -> None:
    text = format_text([finding(), finding("U204")])
    lines = text.splitlines()
    assert lines[0] == "a.yaml"
    assert lines[1].split()[:4] == ["3:5", "error", "U005", "unknown-key"]
    assert lines[1].endswith("unknown key 'x'; did you mean 'y'?")
    assert lines[-1] == "✖ 2 problem(s) (1 error(s), 0 warning(s), 1 info)"


def test_github_format_escapes_newlines_and_percent() -> None:
    line = format_github([finding(message="50% done\nnext")])
    assert "\n" not in line
    assert "50%25 done%0Anext" in line


def test_github_format_uses_notice_below_warning() -> None:
    assert format_github([finding("U204")]).startswith("::notice ")


def test_json_format_reports_the_effective_severity() -> None:
    rows = json.loads(format_json([finding(severity=Severity.WARNING)]))
    assert rows[0]["severity"] == "warning"


# -- pre-commit and editors -------------------------------------------------------------------------------


def hook() -> dict[str, object]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return next(h for h in hooks if h["id"] == "unimap-lint")


def test_the_pre_commit_hook_runs_unimap_lint_once_over_all_yaml_files() -> None:
    entry = hook()
    assert entry["entry"] == "unimap lint --specs-only"
    assert entry["language"] == "python"
    assert entry["require_serial"] is True
    assert entry["types"] == ["yaml"]
    assert "files" not in entry  # the selection is by content (`kind:`), so any layout works


@pytest.mark.parametrize(
    "path",
    [
        "mappings/otys/connector.yaml",
        "mappings/otys/models/candidates.yaml",
        "mappings/otys/actions/create_candidate.yaml",
        "tests/fixtures/specs/extra/acme/actions/create_candidate.yaml",
        "tests/fixtures/specs/three_errors/acme/models/users.yaml",
    ],
)
def test_the_pre_commit_hook_selects_spec_files(path: str) -> None:
    from unimap.cli.commands_lint import is_spec_file

    assert is_spec_file(REPO / path, [])


OTHER_YAML = {
    ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks: []\n",
    ".github/workflows/ci.yaml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n",
    ".github/actions/setup/action.yml": "name: setup\nruns:\n  using: composite\n",
    "docs/mkdocs.yml": "site_name: x\n",
    "dbt/models/schema.yml": "version: 2\nmodels:\n  - name: orders\n",
    "helm/values.yaml": "kind: Deployment\nreplicas: 2\n",
    "mappings/otys/models/notes.md": "kind: model\n",
}


@pytest.mark.parametrize("path", sorted(OTHER_YAML))
def test_the_pre_commit_hook_leaves_other_yaml_alone(path: str, tmp_path: Path) -> None:
    from unimap.cli.commands_lint import is_spec_file

    file = tmp_path / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(OTHER_YAML[path], encoding="utf-8")
    assert not is_spec_file(file, [])
    proc = run("lint", "--specs-only", str(file))
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout


def test_files_below_a_configured_spec_folder_are_specs(tmp_path: Path) -> None:
    from unimap.cli.commands_lint import is_spec_file

    file = tmp_path / "specs" / "acme" / "models" / "users.yaml"
    file.parent.mkdir(parents=True)
    file.write_text("model: user\n", encoding="utf-8")
    assert is_spec_file(file, [(tmp_path / "specs").resolve()])
    assert not is_spec_file(file, [])


def test_the_pre_commit_hook_passes_on_the_shipped_specs() -> None:
    files = sorted(
        p.relative_to(REPO).as_posix()
        for p in REPO.rglob("*.y*ml")
        if ".venv" not in p.parts
        and ".ci-venv" not in p.parts
        and "three_errors" not in p.parts
        and "rules" not in p.parts
    )
    assert "mappings/otys/connector.yaml" in files and ".pre-commit-hooks.yaml" in files
    proc = run("lint", "--specs-only", *files)  # as pre-commit calls it: the entry plus every YAML file
    no_traceback(proc)
    assert proc.returncode == 0, proc.stdout


HINT = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


@pytest.mark.parametrize(
    "path",
    sorted(
        [
            *(REPO / "mappings").rglob("*.yaml"),
            *(SPECS / "extra").rglob("*.yaml"),
            *(SPECS / "three_errors").rglob("*.yaml"),
        ]
    ),
    ids=lambda p: p.relative_to(REPO).as_posix(),
)
def test_spec_files_point_editors_at_the_right_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    match = HINT.search(text.splitlines()[0] if text else "")
    assert match, f"{path.name}: no `# yaml-language-server: $schema=...` on the first line"
    kind = yaml.safe_load(text)["kind"]
    target = (path.parent / match.group(1)).resolve()
    assert target == REPO / "schemas" / "spec" / f"{kind}.schema.json"
