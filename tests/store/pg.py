"""PostgreSQL for the tests: a throw-away database per test on the local server.

``UNIMAP_TEST_POSTGRES`` (an admin URL, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``) makes
the PostgreSQL tests mandatory: an unreachable server fails them (CI sets it). Without it they use
that default URL and skip, with one line saying why, when no server answers there.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV = "UNIMAP_TEST_POSTGRES"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    """The URL of a database that may create and drop others."""
    return os.environ.get(ENV) or DEFAULT_ADMIN_URL


@functools.cache
def unreachable() -> str | None:
    """Why PostgreSQL cannot be used (``None`` when it can)."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed ({exc}); pip install -e '.[test]'"
    try:
        psycopg.connect(admin_url(), connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def require_postgres() -> None:
    """Skip (or, with ``UNIMAP_TEST_POSTGRES`` set, fail) when the server is unreachable."""
    why = unreachable()
    if why is None:
        return
    if os.environ.get(ENV):
        pytest.fail(f"{ENV} is set but PostgreSQL is unreachable at {admin_url()}: {why}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: no server at {admin_url()} ({why}); set {ENV} to require them")


def database_url(name: str) -> str:
    """The admin URL pointing at database ``name``."""
    parts = urlsplit(admin_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database() -> str:
    """A new empty database ``unimap_test_<random>``; returns its URL."""
    import psycopg

    name = f"unimap_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(url: str) -> None:
    """Drop a database made by :func:`create_database` (connections still open are ended)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    assert name.startswith("unimap_test_"), name
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_pg_url() -> Iterator[Callable[[], str]]:
    """``make()``: the URL of a fresh database of this test's own, dropped at teardown."""
    require_postgres()
    made: list[str] = []

    def make() -> str:
        made.append(create_database())
        return made[-1]

    yield make
    for url in made:
        drop_database(url)


@pytest.fixture
def pg_url(make_pg_url: Callable[[], str]) -> str:
    """The URL of a fresh database of this test's own."""
    return make_pg_url()


BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def make_store_url(request: pytest.FixtureRequest, tmp_path) -> Callable[[], str]:  # type: ignore[no-untyped-def]
    """``make()``: a fresh store URL of the parametrised backend (SQLite file or PostgreSQL database)."""
    if request.param == "postgres":
        return request.getfixturevalue("make_pg_url")  # type: ignore[no-any-return]
    counter = iter(range(1000))
    return lambda: f"sqlite:///{tmp_path / f'store{next(counter)}.db'}"


@pytest.fixture
def store_url(make_store_url: Callable[[], str]) -> str:
    """A fresh store URL of the parametrised backend."""
    return make_store_url()


def uses_postgres(item: pytest.Item) -> bool:
    """Whether a collected test needs the PostgreSQL server."""
    names = getattr(item, "fixturenames", ())
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("make_store_url") if callspec is not None else None
    if backend is not None:
        return bool(backend == "postgres")
    return "pg_url" in names or "make_pg_url" in names


def deselect_without_server(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server (and without ``UNIMAP_TEST_POSTGRES``), drop the PostgreSQL tests, remembering why."""
    if getattr(config, "_unimap_pg_checked", False) or os.environ.get(ENV):
        return
    config._unimap_pg_checked = True  # type: ignore[attr-defined]
    postgres = [item for item in items if uses_postgres(item)]
    if not postgres or unreachable() is None:
        return
    items[:] = [item for item in items if item not in postgres]
    config.hook.pytest_deselected(items=postgres)
    config._unimap_pg_skipped = (  # type: ignore[attr-defined]
        f"{len(postgres)} PostgreSQL tests skipped: no server at {admin_url()} ({unreachable()}); "
        f"set {ENV} to require them"
    )


def summary_line(config: pytest.Config) -> str | None:
    """The one line saying why the PostgreSQL tests did not run (or ``None``)."""
    return getattr(config, "_unimap_pg_skipped", None)
