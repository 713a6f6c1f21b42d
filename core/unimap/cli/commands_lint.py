"""``unimap lint`` and ``unimap plugins``."""

from __future__ import annotations

from pathlib import Path

import click

from unimap.cli.main import EXIT_FINDINGS, EXIT_USAGE, cli
from unimap.errors import UnimapError
from unimap.findings import Severity
from unimap.lint import FORMATTERS, LintUsageError, lint_paths
from unimap.resources import mappings_dir
from unimap.rules import ALL_RULES


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(sorted(FORMATTERS)), default="text", show_default=True,
              help="Output format.")
@click.option("--fail-severity", "-F", type=click.Choice(["error", "warning", "info", "hint"]), default="error",
              show_default=True, help="Exit 1 when a finding is at or above this severity.")
@click.option("--display-only-failures", "-D", is_flag=True, help="Show only findings at or above --fail-severity.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.pass_context
def lint(ctx: click.Context, paths: tuple[Path, ...], fmt: str, fail_severity: str, display_only_failures: bool,
         list_rules: bool) -> None:
    """Check connector, model and action specs (default: the shipped mappings).

    Exit status: 0 clean, 1 a finding at or above --fail-severity, 2 usage or internal error.
    """
    if list_rules:
        for rule in ALL_RULES:
            click.echo(f"{rule.code}  {rule.name:<24} {rule.severity!s:<8} {rule.summary}")
        return
    threshold = Severity.parse(fail_severity)
    try:
        from unimap.engine import Engine

        loader = Engine().loader()
        findings = lint_paths(paths or [mappings_dir()], loader).sorted()
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


@cli.command()
def plugins() -> None:
    """List registered plugins and the hooks each implements."""
    from unimap.plugins import make_manager, plugin_report

    for row in plugin_report(make_manager()):
        click.echo(f"{row['name']}: {', '.join(row['hooks']) or '-'}")
