"""Compiled specs: the connector, its models and its actions, with expressions compiled once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unimap.expressions import Expression, Template
from unimap.yamlsource import JsonPath, YamlDocument


@dataclass
class SpecFile:
    """One loaded spec file: its YAML document and its compiled expressions by JSON path."""

    kind: str
    document: YamlDocument
    expressions: dict[JsonPath, Expression] = field(default_factory=dict)
    templates: dict[JsonPath, Template] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        """The file's content."""
        return self.document.data

    @property
    def path(self) -> Path:
        """Where the file is."""
        return self.document.path

    def expr(self, *path: str | int) -> Expression | None:
        """The compiled expression at ``path``, if there is one."""
        return self.expressions.get(tuple(path))

    def all_expressions(self) -> Iterator[tuple[JsonPath, Expression, int]]:
        """``(path, expression, offset in the text)`` of every expression and template placeholder."""
        for path, expression in self.expressions.items():
            yield path, expression, 0
        for path, template in self.templates.items():
            for offset, expression in template.expressions():
                yield path, expression, offset


@dataclass
class FieldMapping:
    """A unified field ← expression, then transforms, enum map and default."""

    name: str
    expression: Expression
    transforms: tuple[str, ...] = ()
    enum: dict[str, Any] | None = None
    default: Any = None


@dataclass
class DetailSpec:
    """How one record is fetched by remote id (for the records an action creates)."""

    request: Any  # a request template of the connector's transport
    record: Expression | None


@dataclass
class LookupSpec:
    """A small vendor table loaded once per sync: rows from ``source``, ``key`` → ``value``."""

    name: str
    source: Any  # unimap.sources.ListSource
    key: Expression
    value: Expression
    optional: bool = False


@dataclass
class CatalogueSpec:
    """Custom-field definitions read from lookup ``lookup``: each row's key is the vendor's field id.

    ``model``, ``key``, ``label`` and ``description`` are evaluated over the row's value.
    """

    lookup: str
    model: Expression
    key: Expression
    label: Expression | None = None
    description: Expression | None = None


@dataclass
class ModelSpec:
    """How one unified model is read from the vendor."""

    model: str
    file: SpecFile
    fields: list[FieldMapping]
    component: Any = None  # unimap.sources.Source, built by the engine
    detail: DetailSpec | None = None
    lookups: frozenset[str] = frozenset()  # lookup tables the field expressions read
    remote_data_name: str | None = None

    @property
    def source(self) -> dict[str, Any]:
        """The ``source`` block as written."""
        return self.file.data["source"]

    @property
    def derived_from(self) -> str | None:
        """The parent model of a derived model."""
        return self.source.get("from") if self.source.get("type") == "derived" else None

    @property
    def remote_data_key(self) -> str:
        """Key of the raw record in ``remote_data``: the request it came from (or ``derived:<parent>``)."""
        if self.file.data.get("remote_data_key"):
            return str(self.file.data["remote_data_key"])
        if self.derived_from:
            return f"derived:{self.derived_from}"
        return self.remote_data_name or str(self.source.get("type"))


@dataclass
class ActionSpec:
    """A write action's steps and response."""

    action: str
    file: SpecFile
    typed_steps: list[Any] = field(default_factory=list)  # unimap.steps.Step, built by the engine

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The steps as written."""
        return self.file.data["steps"]


@dataclass
class ReadSpec:
    """An on-demand read: its steps, then the rows it returns (lists) or the file's download."""

    read: str
    file: SpecFile
    typed_steps: list[Any] = field(default_factory=list)  # unimap.steps.Step, built by the engine
    download: Any = None  # unimap.downloads.Download, built by the engine

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The steps as written."""
        return list(self.file.data.get("steps") or [])


@dataclass
class ConnectorSpecs:
    """A connector: its connector file, model specs and action specs."""

    name: str
    root: Path
    connector: SpecFile
    models: dict[str, ModelSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    reads: dict[str, ReadSpec] = field(default_factory=dict)
    lookups: dict[str, LookupSpec] = field(default_factory=dict)
    custom_field_catalogue: list[CatalogueSpec] = field(default_factory=list)

    @property
    def transport(self) -> str:
        """The transport type (``jsonrpc``, ``rest``, …)."""
        return str((self.data.get("transport") or {}).get("type", "rest"))

    @property
    def data(self) -> dict[str, Any]:
        """The connector file's content."""
        return self.connector.data

    @property
    def settings(self) -> dict[str, Any]:
        """The connector's default settings."""
        return dict(self.data.get("settings") or {})
