"""A tenant's request budget is one setting: the client paces itself by it."""

from __future__ import annotations

from collections.abc import Callable

from unimap.sync import Syncer

from .helpers import Synced


def test_the_connector_budget_applies_by_default(make_synced: Callable[..., Synced]) -> None:
    synced = make_synced()
    integration = synced.um.integration(synced.integration_id)
    with synced.um.client(integration) as client:
        assert client.limiter.per_minute == 350


def test_an_integration_setting_overrides_the_budget(make_synced: Callable[..., Synced]) -> None:
    synced = make_synced()
    integration = synced.um.configure(synced.integration_id, {"requests_per_minute": 35000})
    with synced.um.client(integration) as client:
        assert client.limiter.per_minute == 35000
    syncer = Syncer(synced.um.engine, synced.um.store, integration)
    try:
        assert syncer.client.limiter.per_minute == 35000
    finally:
        syncer.close()
