"""On PostgreSQL, rendered list pages are kept until the store's generation moves; any commit by anyone moves it.

The generation is a number bumped by triggers when a transaction that wrote one of the store's
tables commits (migration 7). Each test takes away one part of that: the trigger on a table, the
bump happening at commit rather than at the write, the read coming before the page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from store.pg import make_pg_url, pg_url  # noqa: F401  (fixtures)

from unimap.api import ApiServer, create_app
from unimap.service import Unimap
from unimap.store.base import open_store
from unimap.store.copy import copy_store
from unimap.store.migrations import GENERATION_TABLES, TABLES

from .conftest import A, Live, start_live

RENAME = (
    "UPDATE records SET data = jsonb_set(data, '{first_name}', to_jsonb(%s::text)), "
    "data_json = jsonb_set(data, '{first_name}', to_jsonb(%s::text))::json "
    "WHERE integration_id = %s AND model = 'user'"
)


@pytest.fixture
def pg_live(tmp_path: Path, pg_url: str) -> Iterator[Live]:  # noqa: F811
    """Integration A synced into SQLite, copied into a fresh PostgreSQL database and served from there."""
    source = start_live(tmp_path, integrations=(A,))
    source.server.stop()
    source.service.close()
    copy_store(f"sqlite:///{tmp_path / 'store.db'}", pg_url)
    service = Unimap(pg_url)
    app = create_app(service, delta_every=0, full_every=0)
    running = Live(source.sandboxes, service, app, ApiServer(app).start(), source.keys)
    yield running
    running.close()


def _names(live: Live) -> list[str]:
    with live.http() as http:
        response = http.get("/ats/users", params={"page_size": 250})
    assert response.status_code == 200, response.text
    return [u["first_name"] for u in response.json()["data"]["results"]]


def _rename(conn: psycopg.Connection, name: str) -> None:
    conn.execute(RENAME, (name, name, A))


def test_a_repeated_page_is_served_from_the_cache(pg_live: Live) -> None:
    pages = pg_live.app.state.api.pages
    first = _names(pg_live)
    hits = pages.hits
    assert _names(pg_live) == first and pages.hits == hits + 1


def test_a_commit_by_another_process_is_seen_by_the_next_page(pg_live: Live, pg_url: str) -> None:  # noqa: F811
    _names(pg_live)
    with psycopg.connect(pg_url, autocommit=True) as other:  # another connection, as another process's would be
        _rename(other, "Elsewhere")
    assert set(_names(pg_live)) == {"Elsewhere"}


def test_a_page_read_while_another_write_is_open_is_not_served_after_its_commit(
    pg_live: Live,
    pg_url: str,  # noqa: F811
) -> None:
    """The generation moves when the write commits, not when it is made: the page read in between is
    keyed by the old generation (were it bumped at the write, that page of old names would be kept
    under the new generation and served after the commit)."""
    before = set(_names(pg_live))
    with psycopg.connect(pg_url) as other:
        _rename(other, "Later")
        assert set(_names(pg_live)) == before  # not committed yet: the old names
        other.commit()
    assert set(_names(pg_live)) == {"Later"}


def test_a_commit_landing_while_a_page_is_built_is_seen_by_the_next_page(
    pg_live: Live,
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The generation is read before the page: a commit between the page's read and the caching moves
    it past the key the page is kept under (read after the page, that page of old names would be kept
    under the new generation)."""
    store = pg_live.service.store
    read = store.stored_page
    landed: list[bool] = []

    def then_commit(*args: object, **kwargs: object) -> object:
        page = read(*args, **kwargs)
        if not landed:
            landed.append(True)
            with psycopg.connect(pg_url, autocommit=True) as other:
                _rename(other, "Meanwhile")
        return page

    monkeypatch.setattr(store, "stored_page", then_commit)
    assert "Meanwhile" not in _names(pg_live) and landed
    assert set(_names(pg_live)) == {"Meanwhile"}


def test_a_write_by_this_process_is_seen_by_the_next_page(pg_live: Live) -> None:
    _names(pg_live)
    with pg_live.service.store.transaction() as db:
        _rename(db.conn, "Changed")
    assert set(_names(pg_live)) == {"Changed"}


@pytest.mark.parametrize("table", TABLES)
def test_a_committed_write_to_any_table_of_the_store_moves_the_generation(
    table: str,
    pg_url: str,  # noqa: F811
) -> None:
    store = open_store(pg_url)
    try:
        before = store.generation()
        with psycopg.connect(pg_url, autocommit=True) as other:
            other.execute(f"DELETE FROM {table} WHERE false")  # a statement trigger fires even for no rows
        assert store.generation() == before + 1
    finally:
        store.close()
    assert set(TABLES) <= set(GENERATION_TABLES)


def test_one_transaction_moves_it_once_and_a_rolled_back_one_not_at_all(pg_url: str) -> None:  # noqa: F811
    store = open_store(pg_url)
    try:
        before = store.generation()
        with psycopg.connect(pg_url) as other:
            for table in ("records", "syncs", "records"):
                other.execute(f"DELETE FROM {table} WHERE false")
            other.rollback()
            assert store.generation() == before
            other.execute("DELETE FROM records WHERE false")
            other.execute("DELETE FROM tracked WHERE false")
            assert store.generation() == before  # not before the commit
            other.commit()
        assert store.generation() == before + 1
        with store.transaction():
            assert store.generation() is None  # this thread's own open writes: never a cache key
    finally:
        store.close()


def test_writers_never_wait_on_one_another_for_the_generation(pg_url: str) -> None:  # noqa: F811
    """The bump takes its one-row lock while committing, so an open write transaction holds nothing
    another writer needs (a bump at the write would make the second writer wait for the first's commit)."""
    store = open_store(pg_url)
    store.close()
    with psycopg.connect(pg_url) as first, psycopg.connect(pg_url, autocommit=True) as second:
        first.execute("DELETE FROM records WHERE false")  # open, not committed
        second.execute("SET lock_timeout = '3s'")
        done: list[bool] = []
        worker = threading.Thread(target=lambda: done.append(bool(second.execute("DELETE FROM syncs WHERE false"))))
        worker.start()
        worker.join(10)
        first.rollback()
        assert done == [True]


def test_a_key_revoked_by_another_process_is_refused_at_once(pg_live: Live, pg_url: str) -> None:  # noqa: F811
    """The grant of a key is remembered only while the generation stands still."""
    _names(pg_live)
    _names(pg_live)  # the page and the grant, both remembered
    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("UPDATE api_keys SET revoked_at = '2024-01-01T00:00:00.000Z'")
    with pg_live.http() as http:
        response = http.get("/ats/users", params={"page_size": 250})
    assert response.status_code == 401, response.text
