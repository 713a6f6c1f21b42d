"""Model sources, incremental cursors and deletion checks: typed spec components of the sync engine.

A model's ``source`` says where its vendor records come from:

* ``list`` — a paginated vendor list (``request`` + ``paginator`` + ``records``), incremental
  through ``incremental`` and checked for deletions through ``deletions``;
* ``fan_out`` — one paginated request per record of a parent model (``/jobs/{parent.id}/stages``);
  the parent is visible to the request (``parent``) and to the mapping (``parent()``);
* ``derived`` — computed from another model's vendor records (no request);
* ``union`` — several ``list`` sources read as one model (rows with the same id merge).

Each is registered under its ``type`` with its schema fragment; the factories build the typed
objects below from the (validated) spec and the connector's ``defaults``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from unimap.errors import ConfigError
from unimap.registry import BuildEnv, expression, expression_map, obj

__all__ = [
    "DeletionCheck",
    "DerivedSource",
    "FanOutSource",
    "Incremental",
    "ListSource",
    "Source",
    "UnionSource",
    "deep_merge",
    "register_source_components",
    "request_name",
]


def request_name(template: Any, request: Any = None, settings: Mapping[str, Any] | None = None) -> str | None:
    """What a record's ``remote_data`` is keyed by: the path as written (REST), the method (JSON-RPC)."""
    path: Any = getattr(template, "path", None)
    if hasattr(path, "text"):
        return str(path.text)
    method: Any = getattr(template, "method", None)
    if hasattr(method, "render"):
        return str(method.render({"settings": dict(settings or {})}))
    label = getattr(request, "label", None) or getattr(template, "label", None)
    return str(label) if label else None


def deep_merge(base: Mapping[str, Any] | None, over: Mapping[str, Any] | None) -> dict[str, Any]:
    """``over`` merged onto ``base``: objects key by key, everything else replaced."""
    out = copy.deepcopy(dict(base or {}))
    for key, value in (over or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# -- typed components -------------------------------------------------------------------------


@dataclass(frozen=True)
class Incremental:
    """A delta cursor: the records' change time, sent back as a filter or query parameters."""

    field: str
    value: Any  # Expression over the vendor record → ISO-8601 text
    overlap_seconds: float = 0.0
    filter: Any = None  # Expression over {cursor, settings} → a filter object (JSON-RPC style)
    query: dict[str, Any] = dataclasses.field(default_factory=dict)  # name → Expression over {cursor, settings}
    enabled: Any = None  # Expression over {settings}: false → every sync of the model is full


@dataclass(frozen=True)
class DeletionCheck:
    """How a full sync confirms records it did not see before marking them deleted."""

    kind: str  # "id_recheck" | "none" | "unseen"
    max_ids: int = 50
    filter: Any = None  # Expression over {field, ids} → a filter object
    query: dict[str, Any] = field(default_factory=dict)  # name → Expression over {field, ids}


@dataclass(frozen=True)
class ListSource:
    """A paginated vendor list."""

    request: Any  # a request template of the connector's transport
    records: Any  # Expression over the response view {body, headers, status}
    paginator: Any
    total: Any = None
    id_field: str | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    filter: Any = None
    combine: Any = None  # Expression over {filters}
    incremental: Incremental | None = None
    deletions: DeletionCheck = DeletionCheck("unseen")
    parent_id: Any = None  # Expression over the record → the remote id of the record it belongs to
    order: Any = None  # Expression over the record → its position among its siblings
    kind: str = "list"

    @property
    def label(self) -> str:
        """A name for stats and messages (the request's method or path)."""
        return str(getattr(self.request, "label", "") or "list")


@dataclass(frozen=True)
class FanOutSource:
    """One paginated request per live record of ``parent`` (the parent model syncs first)."""

    parent: str
    list: ListSource
    kind: str = "fan_out"

    @property
    def label(self) -> str:
        """A name for stats and messages."""
        return self.list.label


@dataclass(frozen=True)
class DerivedSource:
    """Records computed from another model's vendor records, at no request."""

    parent: str
    records: Any  # Expression over the parent's vendor record → a list of rows
    kind: str = "derived"
    label: str = ""


@dataclass(frozen=True)
class UnionSource:
    """Several lists read as one model."""

    parts: tuple[ListSource, ...]
    kind: str = "union"

    @property
    def label(self) -> str:
        """A name for stats and messages."""
        return "+".join(p.label for p in self.parts)


Source = ListSource | FanOutSource | DerivedSource | UnionSource


# -- factories ----------------------------------------------------------------------------------


def _defaults(env: BuildEnv) -> dict[str, Any]:
    return dict(env.options.get("defaults") or {})


def _request(config: Mapping[str, Any] | None, env: BuildEnv) -> Any:
    transport = env.options.get("transport", "rest")
    merged = deep_merge(_defaults(env).get("request"), config)
    merged["type"] = transport
    return env.build("request", merged)


def _paginator(config: Mapping[str, Any] | None, env: BuildEnv) -> Any:
    chosen = config or env.options.get("paginator") or {"type": "none"}
    return env.build("paginator", chosen)


def build_incremental(config: Mapping[str, Any], *, env: BuildEnv) -> Incremental:
    """The ``timestamp`` incremental component."""
    merged = deep_merge({k: v for k, v in (_defaults(env).get("incremental") or {}).items()}, config)
    value = env.expr(merged.get("value") or merged["field"])
    return Incremental(
        str(merged["field"]),
        value,
        float(merged.get("overlap_seconds", 0)),
        env.expr(merged.get("filter")),
        env.expr_map(merged.get("query")),
        env.expr(merged.get("enabled")),
    )


def build_deletions(config: Mapping[str, Any], *, env: BuildEnv) -> DeletionCheck:
    """``id_recheck``, ``unseen`` (mark what a full sync did not see) or ``none``."""
    merged = deep_merge(_defaults(env).get("deletions"), config)
    kind = str(merged.get("type", "unseen"))
    return DeletionCheck(
        kind, int(merged.get("max_ids", 50)), env.expr(merged.get("filter")), env.expr_map(merged.get("query"))
    )


def _build_list(config: Mapping[str, Any], env: BuildEnv) -> ListSource:
    incremental = config.get("incremental")
    if "incremental" not in config and (_defaults(env).get("incremental") or {}).get("field"):
        incremental = {}  # the connector's defaults name the field: every list is incremental
    if incremental is False:
        incremental = None
    deletions = config.get("deletions") or _defaults(env).get("deletions") or {"type": "unseen"}
    if "type" not in deletions:
        deletions = {**deletions, "type": "id_recheck"}
    filters = deep_merge(_defaults(env).get("filters"), config.get("filters"))
    return ListSource(
        request=_request(config.get("request"), env),
        records=env.expr(config.get("records", "body")),
        paginator=_paginator(config.get("paginator"), env),
        total=env.expr(config.get("total")),
        id_field=config.get("id_field"),
        vars=dict(config.get("vars") or {}),
        filter=config.get("filter"),
        combine=env.expr(filters.get("combine")),
        incremental=env.build("incremental", {"type": "timestamp", **incremental}) if incremental is not None else None,
        deletions=env.build("deletion", deletions),
        parent_id=env.expr(config.get("parent_id")),
        order=env.expr(config.get("order")),
    )


def build_list(config: Mapping[str, Any], *, env: BuildEnv) -> ListSource:
    """The ``list`` source."""
    return _build_list(config, env)


def build_fan_out(config: Mapping[str, Any], *, env: BuildEnv) -> FanOutSource:
    """The ``fan_out`` source."""
    inner = {k: v for k, v in config.items() if k not in ("type", "parent")}
    return FanOutSource(str(config["parent"]), _build_list(inner, env))


def build_derived(config: Mapping[str, Any], *, env: BuildEnv) -> DerivedSource:
    """The ``derived`` source."""
    return DerivedSource(str(config["from"]), env.expr(config["records"]), label=f"derived:{config['from']}")


def build_union(config: Mapping[str, Any], *, env: BuildEnv) -> UnionSource:
    """The ``union`` source."""
    parts = []
    for part in config["sources"]:
        if part.get("type", "list") != "list":
            raise ConfigError("a union source combines `list` sources only")
        parts.append(_build_list(part, env))
    return UnionSource(tuple(parts))


# -- schema fragments ------------------------------------------------------------------------------

_REQUEST = {
    "x-unimap-component": "request",
    "title": "Request",
    "description": "The list request, merged over the connector's `defaults.request`. Its expressions see "
    "`{settings, vars, page, filter, cursor, parent}`.",
    "examples": [{"path": "/v3/candidates", "query": {"per_page": "`500`"}}],
}
_PAGINATOR = {
    "x-unimap-component": "paginator",
    "title": "Paginator",
    "description": "How the list pages; default: the connector's `paginator`.",
    "examples": [{"type": "link_header", "page_size": 500}],
}
_LIST_PROPERTIES: dict[str, Any] = {
    "request": _REQUEST,
    "records": expression(
        "Records",
        "The list of vendor records in the response `{body, headers, status}`.",
        ["body", "body.listOutput", "body.data"],
    ),
    "total": expression(
        "Total",
        "The vendor's announced total in the first page's response (fewer records "
        "arriving fails the model instead of marking deletions).",
        ["body.totalCount", 'headers."x-total-count"'],
    ),
    "id_field": {
        "type": "string",
        "title": "Id field",
        "description": "The vendor field holding the record id (for id re-checks and for naming skipped records).",
        "examples": ["id", "uid"],
    },
    "vars": {
        "type": "object",
        "title": "Variables",
        "description": "Constants the request expressions read as `vars.*` (e.g. a JSON-RPC projection).",
        "examples": [{"projection": {"uid": 1}}],
    },
    "filter": {
        "title": "Filter",
        "description": "The source's own filter object, combined with the incremental "
        "and id filters through `filters.combine` and seen by the request as `filter`.",
        "examples": [None, {"type": "COND", "field": "status", "op": "EQ", "param": "open"}],
    },
    "filters": {
        "title": "Filter combination",
        "description": "Overrides `defaults.filters`.",
        "examples": [{"combine": "{type: 'AND', items: filters}"}],
        "type": "object",
        "properties": {
            "combine": expression("Combine", "One filter from `filters` (a list).", ["{type: 'AND', items: filters}"])
        },
        "additionalProperties": False,
    },
    "paginator": _PAGINATOR,
    "incremental": {
        "x-unimap-component": "incremental",
        "title": "Incremental",
        "description": "How delta syncs ask for changes only (merged over `defaults.incremental`).",
        "examples": [{"field": "updated_at", "query": {"updated_at": "join('', ['gte|', cursor.since])"}}],
    },
    "deletions": {
        "x-unimap-component": "deletion",
        "title": "Deletion check",
        "description": "How a full sync confirms unseen records before marking them deleted.",
        "examples": [{"type": "id_recheck", "max_ids": 50, "query": {"ids": "join(',', ids)"}}],
    },
    "parent_id": expression(
        "Parent id",
        "The remote id of the record this one belongs to (e.g. a stage's job), "
        "so nested lists show only their own children.",
        ["to_text(job_id)"],
    ),
    "order": expression(
        "Order",
        "The record's position among its siblings (e.g. a stage within its job), an "
        "expression over the vendor record; default: the order synced.",
        ["sort_order"],
    ),
}


def _list_fragment(required: list[str] | None = None) -> dict[str, Any]:
    return obj(
        "List source",
        "A paginated vendor list.",
        [{"type": "list", "request": {"path": "/v3/users"}}],
        dict(_LIST_PROPERTIES),
        required=required or ["request"],
    )


def _union_part() -> dict[str, Any]:
    part = _list_fragment()
    part["properties"] = {
        **part["properties"],
        "type": {"const": "list", "title": "Type", "description": "`list`.", "examples": ["list"]},
    }
    return part


_INCREMENTAL = obj(
    "Timestamp cursor",
    "The records' change time is the cursor; delta syncs ask for records changed since the "
    "last sync's newest record (less `overlap_seconds`), never later than the sync's own start.",
    [
        {
            "type": "timestamp",
            "field": "updated_at",
            "overlap_seconds": 300,
            "query": {"updated_at": "join('', ['gte|', cursor.since])"},
        }
    ],
    {
        "field": {
            "type": "string",
            "title": "Field",
            "description": "The vendor field that changes with the record (`cursor.field` in `filter`).",
            "examples": ["updated_at", "lastModified"],
        },
        "value": expression(
            "Value",
            "The record's cursor value as ISO-8601 (an expression over the record; default: the field).",
            ["iso_datetime(lastModified)", "updated_at"],
        ),
        "overlap_seconds": {
            "type": "number",
            "minimum": 0,
            "title": "Overlap",
            "description": "Seconds re-read before the cursor, for clocks and slow commits.",
            "examples": [300],
        },
        "filter": expression(
            "Filter",
            "A filter object for records changed since `cursor.since` (JSON-RPC style).",
            ["{type: 'COND', field: cursor.field, op: 'GE', param: cursor.since}"],
        ),
        "query": expression_map(
            "Query",
            "Query parameters for changes since `cursor.since` (REST style).",
            [{"updated_at": "join('', ['gte|', cursor.since])"}],
        ),
        "enabled": expression(
            "Enabled",
            "Whether delta syncs are possible (an expression over `{settings}`); "
            "false makes every sync of the model full.",
            ["setting('last_modified_filter')"],
        ),
    },
    required=["field"],
)

_DELETION_PROPS = {
    "max_ids": {
        "type": "integer",
        "minimum": 1,
        "title": "Ids per request",
        "description": "The most ids one re-check request may carry.",
        "examples": [50, 200],
    },
    "filter": expression(
        "Filter",
        "A filter object matching `ids` (JSON-RPC style; `field` is the id field).",
        ["{type: 'COND', field: field, op: 'EQ', param: ids}"],
    ),
    "query": expression_map("Query", "Query parameters matching `ids` (REST style).", [{"ids": "join(',', ids)"}]),
}


def register_source_components(register: Callable[..., None]) -> None:
    """Register the built-in sources, incremental cursors and deletion checks."""
    register("source", "list", _list_fragment(), build_list, summary="A paginated vendor list.", aliases=["call"])
    fan_out = _list_fragment(["request", "parent"])
    fan_out["title"], fan_out["description"] = "Fan-out source", "One request per record of a parent model."
    fan_out["examples"] = [{"type": "fan_out", "parent": "job", "request": {"path": "/jobs/{parent.id}/stages"}}]
    fan_out["properties"] = {
        **fan_out["properties"],
        "parent": {
            "type": "string",
            "title": "Parent model",
            "description": "The model whose live records each get one "
            "request; it syncs first. Requests and mappings see its vendor record as `parent`.",
            "examples": ["job"],
        },
    }
    for key in ("incremental",):
        fan_out["properties"].pop(key)
    register("source", "fan_out", fan_out, build_fan_out, summary="One request per parent record.")
    register(
        "source",
        "derived",
        obj(
            "Derived source",
            "Rows computed from another model's vendor records, at no request.",
            [{"type": "derived", "from": "job", "records": "[{job: uid, user: userId}][?user]"}],
            {
                "from": {
                    "type": "string",
                    "title": "From",
                    "description": "The model whose vendor records are read.",
                    "examples": ["job"],
                },
                "records": expression(
                    "Records",
                    "Rows of this model from one parent vendor record.",
                    ["[{job: uid, user: userId}][?user]"],
                ),
            },
            required=["from", "records"],
        ),
        build_derived,
        summary="Computed from another model's records.",
    )
    register(
        "source",
        "union",
        obj(
            "Union source",
            "Several lists read as one model; rows with the same id merge (lists joined).",
            [{"type": "union", "sources": [{"type": "list", "request": {"path": "/v3/job_owners"}}]}],
            {
                "sources": {
                    "type": "array",
                    "minItems": 1,
                    "title": "Sources",
                    "description": "The lists.",
                    "examples": [[{"type": "list", "request": {"path": "/v3/job_owners"}}]],
                    "items": _union_part(),
                }
            },
            required=["sources"],
        ),
        build_union,
        summary="Several lists as one model.",
    )
    register(
        "incremental", "timestamp", _INCREMENTAL, build_incremental, summary="The records' change time is the cursor."
    )
    register(
        "deletion",
        "id_recheck",
        obj(
            "Id re-check",
            "Unseen records are re-requested by id (in chunks of `max_ids`); only those still missing are "
            "marked deleted.",
            [{"type": "id_recheck", "max_ids": 50, "query": {"ids": "join(',', ids)"}}],
            dict(_DELETION_PROPS),
        ),
        build_deletions,
        summary="Re-request unseen ids before marking them deleted.",
    )
    register(
        "deletion",
        "unseen",
        obj(
            "Unseen",
            "Records a complete full sync did not see are marked deleted without a re-check.",
            [{"type": "unseen"}],
            {},
        ),
        build_deletions,
        summary="Mark what a full sync did not see.",
    )
    register(
        "deletion",
        "none",
        obj(
            "No deletion check",
            "The model never marks records deleted (e.g. soft deletes arrive as fields).",
            [{"type": "none"}],
            {},
        ),
        build_deletions,
        summary="Never mark records deleted.",
    )
