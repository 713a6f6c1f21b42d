"""The shared request budget: a token bucket per vendor account in the store, on both backends."""

from __future__ import annotations

import threading
import time

import pytest

from unimap.store import Integration, open_store
from unimap.store.budget import RequestBudget, account_key


@pytest.fixture
def budget(store_url):  # type: ignore[no-untyped-def]
    store = open_store(store_url)
    yield RequestBudget(store)
    store.close()


def test_a_burst_then_waits_that_grow_by_one_interval(budget):
    t = 1_000_000.0
    waits = [budget.acquire("acct", 60, burst=3, now=t) for _ in range(6)]  # 1 request a second, 3 saved up
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([1.0, 2.0, 3.0])
    assert budget.acquire("other", 60, burst=3, now=t) == 0.0  # budgets are per key
    assert budget.acquire("acct", 60, burst=3, now=t + 10) == 0.0  # 10 s refilled it (up to the cap)
    assert budget.acquire("acct", 0, now=t) == 0.0  # unlimited


def test_the_vendors_remaining_header_lowers_the_budget(budget):
    t = 2_000_000.0
    assert budget.acquire("acct", 600, burst=100, now=t) == 0.0
    budget.observe("acct", 600, remaining=0, reset_in=5, burst=100, now=t)
    assert budget.acquire("acct", 600, burst=100, now=t) == pytest.approx(5.1)  # after the reset, and in line
    budget.observe("acct", 600, remaining=50, burst=100, now=t + 60)
    assert budget.acquire("acct", 600, burst=100, now=t + 60) == 0.0


def test_processes_share_one_budget(store_url):
    """Two stores (two pools, as two processes would have) and 8 threads never exceed the bucket."""
    stores = [open_store(store_url) for _ in range(2)]
    budgets = [RequestBudget(s) for s in stores]
    waits: list[float] = []
    lock = threading.Lock()
    t = 3_000_000.0

    def spend(b: RequestBudget) -> None:
        for _ in range(10):
            w = b.acquire("shared", 120, burst=5, now=t)
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=spend, args=(budgets[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # 80 requests at 2 a second after a burst of 5: the waits are exactly 0 ×5, then 0.5 s, 1 s, ... 37.5 s
    assert sorted(waits) == pytest.approx([0.0] * 5 + [0.5 * i for i in range(1, 76)])
    for s in stores:
        s.close()


def test_the_real_clock_and_account_keys(budget):
    assert budget.acquire("clock", 60, burst=1) == 0.0
    assert 0.5 < budget.acquire("clock", 60, burst=1) <= 1.0
    time.sleep(0.05)
    one = Integration("otys:a", "otys", base_url="https://ows.otys.nl", credentials={"api_key": "s3cret"})
    two = Integration("otys:b", "otys", base_url="https://ows.otys.nl", credentials={"api_key": "s3cret"})
    assert account_key(one) == account_key(two) and "s3cret" not in account_key(one)
    assert account_key(one) != account_key(Integration("otys:c", "otys", credentials={"api_key": "other"}))


def test_clients_of_one_account_share_the_budget_on_a_shared_store(store_url, make_sandbox):  # type: ignore[no-untyped-def]
    """On PostgreSQL every client of an integration takes from one bucket; SQLite keeps the in-process limit."""
    from unimap.service import Unimap

    sb = make_sandbox()
    with Unimap(store_url) as first, Unimap(store_url) as second:
        integration = first.connect(
            "otys", {"api_key": sb.api_key}, base_url=sb.base_url, settings={"requests_per_minute": 60}
        )
        slept: list[float] = []
        clients = [um.client(integration, sleep=slept.append) for um in (first, second)]
        shared = type(first.store).__name__ == "PostgresStore"
        assert all((c.limiter.budget is not None) == shared for c in clients)
        if shared:
            for client in clients * 2:  # 4 requests of one account, from two "processes": 1 a second
                client.limiter.budget()
            # connecting spent the one-request burst: all 4 wait, and the last (third in line after the
            # first) about 3 s longer than the first, less what a loaded machine spent between the calls
            assert len(slept) == 4 and all(w > 0 for w in slept) and slept[-1] - slept[0] > 1.5, slept
        for client in clients:
            client.close()
