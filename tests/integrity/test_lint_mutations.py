"""Item 11/12: mutated specs through ``unimap lint`` never crash (exit 2) and never hang.

240 deterministic mutations (deleted, duplicated, swapped, re-indented and truncated lines,
odd scalars, non-UTF-8 bytes, alias bombs, recursive anchors, type swaps) of a small connector,
plus 24 of the shipped OTYS connector. Linting must return findings, not raise.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from unimap.engine import Engine
from unimap.lint import lint_paths
from unimap.loader import SpecLoader
from unimap.resources import mappings_dir

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "specs" / "rules" / "U001-yaml-syntax" / "good"
ODD = [
    "[",
    "{",
    "*nothing",
    "&a",
    "!!python/object/apply:os.system ['true']",
    "~",
    "123",
    "true",
    "- a",
    "'\\ud800'",
    '"\\ud800"',
    "x" * 5000,
    "{a: 1, a: 2}",
    "[[[[[[[[[[[[]]]]]]]]]]]]",
    "!!binary AAAA",
    "1e400",
    "'unterminated",
    "|",
    ">-",
    "? [a]\n: b",
    "!!set {a, b}",
    "!!timestamp 2024-13-45",
    "@",
    "`",
    "%YAML 1.1",
    "null",
    "[1, 2",
    "{'setting': ",
    "join_nonempty(",
    "setting(123)",
    "lookup()",
    "steps.",
    "!(",
    "&&",
    "||",
]
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

Mutation = Callable[[str, random.Random], str | bytes]


def _lines(text: str) -> list[str]:
    return text.splitlines() or [""]


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines) + "\n"


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines) + "\n"


def swap_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n"


def reindent(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines[i] = " " * rng.choice([0, 1, 3, 8, 40]) + lines[i].lstrip()
    return "\n".join(lines) + "\n"


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


def odd_value(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if ":" in line] or [0]
    i = rng.choice(candidates)
    key = lines[i].split(":", 1)[0]
    lines[i] = f"{key}: {rng.choice(ODD)}"
    return "\n".join(lines) + "\n"


def odd_key(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if ":" in line] or [0]
    i = rng.choice(candidates)
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = f"{indent}{rng.choice(['kind', 'model', '123', 'true', '~', 'x' * 300, 'fields', 'steps'])}:" + (
        lines[i].split(":", 1)[1] if ":" in lines[i] else ""
    )
    return "\n".join(lines) + "\n"


def bad_bytes(text: str, rng: random.Random) -> bytes:
    raw = text.encode()
    at = rng.randrange(len(raw) + 1)
    return raw[:at] + rng.choice([b"\xff", b"\xfe\xff", b"\x00", b"\xc3", b"\xed\xa0\x80"]) + raw[at:]


def add_bomb(text: str, rng: random.Random) -> str:
    return text + (BOMB if rng.random() < 0.5 else "loop: &l [1, *l]\n")


def swap_type(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if line.rstrip().endswith(":")] or [0]
    i = rng.choice(candidates)
    lines[i] = lines[i].rstrip() + rng.choice([" []", " {}", " 1", " ''", " [a, b]", " null"])
    return "\n".join(lines) + "\n"


def whole_file(text: str, rng: random.Random) -> str:
    return rng.choice(
        [
            "",
            "---\n---\n",
            "[]\n",
            "42\n",
            "kind: model\n",
            "kind: [connector]\n",
            "- a\n- b\n",
            "kind: action\naction: nope\n",
            "kind: connector\nname: acme\nsettings: [1, 2]\n",
            "kind: connector\nname: acme\nsettings:\n  timezone: Mars/Olympus\n",
        ]
    )


MUTATIONS: list[Mutation] = [
    delete_line,
    duplicate_line,
    swap_lines,
    reindent,
    truncate,
    odd_value,
    odd_key,
    bad_bytes,
    add_bomb,
    swap_type,
    whole_file,
]


@pytest.fixture(scope="module")
def loader() -> SpecLoader:
    return Engine().loader()


def _mutate(source: Path, target: Path, seed: int) -> str:
    rng = random.Random(seed)
    shutil.copytree(source, target)
    files = sorted(p for p in target.rglob("*.yaml"))
    victim = rng.choice(files)
    mutation = MUTATIONS[seed % len(MUTATIONS)]
    result = mutation(victim.read_text(encoding="utf-8"), rng)
    if isinstance(result, bytes):
        victim.write_bytes(result)
    else:
        victim.write_text(result, encoding="utf-8", errors="surrogatepass")
    return f"{mutation.__name__} of {victim.relative_to(target)}"


def _check(folder: Path, loader: SpecLoader, what: str) -> None:
    started = time.monotonic()
    try:
        lint_paths([folder], loader)
    except Exception as exc:  # exit 2 from the CLI
        pytest.fail(f"{what}: lint raised {type(exc).__name__}: {exc}")
    assert time.monotonic() - started < 10, f"{what}: lint took over 10 s"


@pytest.mark.parametrize("seed", range(240))
def test_a_mutated_small_connector_lints_without_crashing(seed: int, tmp_path: Path, loader: SpecLoader) -> None:
    folder = tmp_path / "acme"
    what = _mutate(SMALL, folder, seed)
    _check(folder, loader, what)


@pytest.mark.parametrize("seed", range(24))
def test_a_mutated_otys_connector_lints_without_crashing(seed: int, tmp_path: Path, loader: SpecLoader) -> None:
    folder = tmp_path / "otys"
    what = _mutate(mappings_dir() / "otys", folder, 1000 + seed)
    _check(folder, loader, what)
