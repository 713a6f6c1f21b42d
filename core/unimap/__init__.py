"""unimap: map a unified ATS model onto vendor APIs through declarative YAML specs.

The library entry point is :class:`Engine`; every error it raises on purpose derives from
:class:`UnimapError` (see ``unimap.errors``); plugins implement hooks with :data:`hookimpl`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from unimap.engine import Engine
    from unimap.errors import UnimapError
    from unimap.hookspecs import hookimpl

__all__ = ["Engine", "UnimapError", "__version__", "hookimpl"]


def __getattr__(name: str) -> Any:  # lazy, so `import unimap` stays cheap
    if name == "Engine":
        from unimap.engine import Engine

        return Engine
    if name == "UnimapError":
        from unimap.errors import UnimapError

        return UnimapError
    if name == "hookimpl":
        from unimap.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(name)
