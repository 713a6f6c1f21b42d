"""The mapping context: which integration and settings an expression is evaluated for.

Expression functions such as ``setting('timezone')`` and ``ref('job', uid)`` read it, so
specs need no variables (JMESPath has none).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MappingContext:
    """What expressions may know beyond the record: integration id, settings and lookup tables."""

    integration_id: str = "local:default"
    settings: dict[str, Any] = field(default_factory=dict)
    lookups: dict[str, dict[str, Any]] = field(default_factory=dict)
    parent: Any = None  # the parent vendor record of a fan-out source's records


_DEFAULT = MappingContext()
_current: ContextVar[MappingContext] = ContextVar("unimap_mapping_context", default=_DEFAULT)


def current() -> MappingContext:
    """The context expressions are being evaluated in."""
    return _current.get()


@contextmanager
def mapping_context(ctx: MappingContext) -> Iterator[MappingContext]:
    """Evaluate expressions inside ``ctx`` for the duration of the ``with`` block."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
