"""``unimap webhooks add|list|remove|deliveries|retry|inbound``: data-changed webhooks out, vendor webhooks in."""

from __future__ import annotations

from typing import Any

import click

from unimap.cli.main import cli
from unimap.cli.options import (
    echo_json,
    integration_option,
    open_service,
    print_table,
    resolve_integration,
    store_option,
)


@cli.group()
def webhooks() -> None:
    """Send Kombo's data-changed webhooks to your receivers; take vendor webhooks in (docs/webhooks.md)."""


@webhooks.command("add", epilog="Exit status: 0 added, 1 URL not allowed or unknown integration, 2 usage error.")
@click.argument("url")
@integration_option
@store_option
def webhooks_add(url: str, integration_opt: str | None, store_url: str) -> None:
    """Subscribe URL to data-changed events (of --integration ID, else of every integration).

    The signing secret is printed once; unimap signs every POST with it (X-Unimap-Signature).
    Private and loopback addresses are refused unless UNIMAP_WEBHOOK_ALLOW allows them.
    """
    from unimap.webhooks.policy import UrlPolicy
    from unimap.webhooks.store import WebhookStore

    UrlPolicy.from_env().check(url)
    with open_service(store_url, readonly=True) as um:
        integration_id = resolve_integration(um, integration_opt).id if integration_opt else None
        sub, secret = WebhookStore(um.store).add(url, integration_id)
    click.echo(secret)
    scope = f"integration {integration_id}" if integration_id else "every integration"
    click.echo(
        f"webhook {sub.id} for {scope}; the line above is its signing secret. Store it now: it cannot be shown again.",
        err=True,
    )


@webhooks.command("list", epilog="Exit status: 0 ok, 2 no store at --store.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_option
def webhooks_list(as_json: bool, store_url: str) -> None:
    """List subscriptions (never their secrets)."""
    from unimap.webhooks.store import WebhookStore

    with open_service(store_url, readonly=True) as um:
        subs = WebhookStore(um.store).subscriptions()
    if as_json:
        echo_json([s.public() for s in subs])
        return
    print_table(
        ("id", "url", "integration", "created"),
        ((sub.id, sub.url, sub.integration_id or "(all)", sub.created_at) for sub in subs),
    )


@webhooks.command("remove", epilog="Exit status: 0 removed, 1 no such webhook, 2 usage error.")
@click.argument("webhook_id")
@store_option
def webhooks_remove(webhook_id: str, store_url: str) -> None:
    """Remove a subscription; its undelivered events are cancelled."""
    from unimap.webhooks.store import WebhookStore

    with open_service(store_url, readonly=True) as um:
        sub = WebhookStore(um.store).remove(webhook_id)
    click.echo(f"removed {sub.id} ({sub.url})")


@webhooks.command("deliveries", epilog="Exit status: 0 ok, 2 no store at --store.")
@click.option("--webhook", "webhook_id", metavar="ID", help="Only this subscription's deliveries.")
@integration_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="Deliveries to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (every attempt) instead of a table.")
@store_option
def webhooks_deliveries(
    webhook_id: str | None, integration_opt: str | None, limit: int, as_json: bool, store_url: str
) -> None:
    """The delivery log, newest first: status, attempts with their status codes, the next retry."""
    from unimap.webhooks.store import WebhookStore

    with open_service(store_url, readonly=True) as um:
        found = WebhookStore(um.store).deliveries(
            integration_id=integration_opt, subscription_id=webhook_id, limit=limit
        )
    if as_json:
        echo_json([d.public() for d in found])
        return

    def line(d: Any) -> tuple[str, ...]:
        codes = " ".join(str(a["status"] or a["error"] or "-") for a in d.log) or "-"
        models = ", ".join(d.public()["changed_models"])
        next_retry = d.next_attempt_at if d.status == "pending" else "-"
        return str(d.id), d.subscription_id, d.integration_id, models, d.status, str(d.attempts), codes, next_retry

    print_table(
        ("id", "webhook", "integration", "models", "status", "attempts", "codes", "next retry"),
        (line(d) for d in found),
    )


@webhooks.command("retry", epilog="Exit status: 0 every attempt delivered, 1 some failed, 2 usage error.")
@click.argument("delivery_ids", nargs=-1, type=int, metavar="[DELIVERY_ID]...")
@store_option
def webhooks_retry(delivery_ids: tuple[int, ...], store_url: str) -> None:
    """Attempt pending deliveries now (named ones, failed ones included; else every pending one)."""
    from unimap.cli.options import EXIT_FAILURE
    from unimap.webhooks.delivery import Deliverer
    from unimap.webhooks.store import WebhookStore

    with open_service(store_url, readonly=True) as um:
        WebhookStore(um.store).retry_now(list(delivery_ids) or None)
        done = Deliverer(um.store).deliver_due(ids=list(delivery_ids) or None, limit=1000)
        after = {d.id: d for d in WebhookStore(um.store).deliveries(limit=10_000) if d.id in {x.id for x in done}}
    delivered = sum(1 for d in after.values() if d.status == "delivered")
    click.echo(f"attempted {len(done)} deliveries: {delivered} delivered, {len(done) - delivered} not")
    if delivered < len(done):
        raise SystemExit(EXIT_FAILURE)


@webhooks.command("inbound", epilog="Exit status: 0 ok, 1 the connector has no vendor webhooks, 2 usage error.")
@integration_option
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000/v1",
    show_default=True,
    help="Where the vendor reaches `unimap serve` (its public /v1 URL).",
)
@click.option("--rotate", is_flag=True, help="Make a new inbound secret (the vendor must get the new one).")
@click.option("--secret", help="Use this secret (e.g. one already set at the vendor) instead of a random one.")
@store_option
def webhooks_inbound(
    integration_opt: str | None, base_url: str, rotate: bool, secret: str | None, store_url: str
) -> None:
    """Print the URL (and secret) to register with the vendor so its webhooks trigger delta syncs."""
    from unimap.errors import ConfigError
    from unimap.webhooks.inbound import inbound_spec
    from unimap.webhooks.store import WebhookStore

    with open_service(store_url, readonly=True) as um:
        integration = resolve_integration(um, integration_opt)
        spec = inbound_spec(um.engine, integration.connector)
        if spec is None:
            raise ConfigError(f"the {integration.connector} connector declares no vendor webhooks (webhooks:)")
        hooks = WebhookStore(um.store)
        value = hooks.inbound_secret(integration.id)
        if value is None or rotate or secret:
            value = hooks.set_inbound_secret(integration.id, secret)
    url = f"{base_url.rstrip('/')}/integrations/{integration.id}/vendor-webhooks"
    click.echo(f"url: {spec.signature.target_url(url, value)}")
    vendor_secret = spec.signature.vendor_secret(value)
    if vendor_secret is not None:
        click.echo(f"secret: {vendor_secret}")
    click.echo(f"events: {', '.join(spec.events)}", err=True)
