"""``unimap integrations delete ID``: remove an integration and everything stored for it, after confirmation."""

from __future__ import annotations

import click

from unimap.cli.commands_sync import integrations
from unimap.cli.options import UsageFailure, echo_json, open_service, store_option


@integrations.command(
    "delete", epilog="Exit status: 0 deleted, 1 unknown integration or a sync still running, 2 usage error."
)
@click.argument("integration_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask: delete at once.")
@click.option(
    "--wait",
    type=click.FloatRange(0, 3600),
    default=30.0,
    show_default=True,
    help="Seconds to wait for a running sync of it to stop.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the rows removed per table as JSON.")
@store_option
def integrations_delete(integration_id: str, yes: bool, wait: float, as_json: bool, store_url: str) -> None:
    """Delete integration ID with its records, checkpoints, sync history, tracked rows, pending
    attachments, schedule, field settings, API-key grants and queued sync jobs.

    Asks you to type the id to confirm (--yes skips the question). It cannot be undone.
    """
    from unimap.removal import remove_integration

    with open_service(store_url, readonly=True) as um:
        integration = um.store.integration(integration_id)  # unknown: exit 1 with the error
        if not yes:
            records = sum(
                um.store.count(integration.id, model, include_deleted=True)
                for model in um.engine.connector(integration.connector).models
            )
            click.echo(
                f"This deletes {integration.id} ({integration.connector}"
                + (f", {integration.name}" if integration.name else "")
                + f") and its {records} stored record(s). It cannot be undone.",
                err=True,
            )
            typed = click.prompt("Type the integration id to confirm", default="", show_default=False, err=True)
            if typed.strip() != integration.id:
                raise UsageFailure("the id typed does not match; nothing was deleted")
        removed = remove_integration(um, integration.id, wait=wait)
    if as_json:
        echo_json({"deleted": integration_id, "removed": removed})
        return
    parts = ", ".join(f"{table} {n}" for table, n in removed.items() if n)
    click.echo(f"deleted {integration_id}" + (f" ({parts})" if parts else ""))
