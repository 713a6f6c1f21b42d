"""Custom-field definitions and integration fields of an integration, from what its syncs stored.

* **Custom fields** (``GET /integrations/{id}/custom-fields``): the vendor's own definitions
  where the connector declares a ``custom_field_catalogue`` (rows of lookups the syncs keep in
  the checkpoints ``lookup:<name>``, with the vendor's labels and an id made from the vendor's
  field id), then every other key the connector's ``custom_fields`` mappings produced on the
  stored records of each model (labelled with the key itself).
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
from unimap.context import MappingContext, mapping_context
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


def _natural(value: str) -> tuple[int, int, str]:
    """Sort key putting numeric ids in numeric order, then the others by text."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def _text(value: Any) -> str | None:
    """A definition's key, label or description as text (``None`` when there is none)."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    return str(value) if isinstance(value, str | int | float) else None


def _catalogue(service: Any, integration: Any, specs: Any, models: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The declared catalogue's definitions by model, from the lookup tables the last sync kept."""
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in models}
    seen: set[tuple[str, str]] = set()
    tables: dict[str, dict[str, Any]] = {}
    for entry in specs.custom_field_catalogue:
        run = service.store.checkpoint(integration.id, f"lookup:{entry.lookup}")["run"] or {}
        table = run.get("table")
        tables[entry.lookup] = table if isinstance(table, dict) else {}
    ctx = MappingContext(integration.id, _settings(service, integration), tables)
    with mapping_context(ctx):
        for entry in specs.custom_field_catalogue:
            table = tables[entry.lookup]
            for remote_id in sorted(table, key=_natural):
                row = table[remote_id]
                model, key = entry.model.search(row), _text(entry.key.search(row))
                if not isinstance(model, str) or model not in out or key is None or (model, key) in seen:
                    continue
                seen.add((model, key))
                out[model].append(
                    {
                        "id": ids.unified_id(integration.id, "custom_field", f"{model}\x1fremote\x1f{remote_id}"),
                        "key": key,
                        "integration_field": None,
                        "model": _kombo_name(model),
                        "label": _text(entry.label.search(row)) if entry.label else None,
                        "description": _text(entry.description.search(row)) if entry.description else None,
                    }
                )
    return out


def _sampled_keys(service: Any, integration_id: str, model: str) -> list[str]:
    """The ``custom_fields`` keys on a sample of the model's newest stored records, sorted."""
    keys: dict[str, None] = {}
    for record in _sample(service, integration_id, model):
        custom = record.get("custom_fields")
        if isinstance(custom, dict):
            keys.update(dict.fromkeys(str(k) for k in custom))
    return sorted(keys)


def custom_field_definitions(service: Any, integration_id: str) -> list[dict[str, Any]]:
    """Kombo's custom-field objects: the declared catalogue's, then the other keys seen on stored records."""
    integration = service.store.integration(integration_id)
    specs = service.engine.connector(integration.connector)
    models = [m for m, spec in specs.models.items() if any(f.name == "custom_fields" for f in spec.fields)]
    declared = _catalogue(service, integration, specs, models)
    out = []
    for model in models:
        out.extend(declared[model])
        known = {d["key"] for d in declared[model]}
        for key in _sampled_keys(service, integration_id, model):
            if key in known:
                continue
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
