"""The wheel: built from a clean copy of the sources, installed into a fresh virtual environment
outside the checkout, where it lints and loads the specs it ships (``unimap/_shipped/...``).

The new environment gets unimap only from the wheel (``pip install --no-deps``) and finds the
dependencies in the site-packages of the interpreter running the tests, through a ``.pth`` file.
(``venv --system-site-packages`` would not do: when the tests themselves run in a virtual
environment, as in CI, it exposes the base interpreter's packages instead of the test
environment's.) The ``.pth`` lines only add folders, so the checkout's editable-install hook in
those folders never runs; the tests check that the imported package is the installed one.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SKIP = {
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "tests",
    "bench",
    "docs",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
}

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("UNIMAP_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def copy_sources(target: Path) -> None:
    """The checkout without VCS data, build output, tests or caches."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP or n.endswith((".egg-info", ".pyc", ".db"))}

    shutil.copytree(REPO, target, ignore=ignore)


def _version(distribution: str) -> tuple[int, ...]:
    try:
        text = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ()
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


def build_offline() -> bool:
    """Whether this environment can build the wheel itself (setuptools ≥ 70.1 has bdist_wheel built in)."""
    setuptools = _version("setuptools")
    return setuptools >= (70, 1) or (setuptools >= (69,) and bool(_version("wheel")))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    copy_sources(work / "src")
    isolation = ["--no-isolation", "--skip-dependency-check"] if build_offline() else []
    proc = run(
        [sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", str(work / "dist"), str(work / "src")],
        cwd=work,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list((work / "dist").glob("unimap-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("venv")
    proc = run([sys.executable, "-m", "venv", str(home / "env")], cwd=home)
    assert proc.returncode == 0, proc.stderr
    bin_dir = home / "env" / ("Scripts" if os.name == "nt" else "bin")
    proc = run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=home)
    dependencies = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(proc.stdout.strip()) / "unimap_test_dependencies.pth").write_text("\n".join(dependencies) + "\n")
    proc = run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--force-reinstall",
            "--quiet",
            str(wheel),
        ],
        cwd=home,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield bin_dir


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory far from the checkout."""
    assert REPO not in tmp_path.parents
    return tmp_path


def test_the_wheel_ships_the_specs_schemas_and_connectors(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("mappings", "schemas"):
        shipped = {
            f"unimap/_shipped/{folder}/{p.relative_to(REPO / folder).as_posix()}"
            for p in (REPO / folder).rglob("*")
            if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
        }
        inside = {n for n in names if n.startswith(f"unimap/_shipped/{folder}/")}
        assert shipped, folder
        assert inside == shipped, f"{folder}: missing {sorted(shipped - inside)}, unexpected {sorted(inside - shipped)}"
    assert "unimap/py.typed" in names
    assert "unimap_connectors/otys/plugin.py" in names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_the_wheel_declares_the_command_and_the_plugin_entry_point(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("entry_points.txt"))
    assert "unimap = unimap.cli:main" in entry_points
    assert "[unimap.plugins]" in entry_points
    assert "otys = unimap_connectors.otys.plugin" in entry_points


def test_unimap_lint_without_arguments_lints_the_shipped_specs(venv: Path, outside: Path) -> None:
    proc = run([str(venv / "unimap"), "lint"], cwd=outside)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "No problems found."


def test_the_installed_linter_checks_other_specs(venv: Path, outside: Path) -> None:
    shutil.copytree(REPO / "tests" / "fixtures" / "specs" / "three_errors", outside / "specs")
    proc = run([str(venv / "unimap"), "lint", "--format", "json", "specs"], cwd=outside)
    assert proc.returncode == 1, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["code"], r["line"], r["column"]) for r in rows] == [("U005", 6, 1), ("U101", 10, 25), ("U201", 14, 3)]
    missing = run([str(venv / "unimap"), "lint", "no-such-folder"], cwd=outside)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


PROBE = """
import json, sys
import unimap, unimap_connectors
from unimap.resources import mappings_dir, schemas_dir
engine = unimap.Engine()
specs = engine.connector("otys")
user = engine.map_record("otys", "user", {"uid": 7, "blocked": False,
                                          "Person": {"firstName": "Bo", "lastName": "Ek", "emailPrimary": "bo@x.nl"}})
json.dump({"unimap": unimap.__file__, "connectors": unimap_connectors.__file__, "mappings": str(mappings_dir()),
           "schemas": str(schemas_dir()), "root": str(specs.root), "models": sorted(specs.models),
           "actions": sorted(specs.actions), "user": user, "prefix": sys.prefix}, sys.stdout)
"""


@pytest.fixture(scope="module")
def probe(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    proc = run([str(venv / "python"), "-c", PROBE], cwd=tmp_path_factory.mktemp("probe"))
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_the_installed_package_is_imported_not_the_checkout(probe: dict[str, Any]) -> None:
    prefix = Path(probe["prefix"])
    for key in ("unimap", "connectors", "mappings", "schemas", "root"):
        path = Path(probe[key])
        assert REPO not in path.parents, f"{key} comes from the checkout: {path}"
        assert prefix in path.parents, f"{key} is not in the virtual environment: {path}"
    assert Path(probe["mappings"]).parts[-3:] == ("unimap", "_shipped", "mappings")


def test_the_installed_engine_loads_and_maps_the_shipped_specs(probe: dict[str, Any]) -> None:
    assert probe["models"] == sorted(
        [
            "user",
            "job",
            "candidate",
            "application_stage",
            "application",
            "job_hiring_team_member",
            "tag",
            "rejection_reason",
        ]
    )
    assert "create_candidate" in probe["actions"]
    assert probe["user"]["remote_id"] == "7"
    assert probe["user"]["status"] == "ACTIVE"
