"""Local vendor sandboxes that connectors' plugins offer for demos (``unimap demo CONNECTOR``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunningSandbox", "SandboxFactory"]


@dataclass
class RunningSandbox:
    """A started sandbox: where it listens, how to connect to it, and how to stop it."""

    base_url: str
    credentials: Mapping[str, Any]
    stop: Callable[[], None]
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


#: ``factory(seed=…, size=…)`` starts a sandbox tenant and returns it running
SandboxFactory = Callable[..., RunningSandbox]
