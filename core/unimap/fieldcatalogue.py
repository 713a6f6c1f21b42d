"""Custom-field definitions and integration fields of an integration, from what its syncs stored.

* **Custom fields** (``GET /integrations/{id}/custom-fields``): every key the connector's
  ``custom_fields`` mappings produced on the stored records of each model.
* **Integration fields** (``GET /integrations/{id}/integration-fields``): every top-level field
  of the vendor's raw records (``remote_data``) of the models whose connector has a
  ``<model>_integration_fields`` setting — the fields that can be passed through.
  ``is_passthrough_enabled`` is whether that setting names the field.
* **Switching one** (``PATCH …/integration-fields/{field_id}``): adds the field to (or removes it
  from) the integration's ``<model>_integration_fields`` setting and records the switch in the
  store (``integration_field_settings``). Records carry it in ``integration_fields`` from the next
  sync on (a full sync refreshes every record).

Both read a sample of the newest stored records (:data:`SAMPLE` per model), so a field that
only rare records carry may be missing until it shows up in the sample.
"""

from __future__ import annotations

from typing import Any

from unimap import ids
from unimap.errors import InputInvalid
from unimap.store.integration_rows import set_field_setting

__all__ = ["custom_field_definitions", "integration_fields", "set_passthrough"]

SAMPLE = 200


def _kombo_name(model: str) -> str:
    from unimap.api.describe import kombo_model_name

    return kombo_model_name(model)


def _sample(service: Any, integration_id: str, model: str) -> list[dict[str, Any]]:
    page = service.store.page(integration_id, model, where=[], params=[], cursor=None, page_size=SAMPLE)
    return list(page.results)


def _setting_name(model: str) -> str:
    return f"{model}_integration_fields"


def _settings(service: Any, integration: Any) -> dict[str, Any]:
    return dict(service.engine.settings(integration.connector, integration.settings))


def custom_field_definitions(service: Any, integration_id: str) -> list[dict[str, Any]]:
    """Kombo's custom-field objects: one per model and ``custom_fields`` key seen on stored records."""
    integration = service.store.integration(integration_id)
    specs = service.engine.connector(integration.connector)
    out = []
    for model, spec in specs.models.items():
        if not any(f.name == "custom_fields" for f in spec.fields):
            continue
        keys: dict[str, None] = {}
        for record in _sample(service, integration_id, model):
            custom = record.get("custom_fields")
            if isinstance(custom, dict):
                keys.update(dict.fromkeys(str(k) for k in custom))
        for key in sorted(keys):
            out.append(
                {
                    "id": ids.unified_id(integration_id, "custom_field", f"{model}\x1f{key}"),
                    "key": key,
                    "integration_field": None,
                    "model": _kombo_name(model),
                    "label": key,
                    "description": None,
                }
            )
    return out


def _raw_keys(record: dict[str, Any]) -> list[str]:
    """Top-level keys of a stored record's raw vendor data (every request it came from)."""
    keys: dict[str, None] = {}
    for raw in (record.get("remote_data") or {}).values():
        if isinstance(raw, dict):
            keys.update(dict.fromkeys(str(k) for k in raw))
    return list(keys)


def integration_fields(service: Any, integration_id: str) -> list[dict[str, Any]]:
    """Kombo's integration-field objects of the integration (see the module docstring)."""
    integration = service.store.integration(integration_id)
    settings = _settings(service, integration)
    specs = service.engine.connector(integration.connector)
    prefixes = tuple(str(p) for p in settings.get("custom_field_prefixes") or ())
    out = []
    for model in specs.models:
        if _setting_name(model) not in settings:
            continue
        enabled = settings.get(_setting_name(model)) or {}
        labels = enabled if isinstance(enabled, dict) else dict.fromkeys(enabled)
        keys: dict[str, None] = dict.fromkeys(str(k) for k in labels)
        for record in _sample(service, integration_id, model):
            keys.update(dict.fromkeys(_raw_keys(record)))
        for key in sorted(keys):
            out.append(
                {
                    "id": ids.unified_id(integration_id, "integration_field", key),
                    "key": key,
                    "model": _kombo_name(model),
                    "type": "CUSTOM" if prefixes and key.startswith(prefixes) else "DEFAULT",
                    "label": labels.get(key),
                    "is_passthrough_enabled": key in labels,
                    "is_writable": False,
                }
            )
    return out


def set_passthrough(service: Any, integration_id: str, field_id: str, enabled: bool) -> dict[str, Any]:
    """Switch integration field ``field_id`` on or off; returns it as listed afterwards.

    Every model that has the field gets the switch (its id is the same in each).
    """
    found = [f for f in integration_fields(service, integration_id) if f["id"] == field_id]
    if not found:
        raise InputInvalid(
            f"integration_field_id: no integration field {field_id!r} for {integration_id}",
            fields=["integration_field_id"],
        )
    integration = service.store.integration(integration_id)
    settings = _settings(service, integration)
    names = {_kombo_name(m): m for m in service.engine.connector(integration.connector).models}
    changes: dict[str, Any] = {}
    for item in found:
        name = _setting_name(names[item["model"]])
        current = settings.get(name) or {}
        labels = dict(current) if isinstance(current, dict) else dict.fromkeys(current)
        if enabled:
            labels.setdefault(item["key"], item["label"] or item["key"])
        else:
            labels.pop(item["key"], None)
        changes[name] = labels
    service.configure(integration_id, changes)
    set_field_setting(service.store, integration_id, field_id, enabled)
    after = [f for f in integration_fields(service, integration_id) if f["id"] == field_id]
    return after[0]
