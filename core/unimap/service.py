"""The Python API over engine and store: connect, sync, list and export.

>>> um = Unimap("sqlite:///unimap.db")                       # doctest: +SKIP
>>> integration = um.connect("acme", {"api_key": "…"})      # doctest: +SKIP
>>> um.sync(integration.id)                                  # doctest: +SKIP
>>> um.list_records("candidate", integration.id).results    # doctest: +SKIP
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

from unimap import ids
from unimap.assemble import Assembler
from unimap.engine import Engine
from unimap.errors import ConfigError, InputInvalid, IntegrationNotFound
from unimap.query import ListQuery, split_list
from unimap.settings_check import check_setting_types
from unimap.splice import FragmentPage, render_page
from unimap.store import Integration, RecordPage, open_store
from unimap.store.base import StoredPage
from unimap.sync import Progress, Syncer, SyncReport
from unimap.transport.client import VendorClient
from unimap.unified import check_base_url

TRACKED_MODELS = ("candidate", "application")
SYNC_ONLY_CREATED = "sync_only_created_applications"
#: integration settings the engine reads for every connector
ENGINE_SETTINGS = frozenset({SYNC_ONLY_CREATED, "default_source", "max_delete_share"})


def new_integration_id(connector: str) -> str:
    """A fresh ``<connector>:<id>`` integration id."""
    return f"{connector}:" + "".join(secrets.choice(ids.ALPHABET) for _ in range(16))


class Unimap:
    """Integrations, syncs and unified listings over one store."""

    def __init__(self, store_url: str | None = None, *, engine: Engine | None = None, store: Any = None) -> None:
        self.engine = engine or Engine()
        self.store = store if store is not None else open_store(store_url)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Unimap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- integrations ----------------------------------------------------------------------------

    def client(self, integration: Integration, **options: Any) -> VendorClient:
        """A vendor client for ``integration`` (see :meth:`Engine.client`), sharing its account's budget."""
        return self.engine.client(integration, **self._budget(integration, options))

    def _budget(self, integration: Integration, options: dict[str, Any]) -> dict[str, Any]:
        """On a shared (PostgreSQL) store, every process spends one request budget per vendor account."""
        if "budget" in options or type(self.store).__name__ != "PostgresStore":
            return options
        settings = self.engine.settings(integration.connector, integration.settings)
        limits = self.engine.connector(integration.connector).data.get("rate_limit") or {}
        per_minute = settings.get("requests_per_minute")
        per_minute = float(per_minute if per_minute is not None else limits.get("requests_per_minute") or 0)
        if per_minute <= 0:
            return options
        from unimap.store.budget import shared_limit

        return {
            **options,
            "budget": shared_limit(self.store, integration, per_minute, sleep=options.get("sleep", time.sleep)),
        }

    def connect(
        self,
        connector: str,
        credentials: dict[str, Any],
        *,
        base_url: str | None = None,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
        integration_id: str | None = None,
        check: bool = True,
    ) -> Integration:
        """Store a new integration after checking its credentials by logging in (``check``)."""
        specs = self.engine.connector(connector)
        wanted = [c["name"] for c in specs.data.get("credentials", [])]
        missing = [c for c in wanted if not credentials.get(c)]
        if missing:
            raise InputInvalid(f"missing credential(s): {', '.join(missing)}", fields=missing)
        unknown = sorted(set(settings or {}) - set(specs.settings) - ENGINE_SETTINGS)
        if unknown:
            raise InputInvalid(f"unknown setting(s) {', '.join(unknown)} for connector {connector!r}", fields=unknown)
        self._check_settings(connector, settings or {})
        if base_url is not None:
            base_url = check_base_url(base_url)
        integration = Integration(
            integration_id or new_integration_id(connector),
            connector,
            name,
            base_url,
            dict(credentials),
            dict(settings or {}),
        )
        if check:
            with self.client(integration) as client:
                client.authenticate()
        return self.store.save_integration(integration)

    def integration(self, integration_id: str | None = None) -> Integration:
        """An integration by id; without an id, the only one in the store."""
        if integration_id:
            return self.store.integration(integration_id)
        found = self.store.integrations()
        if len(found) == 1:
            return found[0]
        if not found:
            raise IntegrationNotFound("no integration yet; run `unimap connect <connector>` first")
        raise ConfigError("several integrations exist; name one: " + ", ".join(i.id for i in found))

    def _check_settings(self, connector: str, settings: dict[str, Any]) -> None:
        """Every setting has the type of the connector's default (``requests_per_minute=abc`` is refused)."""
        problems = check_setting_types(
            {k: v for k, v in settings.items() if v is not None}, self.engine.connector(connector).settings
        )
        if problems:
            raise InputInvalid("; ".join(message for _, message in problems), fields=[name for name, _ in problems])

    def configure(self, integration_id: str, settings: dict[str, Any]) -> Integration:
        """Change setting overrides of an integration (``None`` removes one)."""
        integration = self.store.integration(integration_id)
        self._check_settings(integration.connector, settings)
        for key, value in settings.items():
            if value is None:
                integration.settings.pop(key, None)
            else:
                integration.settings[key] = value
        return self.store.save_integration(integration)

    # -- syncing -----------------------------------------------------------------------------------

    def sync(
        self,
        integration_id: str | None = None,
        *,
        full: bool = False,
        models: list[str] | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        allow_mass_delete: bool = False,
        **client_options: Any,
    ) -> SyncReport:
        """Sync an integration (delta where a checkpoint exists, else full).

        ``cancel`` set → the sync stops after its current page and raises :class:`SyncInterrupted`;
        ``allow_mass_delete`` lets one sync mark more than ``max_delete_share`` of a model deleted.
        """
        integration = self.integration(integration_id)
        client_options = self._budget(integration, client_options)
        syncer = Syncer(
            self.engine,
            self.store,
            integration,
            progress=progress,
            client_options=client_options,
            cancel=cancel,
            allow_mass_delete=allow_mass_delete,
        )
        try:
            report = syncer.run(full=full, models=models)
        finally:
            syncer.close()
        from unimap.webhooks.delivery import after_sync

        after_sync(self.store, integration, report)  # data-changed webhooks out (never raises)
        return report

    # -- writing ---------------------------------------------------------------------------------------

    def action(self, name: str, payload: dict[str, Any], integration_id: str | None = None) -> Any:
        """Run write action ``name`` (e.g. ``create_application``); returns an :class:`ActionResult`."""
        from unimap.actions import ActionRunner

        runner = ActionRunner(self, self.integration(integration_id))
        try:
            return runner.run(name, payload)
        finally:
            runner.close()

    def retry_attachments(self, integration_id: str | None = None, *, max_attempts: int = 3) -> tuple[int, list[str]]:
        """Attach the attachments earlier actions could not; returns (attached, warnings)."""
        from unimap.actions import ActionRunner

        runner = ActionRunner(self, self.integration(integration_id))
        try:
            return runner.retry_pending(max_attempts)
        finally:
            runner.close()

    def passthrough(
        self,
        method: str,
        params: list[Any] | None = None,
        integration_id: str | None = None,
        *,
        path: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """A raw vendor call with the stored auth; Kombo's ``{url, status, headers, data}``.

        ``options`` go to :meth:`VendorClient.passthrough` (``body``: a JSON-RPC envelope forwarded
        as sent; ``http_method``, ``query``: for REST connectors).
        """
        with self.client(self.integration(integration_id)) as client:
            return client.passthrough(method, params, path=path, **options)

    # -- reading -------------------------------------------------------------------------------------

    def list_records(
        self,
        model: str,
        integration_id: str | Integration | None = None,
        *,
        updated_after: str | None = None,
        include_deleted: bool = False,
        ids: list[str] | str | None = None,
        remote_ids: list[str] | str | None = None,
        cursor: str | None = None,
        page_size: int = 100,
        **filters: Any,
    ) -> RecordPage:
        """One page of unified records, with Kombo's filters and nested objects (``ids``: a list or a comma list)."""
        stored, assembler = self._listing(
            model,
            integration_id,
            updated_after=updated_after,
            include_deleted=include_deleted,
            ids=ids,
            remote_ids=remote_ids,
            cursor=cursor,
            page_size=page_size,
            **filters,
        )
        records = [r.parsed() for r in stored.records]
        return RecordPage(assembler.assemble(model, records), stored.next)

    def list_fragments(
        self, model: str, integration_id: str | Integration | None = None, **options: Any
    ) -> FragmentPage:
        """:meth:`list_records` (the same ``options``) as JSON: each record an ``orjson.Fragment`` spliced
        from its stored text, never parsed; ``orjson.dumps`` of them gives the bytes it gives for
        :meth:`list_records`' records.
        """
        stored, assembler = self._listing(model, integration_id, **options)
        light = [{"id": r.id, "remote_id": r.remote_id, **r.fields} for r in stored.records]
        return FragmentPage(render_page(stored.records, assembler.additions(model, light, as_json=True)), stored.next)

    def _listing(
        self,
        model: str,
        integration_id: str | Integration | None,
        *,
        updated_after: str | None = None,
        include_deleted: bool = False,
        ids: list[str] | str | None = None,
        remote_ids: list[str] | str | None = None,
        cursor: str | None = None,
        page_size: int = 100,
        **filters: Any,
    ) -> tuple[StoredPage, Assembler]:
        """A page as stored (filters and cursor resolved in SQL) and the assembler of its nested objects."""
        integration = integration_id if isinstance(integration_id, Integration) else self.integration(integration_id)
        if not 1 <= page_size <= 10_000:
            raise InputInvalid("page_size must be between 1 and 10000", fields=["page_size"])
        only_created = bool(integration.settings.get(SYNC_ONLY_CREATED))
        tracked = only_created and model in TRACKED_MODELS
        query = ListQuery(
            model,
            updated_after,
            include_deleted,
            split_list(ids) if ids else [],
            split_list(remote_ids) if remote_ids else [],
            dict(filters),
            tracked,
        )
        where, params = query.conditions(integration.id)
        page = self.store.stored_page(
            integration.id,
            model,
            where=where,
            params=params,
            cursor=cursor,
            page_size=page_size,
            fields=Assembler.FIELDS.get(model, ()),
        )
        assembler = Assembler(
            self.store,
            integration.id,
            tracked_only=only_created,
            stage_position=self.engine.stage_position(integration.connector),
        )
        return page, assembler

    def export(self, model: str, integration_id: str | None = None, **options: Any) -> Iterator[dict[str, Any]]:
        """Every matching record, page by page."""
        cursor = None
        while True:
            page = self.list_records(model, integration_id, cursor=cursor, **options)
            yield from page.results
            if not page.next:
                return
            cursor = page.next
