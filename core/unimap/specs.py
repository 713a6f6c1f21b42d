"""Compiled specs: the connector, its models and its actions, with expressions compiled once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unimap.expressions import Expression
from unimap.yamlsource import JsonPath, YamlDocument


@dataclass
class SpecFile:
    """One loaded spec file: its YAML document and its compiled expressions by JSON path."""

    kind: str
    document: YamlDocument
    expressions: dict[JsonPath, Expression] = field(default_factory=dict)

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


@dataclass
class FieldMapping:
    """A unified field ← expression, then transforms, enum map and default."""

    name: str
    expression: Expression
    transforms: tuple[str, ...] = ()
    enum: dict[str, Any] | None = None
    default: Any = None


@dataclass
class ModelSpec:
    """How one unified model is read from the vendor."""

    model: str
    file: SpecFile
    fields: list[FieldMapping]

    @property
    def source(self) -> dict[str, Any]:
        """The ``source`` block."""
        return self.file.data["source"]

    @property
    def derived_from(self) -> str | None:
        """The parent model of a derived model."""
        return self.source.get("from") if self.source["type"] == "derived" else None

    @property
    def remote_data_key(self) -> str:
        """Key of the raw record in ``remote_data``."""
        return self.file.data.get("remote_data_key") or self.source.get("method") or f"derived:{self.derived_from}"


@dataclass
class ActionSpec:
    """A write action's steps and response."""

    action: str
    file: SpecFile

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The steps in order."""
        return self.file.data["steps"]


@dataclass
class ConnectorSpecs:
    """A connector: its connector file, model specs and action specs."""

    name: str
    root: Path
    connector: SpecFile
    models: dict[str, ModelSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        """The connector file's content."""
        return self.connector.data

    @property
    def settings(self) -> dict[str, Any]:
        """The connector's default settings."""
        return dict(self.data.get("settings") or {})
