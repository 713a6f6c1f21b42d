"""Rendered list pages are kept until the store changes, and a change by anyone is served at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from unimap.api.pagecache import PageCache

from .conftest import A, Live


def _names(live: Live) -> list[str]:
    with live.http() as http:
        response = http.get("/ats/users", params={"page_size": 250})
    assert response.status_code == 200, response.text
    return [u["first_name"] for u in response.json()["data"]["results"]]


def test_a_repeated_page_is_served_from_the_cache(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,))
    pages = live.app.state.api.pages
    first = _names(live)
    hits = pages.hits
    assert _names(live) == first and pages.hits == hits + 1


def test_a_write_by_this_process_is_seen_by_the_next_page(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,))
    _names(live)
    store = live.service.store
    with store.transaction() as db:
        db.execute(
            "UPDATE records SET data = json_set(data, '$.first_name', 'Changed') "
            "WHERE integration_id = ? AND model = 'user'",
            (A,),
        )
    assert set(_names(live)) == {"Changed"}


def test_a_commit_by_another_process_is_seen_by_the_next_page(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,))
    _names(live)
    other = sqlite3.connect(live.service.store.path)  # another connection, as another process's would be
    with other:
        other.execute(
            "UPDATE records SET data = json_set(data, '$.first_name', 'Elsewhere') "
            "WHERE integration_id = ? AND model = 'user'",
            (A,),
        )
    other.close()
    assert set(_names(live)) == {"Elsewhere"}


def test_the_cache_drops_the_least_recently_used_pages_beyond_its_budget() -> None:
    cache = PageCache(max_bytes=10)
    cache.put("a", b"12345")
    cache.put("b", b"12345")
    assert cache.get("a") == b"12345"  # a is now the most recent
    cache.put("c", b"123")
    assert cache.get("b") is None and cache.get("a") == b"12345" and cache.get("c") == b"123"
    cache.put("big", b"x" * 11)  # larger than the whole budget: not kept
    assert cache.get("big") is None


def test_a_zero_budget_turns_caching_off(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,), page_cache_mb=0)
    _names(live)
    _names(live)
    assert live.app.state.api.pages.hits == 0
