"""``unimap lint``, ``unimap plugins`` and ``unimap config``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import click

from unimap.cli.main import EXIT_FINDINGS, EXIT_USAGE, cli
from unimap.cli.options import default_store, echo_json
from unimap.errors import UnimapError
from unimap.findings import Severity
from unimap.lint import FORMATTERS, LintUsageError, lint_paths
from unimap.resources import mappings_dir
from unimap.rules import ALL_RULES

SPEC_KIND = re.compile(r"^kind:\s*['\"]?(connector|model|action)['\"]?\s*(#.*)?$", re.MULTILINE)
YAML_SUFFIXES = (".yaml", ".yml")


def _config() -> Any:
    from unimap.config import Config

    return Config.load()


def is_spec_file(path: Path, spec_dirs: list[Path]) -> bool:
    """Whether ``path`` is a unimap spec: under a configured spec folder, or a YAML file with a spec ``kind:``."""
    if path.is_dir():
        return True
    if path.suffix.lower() not in YAML_SUFFIXES:
        return False
    resolved = path.resolve()
    if any(resolved.is_relative_to(folder) for folder in spec_dirs):
        return True
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        return True  # let lint report the unreadable file
    return SPEC_KIND.search(head) is not None


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(sorted(FORMATTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--fail-severity",
    "-F",
    type=click.Choice(["error", "warning", "info", "hint"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option("--display-only-failures", "-D", is_flag=True, help="Show only findings at or above --fail-severity.")
@click.option(
    "--specs-only",
    is_flag=True,
    help="Skip given YAML files that are not unimap specs (no `kind: connector|model|action` and not "
    "under a configured spec folder); used by the pre-commit hook.",
)
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.pass_context
def lint(
    ctx: click.Context,
    paths: tuple[Path, ...],
    fmt: str,
    fail_severity: str,
    display_only_failures: bool,
    specs_only: bool,
    list_rules: bool,
) -> None:
    """Check connector, model and action specs.

    Without PATHS: the spec folders unimap.toml (and UNIMAP_SPEC_PATH) configure, else the shipped
    mappings.

    Exit status: 0 clean, 1 a finding at or above --fail-severity, 2 usage or internal error.
    """
    if list_rules:
        for rule in ALL_RULES:
            click.echo(f"{rule.code}  {rule.name:<24} {rule.severity!s:<8} {rule.summary}")
        return
    threshold = Severity.parse(fail_severity)
    try:
        config = _config()
        targets: list[Path] = list(paths)
        if specs_only:
            targets = [p for p in targets if not p.exists() or is_spec_file(p, config.spec_dirs)]
            if not targets:
                return
        elif not targets:
            targets = list(config.spec_dirs) or [mappings_dir()]
        from unimap.engine import Engine

        loader = Engine(config=config).loader()
        findings = lint_paths(targets, loader).sorted()
    except LintUsageError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(EXIT_USAGE)
    except UnimapError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(EXIT_USAGE)
    shown = [f for f in findings if f.level >= threshold] if display_only_failures else findings
    output = FORMATTERS[fmt](shown)
    if output:
        click.echo(output)
    if any(f.level >= threshold for f in findings):
        ctx.exit(EXIT_FINDINGS)


@cli.command(epilog="Exit status: 0 ok, 1 a plugin failed to load.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def plugins(as_json: bool) -> None:
    """List registered plugins (built-ins, entry points, UNIMAP_PLUGINS, unimap.toml) and the hooks each implements."""
    from unimap.plugins import make_manager, plugin_report

    rows = plugin_report(make_manager(_config().plugins))
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']}: {', '.join(row['hooks']) or '-'}")


@cli.command("config", epilog="Exit status: 0 ok, 1 the configuration is invalid.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def config_command(as_json: bool) -> None:
    """Show the active configuration: the config file, spec folders, plugins, connectors and the store."""
    from unimap.engine import Engine
    from unimap.plugins import make_manager, plugin_report

    config = _config()
    engine = Engine(config=config)
    data = {
        "config_file": str(config.path) if config.path else None,
        "shipped_specs": str(mappings_dir()),
        "spec_dirs": [str(p) for p in config.spec_dirs],
        "connectors": {name: str(engine._roots[name]) for name in engine.connector_names()},
        "plugins": list(config.plugins),
        "env_plugins": [p.strip() for p in os.environ.get("UNIMAP_PLUGINS", "").split(",") if p.strip()],
        "registered_plugins": [row["name"] for row in plugin_report(make_manager(config.plugins))],
        "store": default_store(),
    }
    if as_json:
        echo_json(data)
        return
    shown: dict[str, Any] = data
    found = shown["config_file"] or "none (looked for unimap.toml here and in parent folders; or set UNIMAP_CONFIG)"
    click.echo(f"config file:    {found}")
    click.echo(f"store:          {shown['store']}")
    click.echo(f"shipped specs:  {shown['shipped_specs']}")
    click.echo("spec folders:   " + (", ".join(shown["spec_dirs"]) or "none"))
    click.echo("connectors:     " + ", ".join(f"{k} ({v})" for k, v in shown["connectors"].items()))
    click.echo("plugins:        " + (", ".join(shown["plugins"] + shown["env_plugins"]) or "none configured"))
    click.echo("registered:     " + ", ".join(shown["registered_plugins"]))
