"""Where the shipped mappings and schemas live, in a wheel and in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def shipped_dir(name: str) -> Path:
    """The folder of shipped ``mappings`` or ``schemas``.

    A wheel carries them as ``unimap/_shipped/<name>``; an editable install or a checkout
    finds them at the repository's top level, two folders above this package (``core/unimap``).
    """
    for candidate in (_PACKAGE / "_shipped" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"unimap's shipped {name!r} folder is missing from {_PACKAGE}")


def mappings_dir() -> Path:
    """Folder holding one sub-folder of YAML specs per shipped connector."""
    return shipped_dir("mappings")


def schemas_dir() -> Path:
    """Folder holding the JSON Schemas (unified models, action inputs, the spec format)."""
    return shipped_dir("schemas")
