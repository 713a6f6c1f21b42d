"""One request budget per vendor account, shared through the store by every process (syncs, actions, serve).

A token bucket per key in the ``request_budget`` table: ``per_minute`` tokens a minute, at most
``burst`` saved up (default: one second's worth, at least 1). Each request takes a token, even when
the bucket is empty: the caller then waits the returned seconds, so concurrent callers queue up
fairly instead of stampeding. The vendor's own remaining-requests headers lower the bucket
(:meth:`RequestBudget.observe`).

For the rate limiter of the HTTP client::

    budget = RequestBudget(store)
    key = account_key(integration)                       # connector + base URL + a hash of the credentials
    wait = budget.acquire(key, per_minute=600)           # seconds to sleep before sending (0.0: now)
    ...send...
    budget.observe(key, remaining=int(resp.headers["X-RateLimit-Remaining"]), reset_in=seconds_until_reset)

On PostgreSQL the clock is the database's, so machines with skewed clocks share one budget; one row
lock per request (a single ``INSERT … ON CONFLICT … RETURNING``) is the whole cost.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import orjson

from unimap.store.base import Integration


def account_key(integration: Integration) -> str:
    """The vendor account an integration spends requests of (secret-free: credentials are hashed)."""
    secret = orjson.dumps(integration.credentials, option=orjson.OPT_SORT_KEYS, default=str)
    digest = hashlib.blake2b(secret, digest_size=8).hexdigest()
    return f"{integration.connector}|{integration.base_url or ''}|{digest}"


_PG_TAKE = """
INSERT INTO request_budget AS b (key, tokens, updated)
VALUES (%(key)s, %(burst)s - 1, COALESCE(%(now)s, extract(epoch FROM clock_timestamp())))
ON CONFLICT (key) DO UPDATE SET
    tokens = LEAST(%(burst)s, b.tokens + GREATEST(0, excluded.updated - b.updated) * %(rate)s) - 1,
    updated = GREATEST(b.updated, excluded.updated)
RETURNING tokens
"""

_PG_OBSERVE = """
UPDATE request_budget AS b SET
    tokens = LEAST(LEAST(%(burst)s, b.tokens + GREATEST(0, n.now - b.updated) * %(rate)s), %(floor)s),
    updated = GREATEST(b.updated, n.now)
FROM (SELECT COALESCE(%(now)s, extract(epoch FROM clock_timestamp()))::double precision AS now) n
WHERE b.key = %(key)s
"""


class RequestBudget:
    """A database-backed token bucket per key, over a SQLite or PostgreSQL store."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.postgres = type(store).__name__ == "PostgresStore"

    @staticmethod
    def _burst(per_minute: float, burst: float | None) -> float:
        return float(burst) if burst is not None else max(1.0, per_minute / 60.0)

    def acquire(self, key: str, per_minute: float, *, burst: float | None = None, now: float | None = None) -> float:
        """Take one request of ``key``'s budget; returns the seconds to wait before sending it (0.0: now).

        ``per_minute`` <= 0 means unlimited (nothing is recorded). ``now`` (epoch seconds) is for tests;
        by default PostgreSQL uses its own clock and SQLite this machine's.
        """
        if per_minute <= 0:
            return 0.0
        rate, cap = per_minute / 60.0, self._burst(per_minute, burst)
        if self.postgres:
            with self.store.transaction() as db:
                tokens = db.conn.execute(_PG_TAKE, {"key": key, "burst": cap, "rate": rate, "now": now}).fetchone()[
                    "tokens"
                ]
        else:
            stamp = time.time() if now is None else now
            with self.store.transaction() as db:
                row = db.execute("SELECT tokens, updated FROM request_budget WHERE key = ?", (key,)).fetchone()
                tokens = cap - 1 if row is None else min(cap, row[0] + max(0.0, stamp - row[1]) * rate) - 1
                db.execute(
                    "INSERT INTO request_budget (key, tokens, updated) VALUES (?,?,?) ON CONFLICT(key) DO "
                    "UPDATE SET tokens=excluded.tokens, updated=MAX(updated, excluded.updated)",
                    (key, tokens, stamp),
                )
        return max(0.0, -float(tokens) / rate)

    def observe(
        self,
        key: str,
        per_minute: float,
        *,
        remaining: float | None,
        reset_in: float | None = None,
        burst: float | None = None,
        now: float | None = None,
    ) -> None:
        """Honour the vendor's remaining-requests headers: at most ``remaining`` tokens are left, and with
        none left nobody sends before ``reset_in`` seconds have passed."""
        if per_minute <= 0 or remaining is None:
            return
        rate, cap = per_minute / 60.0, self._burst(per_minute, burst)
        floor = float(remaining)
        if remaining <= 0 and reset_in:
            floor = min(floor, -float(reset_in) * rate)
        if self.postgres:
            with self.store.transaction() as db:
                db.conn.execute(_PG_OBSERVE, {"key": key, "burst": cap, "rate": rate, "now": now, "floor": floor})
            return
        stamp = time.time() if now is None else now
        with self.store.transaction() as db:
            row = db.execute("SELECT tokens, updated FROM request_budget WHERE key = ?", (key,)).fetchone()
            if row is not None:
                tokens = min(min(cap, row[0] + max(0.0, stamp - row[1]) * rate), floor)
                db.execute(
                    "UPDATE request_budget SET tokens=?, updated=MAX(updated, ?) WHERE key=?", (tokens, stamp, key)
                )


def shared_limit(
    store: Any, integration: Integration, per_minute: float, sleep: Callable[[float], None] = time.sleep
) -> Callable[[], float]:
    """The rate limiter's budget seam for ``integration``: one request taken from the shared bucket.

    The token is taken once per request: when the bucket says to wait, this waits (the token is
    already reserved) and tells the limiter to go on, so waiting never takes a second token.
    """
    budget = RequestBudget(store)
    key = account_key(integration)

    def take() -> float:
        wait = budget.acquire(key, per_minute)
        if wait > 0:
            sleep(wait)
        return 0.0

    return take
