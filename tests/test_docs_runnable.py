"""Every shell and Python block of README.md and docs/ marked ``<!-- runnable -->`` runs, against a sandbox.

A block is marked by an HTML comment line ``<!-- runnable -->`` right above its fence (blank
lines between are allowed). The blocks of one file run in order, in one fresh folder holding
links to the repository's ``examples/`` and ``mappings/`` (as in a fresh clone), with an OTYS
sandbox listening on 127.0.0.1 and ``OTYS_BASE_URL``/``OTYS_API_KEY`` naming it. Shell blocks run
under ``bash -euo pipefail``; Python blocks in this interpreter.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from unimap_connectors.otys.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARK = "<!-- runnable -->"
FENCE = re.compile(r"^```(\w+)\s*$")
LANGUAGES = {"sh": "sh", "bash": "sh", "shell": "sh", "python": "python", "py": "python"}


def runnable_blocks(text: str) -> list[tuple[int, str, str]]:
    """``(line, language, code)`` of each marked block."""
    lines = text.splitlines()
    found = []
    armed = False
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line == MARK:
            armed = True
        elif armed and (match := FENCE.match(line)):
            language = LANGUAGES.get(match[1])
            if language is None:
                raise AssertionError(f"line {i + 1}: a runnable block must be sh or python, not {match[1]}")
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            found.append((i - len(body) + 1, language, "\n".join(body) + "\n"))
            armed = False
        elif line:
            armed = False
        i += 1
    return found


MARKED = [doc for doc in DOCS if runnable_blocks(doc.read_text(encoding="utf-8"))]


def test_the_readme_and_the_configuration_guide_have_runnable_blocks() -> None:
    names = {doc.name for doc in MARKED}
    assert {"README.md", "configuration.md"} <= names, names


def test_a_marker_not_followed_by_a_block_is_ignored() -> None:
    assert runnable_blocks(f"{MARK}\ntext\n```sh\necho no\n```\n") == []
    assert runnable_blocks(f"{MARK}\n\n```python\nprint(1)\n```\n") == [(4, "python", "print(1)\n")]


@pytest.mark.parametrize("doc", MARKED, ids=[d.relative_to(ROOT).as_posix() for d in MARKED])
def test_runnable_blocks_run(doc: Path, tmp_path: Path) -> None:
    for name in ("examples", "mappings"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIMAP_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    with Sandbox(seed=1, size="small", rate_limit=None) as sandbox:
        env["OTYS_BASE_URL"], env["OTYS_API_KEY"] = sandbox.base_url, sandbox.api_key
        for line, language, code in runnable_blocks(doc.read_text(encoding="utf-8")):
            command = ["bash", "-euo", "pipefail", "-c", code] if language == "sh" else [sys.executable, "-c", code]
            result = subprocess.run(
                command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
            )
            where = f"{doc.relative_to(ROOT)}:{line}"
            assert result.returncode == 0, f"{where} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
            assert "Traceback" not in result.stderr, f"{where}\n{result.stderr}"
