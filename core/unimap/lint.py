"""``unimap lint``: collect spec files under paths, check them, and format the findings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from unimap import rules
from unimap.findings import Finding, Findings, Severity
from unimap.loader import CONNECTOR_FILE, SPEC_SUFFIXES, SpecLoader
from unimap.settings_check import check_setting_types
from unimap.specs import ConnectorSpecs

FORMATS = ("text", "json", "github")


class LintUsageError(Exception):
    """A lint argument is wrong (e.g. a path that does not exist)."""


def _connector_root(path: Path, limit: Path) -> Path | None:
    for parent in [path.parent, *path.parent.parents]:
        if (parent / CONNECTOR_FILE).is_file():
            return parent
        if parent == limit.parent or parent == parent.parent:
            break
    return None


def lint_paths(paths: Iterable[Path | str], loader: SpecLoader) -> Findings:
    """Check every spec file under ``paths``; cross-file rules run per connector folder."""
    findings = Findings()
    requested: set[Path] = set()
    roots: set[Path] = set()
    loose: dict[Path, Path] = {}
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise LintUsageError(f"path does not exist: {path}")
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in SPEC_SUFFIXES)
        for file in files:
            resolved = file.resolve()
            requested.add(resolved)
            root = _connector_root(resolved, resolved.parents[-1])
            if root is None:
                loose.setdefault(resolved, file)
            else:
                roots.add(root)
    collected = Findings()
    for root in sorted(roots):
        specs = loader.load_connector(root, collected)
        if specs is not None:
            check_settings(specs, collected)
    for file in loose.values():
        spec = loader.load_file(file, collected)
        if spec is not None and spec.kind != "connector":
            message = f"no {CONNECTOR_FILE} in this folder or above it, so no connector loads this {spec.kind} spec"
            collected.add(rules.MISSING_CONNECTOR, message, spec.document.location(("kind",), key=True), ("kind",))
    cwd = Path.cwd()
    for finding in collected.items:
        file = Path(finding.location.file).resolve()
        if file in requested:
            findings.items.append(_relative(finding, file, cwd))
    return findings


def check_settings(specs: ConnectorSpecs, findings: Findings) -> None:
    """U309: every default setting has the type the core expects (``settings_check.KNOWN_TYPES``)."""
    settings = specs.data.get("settings") if isinstance(specs.data, dict) else None
    if not isinstance(settings, dict):
        return  # the schema check reports a settings block that is not a mapping
    for name, message in check_setting_types(settings, settings):
        path = ("settings", name)
        findings.add(rules.SETTING_TYPE, message, specs.connector.document.location(path), path)


def _relative(finding: Finding, file: Path, cwd: Path) -> Finding:
    try:
        shown = str(file.relative_to(cwd))
    except ValueError:
        shown = str(file)
    location = type(finding.location)(shown, finding.location.line, finding.location.column)
    return Finding(finding.rule, finding.message, location, finding.path, finding.suggestion, finding.severity)


def format_text(findings: list[Finding]) -> str:
    """Spectral-style text: findings grouped by file, then a summary line."""
    if not findings:
        return "No problems found."
    lines: list[str] = []
    current = None
    for f in findings:
        if f.location.file != current:
            current = f.location.file
            lines.extend(["", current])
        lines.append(f"  {f.location.line}:{f.location.column}  {f.level!s:<7}  {f.rule.code} {f.rule.name}  {f.text}")
    counts = {s: sum(1 for f in findings if f.level == s) for s in Severity}
    lines.append("")
    lines.append(
        f"✖ {len(findings)} problem(s) ({counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} "
        f"warning(s), {counts[Severity.INFO] + counts[Severity.HINT]} info)"
    )
    return "\n".join(lines[1:])


def format_json(findings: list[Finding]) -> str:
    """A JSON list of findings (Spectral-like: 0-based range, plus 1-based line/column)."""
    rows = [
        {
            "code": f.rule.code,
            "rule": f.rule.name,
            "severity": str(f.level),
            "message": f.text,
            "suggestion": f.suggestion,
            "source": f.location.file,
            "path": list(f.path),
            "line": f.location.line,
            "column": f.location.column,
            "range": {"start": {"line": max(f.location.line - 1, 0), "character": max(f.location.column - 1, 0)}},
        }
        for f in findings
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def format_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands, one annotation per finding."""
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning"}
    out = []
    for f in findings:
        kind = kinds.get(f.level, "notice")
        text = f.text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        out.append(
            f"::{kind} file={f.location.file},line={f.location.line},col={f.location.column},"
            f"title={f.rule.code} {f.rule.name}::{text}"
        )
    return "\n".join(out)


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}
