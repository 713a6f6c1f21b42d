"""Item 11: a spec cannot exhaust the machine (alias bombs, recursive anchors, deep nesting)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unimap import yamlsource
from unimap.yamlsource import YamlLimitError, YamlSyntaxError, load_yaml, parse_yaml

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "fixtures" / "specs" / "rules" / "U006-yaml-limit" / "good"

# 9 levels of 9 aliases: 387 million strings once expanded, 1.6 KB on disk
BOMB = (
    "\n".join(
        ["kind: model", "model: user", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    )
    + "\n"
)


def test_the_alias_bomb_is_small() -> None:
    assert len(BOMB) < 1700


def test_an_alias_bomb_is_refused_quickly_and_in_little_memory() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(YamlLimitError, match="aliases are expanded") as caught:
        parse_yaml(BOMB, "bomb.yaml")
    assert time.monotonic() - started < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # KiB: far from 3 GB
    assert caught.value.location.file == "bomb.yaml"
    assert caught.value.location.line > 0


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "? &k [*k]\n: 1\n", "a: &x\n  - b: *x\n"])
def test_a_recursive_anchor_is_refused(text: str) -> None:
    with pytest.raises(YamlLimitError, match="recursive alias"):
        parse_yaml(text, "loop.yaml")


@pytest.mark.parametrize("depth", [yamlsource.MAX_DEPTH + 1, 5000, 100_000])
def test_nesting_too_deep_is_refused_without_recursion_error(depth: int) -> None:
    with pytest.raises(YamlLimitError, match="deeper than"):
        parse_yaml("[" * depth + "]" * depth, "deep.yaml")
    with pytest.raises(YamlLimitError, match="deeper than"):
        parse_yaml("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, depth if depth < 500 else 500)), "d.yaml")


def test_nesting_at_the_limit_and_ordinary_aliases_still_load() -> None:
    depth = yamlsource.MAX_DEPTH
    assert parse_yaml("[" * depth + "]" * depth, "ok.yaml").data is not None
    doc = parse_yaml("base: &b {x: 1}\none: *b\ntwo: *b\n", "ok.yaml")
    assert doc.data == {"base": {"x": 1}, "one": {"x": 1}, "two": {"x": 1}}


def test_a_limit_error_is_a_syntax_error_for_callers_that_catch_those() -> None:
    assert issubclass(YamlLimitError, YamlSyntaxError)


def test_a_file_that_is_not_utf8_is_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("kind: model\nname: caf\xe9\n".encode("latin-1"))
    with pytest.raises(YamlSyntaxError, match="not UTF-8"):
        load_yaml(path)


def _lint(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIMAP_")}
    return subprocess.run(
        [sys.executable, "-m", "unimap", "lint", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=folder,
    )


@pytest.mark.parametrize("text", [BOMB, "kind: model\na: &a [*a]\n", "kind: model\nx: " + "[" * 3000 + "]" * 3000])
def test_unimap_lint_reports_a_finding_and_exits_1(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "acme"
    (folder / "models").mkdir(parents=True)
    for path in GOOD.rglob("*.yaml"):
        (folder / path.relative_to(GOOD)).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "models" / "bomb.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = _lint(folder)
    assert time.monotonic() - started < 10
    assert result.returncode == 1, result.stderr
    assert "U006" in result.stdout and "bomb.yaml" in result.stdout
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr + result.stdout


def test_unimap_lint_of_a_non_utf8_spec_exits_1(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    (folder / "models").mkdir(parents=True)
    for path in GOOD.rglob("*.yaml"):
        (folder / path.relative_to(GOOD)).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "models" / "users.yaml").write_bytes(b"kind: model\nmodel: user\nx: \xff\xfe\n")
    result = _lint(folder)
    assert result.returncode == 1, result.stderr
    assert "U001" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize("text", ["a: !!timestamp 2024-13-45\n", "a: !!int abc\n", "a: !!float x\n"])
def test_a_value_yaml_cannot_build_is_a_syntax_error(text: str) -> None:
    with pytest.raises(YamlSyntaxError):
        parse_yaml(text, "bad.yaml")
