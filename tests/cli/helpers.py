"""Run ``unimap`` as a user does: a fresh interpreter, a clean environment, a terminal width."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

DROP = ("UNIMAP_DEBUG", "UNIMAP_STORE", "UNIMAP_CONFIG", "UNIMAP_SPEC_PATH", "UNIMAP_PLUGINS")


def env(**extra: str) -> dict[str, str]:
    """The environment of a child ``unimap``: no UNIMAP_* variables, 100 columns."""
    found = {k: v for k, v in os.environ.items() if k not in DROP}
    found["COLUMNS"] = "100"
    found.update(extra)
    return found


def unimap(
    *args: str, cwd: Path | None = None, timeout: float = 120, input: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``unimap ARGS`` in a child process; never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "unimap", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env(**extra),
        timeout=timeout,
        input=input,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def connect(sb: Any, store: str, *extra: str, cwd: Path | None = None) -> str:
    """Connect the sandbox ``sb``; returns the integration id."""
    result = unimap(
        "connect", "otys", "--api-key", sb.api_key, "--base-url", sb.base_url, "--store", store, *extra, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
