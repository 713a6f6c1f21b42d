"""Where ``unimap connect`` may read credentials from besides flags (which show in the process list).

Order: a ``--credential``/``--api-key`` flag, then the environment variable
``UNIMAP_<CONNECTOR>_<NAME>`` (e.g. ``UNIMAP_ACME_API_KEY``), then a hidden prompt on a terminal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping


def env_var(connector: str, name: str) -> str:
    """The environment variable that holds credential ``name`` of ``connector``."""
    return re.sub(r"[^A-Z0-9]+", "_", f"UNIMAP_{connector}_{name}".upper())


def from_environment(connector: str, names: Iterable[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Credentials among ``names`` that are set (non-empty) in the environment."""
    source = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for name in names:
        value = source.get(env_var(connector, name), "")
        if value.strip():
            found[name] = value.strip()
    return found
