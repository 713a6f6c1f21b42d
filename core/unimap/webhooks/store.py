"""Webhook tables of the store: subscriptions, the delivery queue with its log, and inbound secrets.

Works on any store (SQLite or PostgreSQL) through ``store.transaction()`` and ``store.db`` with
``?`` placeholders, like the API key table. Secrets are kept sealed with the credentials' key
(:mod:`unimap.secrets`): encrypted at rest when ``UNIMAP_SECRET_KEY`` is set.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from unimap.errors import InputInvalid
from unimap.secrets import seal, unseal
from unimap.timeutil import format_utc, utc_now

LOG_KEEP = 20  # attempts kept in a delivery's log


def stamp(seconds_from_now: float = 0.0) -> str:
    """An ISO-8601 UTC time ``seconds_from_now`` from now (the store's timestamp format)."""
    return format_utc(datetime.now(UTC) + timedelta(seconds=seconds_from_now))


def new_secret() -> str:
    """A fresh signing secret (``whsec_…``)."""
    return "whsec_" + secrets.token_urlsafe(32)


@dataclass
class Subscription:
    """A registered receiver (its secret is never part of this object's public data)."""

    id: str
    url: str
    integration_id: str | None
    created_at: str

    def public(self) -> dict[str, Any]:
        """Plain data for listings."""
        return {"id": self.id, "url": self.url, "integration_id": self.integration_id, "created_at": self.created_at}


@dataclass
class Delivery:
    """One event for one subscription, with its attempts so far."""

    id: int
    subscription_id: str
    integration_id: str
    event_id: str
    payload: str
    status: str  # pending | delivered | failed | cancelled
    attempts: int
    last_status: int | None
    last_error: str | None
    log: list[dict[str, Any]]
    created_at: str
    next_attempt_at: str | None
    delivered_at: str | None

    def public(self) -> dict[str, Any]:
        """Plain data for the delivery log (the event's models, not its whole body)."""
        try:
            changed = [m["name"] for m in json.loads(self.payload)["data"]["changed_models"]]
        except (ValueError, KeyError, TypeError):
            changed = []
        return {
            "id": self.id,
            "subscription_id": self.subscription_id,
            "integration_id": self.integration_id,
            "event_id": self.event_id,
            "changed_models": changed,
            "status": self.status,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "log": self.log,
            "created_at": self.created_at,
            "next_attempt_at": self.next_attempt_at,
            "delivered_at": self.delivered_at,
        }


class WebhookStore:
    """The webhook tables of ``store``."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with getattr(self.store, "_lock", None) or contextlib.nullcontext():
            return list(self.store.db.execute(sql, params).fetchall())

    # -- subscriptions ---------------------------------------------------------------------------

    def add(self, url: str, integration_id: str | None = None) -> tuple[Subscription, str]:
        """A new subscription and its secret (shown once; stored sealed)."""
        if integration_id is not None:
            self.store.integration(integration_id)  # IntegrationNotFound for an unknown id
        secret = new_secret()
        sub = Subscription("wh_" + secrets.token_hex(6), url, integration_id, utc_now())
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO webhook_subscriptions (id, url, integration_id, secret, created_at) VALUES (?,?,?,?,?)",
                (sub.id, url, integration_id, seal({"secret": secret}), sub.created_at),
            )
        return sub, secret

    def subscriptions(self, integration_id: str | None = None) -> list[Subscription]:
        """Every subscription (with ``integration_id``: those that receive that integration's events)."""
        if integration_id is None:
            rows = self._read("SELECT * FROM webhook_subscriptions ORDER BY created_at, id")
        else:
            rows = self._read(
                "SELECT * FROM webhook_subscriptions WHERE integration_id IS NULL OR integration_id = ? "
                "ORDER BY created_at, id",
                (integration_id,),
            )
        return [Subscription(r["id"], r["url"], r["integration_id"], r["created_at"]) for r in rows]

    def subscription(self, sub_id: str) -> Subscription:
        """One subscription; :class:`InputInvalid` naming the id when there is none."""
        for sub in self.subscriptions():
            if sub.id == sub_id:
                return sub
        raise InputInvalid(f"no webhook subscription {sub_id!r} (see `unimap webhooks list`)", fields=["id"])

    def secret(self, sub_id: str) -> str | None:
        """The signing secret of a subscription (``None`` when it was removed)."""
        rows = self._read("SELECT secret FROM webhook_subscriptions WHERE id = ?", (sub_id,))
        return str(unseal(rows[0]["secret"])["secret"]) if rows else None

    def remove(self, sub_id: str) -> Subscription:
        """Remove a subscription; its undelivered events are cancelled."""
        sub = self.subscription(sub_id)
        with self.store.transaction() as db:
            db.execute("DELETE FROM webhook_subscriptions WHERE id = ?", (sub_id,))
            db.execute(
                "UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL "
                "WHERE subscription_id = ? AND status = 'pending'",
                (sub_id,),
            )
        return sub

    # -- the delivery queue ------------------------------------------------------------------------

    def enqueue(self, integration_id: str, event: dict[str, Any]) -> list[int]:
        """Queue ``event`` for every subscription of the integration; the new deliveries' ids."""
        subs = self.subscriptions(integration_id)
        if not subs:
            return []
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        now = utc_now()
        out: list[int] = []
        with self.store.transaction() as db:
            for sub in subs:
                row = db.execute(
                    "INSERT INTO webhook_deliveries (subscription_id, integration_id, event_id, payload, status, "
                    "attempts, log, created_at, next_attempt_at) VALUES (?,?,?,?,'pending',0,'[]',?,?) RETURNING id",
                    (sub.id, integration_id, event["id"], body, now, now),
                ).fetchone()
                out.append(int(row["id"]))
        return out

    def deliveries(
        self, *, integration_id: str | None = None, subscription_id: str | None = None, limit: int = 50
    ) -> list[Delivery]:
        """The latest deliveries, newest first."""
        where, params = [], []
        if integration_id:
            where.append("integration_id = ?")
            params.append(integration_id)
        if subscription_id:
            where.append("subscription_id = ?")
            params.append(subscription_id)
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self._read(f"SELECT * FROM webhook_deliveries {clause}ORDER BY id DESC LIMIT ?", (*params, int(limit)))
        return [self._delivery(r) for r in rows]

    def due(self, now: str, limit: int = 100, ids: list[int] | None = None) -> list[Delivery]:
        """Pending deliveries whose next attempt is at or before ``now`` (oldest first; only ``ids`` if given)."""
        rows = self._read(
            "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            (now, int(limit)),
        )
        wanted = set(ids) if ids is not None else None
        return [self._delivery(r) for r in rows if wanted is None or int(r["id"]) in wanted]

    def claim(self, delivery: Delivery, lease_seconds: float) -> bool:
        """Take ``delivery`` for one attempt (another process that claimed it first wins)."""
        with self.store.transaction() as db:
            cur = db.execute(
                "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' "
                "AND next_attempt_at = ?",
                (stamp(lease_seconds), delivery.id, delivery.next_attempt_at),
            )
            return int(cur.rowcount) == 1

    def record(
        self,
        delivery: Delivery,
        *,
        ok: bool,
        status_code: int | None,
        error: str | None,
        seconds: float,
        retry_in: float | None,
    ) -> None:
        """Log one attempt: delivered, retried after ``retry_in`` seconds, or failed for good (``retry_in`` None)."""
        now = utc_now()
        attempts = delivery.attempts + 1
        entry = {"attempt": attempts, "at": now, "status": status_code, "error": error, "seconds": round(seconds, 3)}
        log = [*delivery.log, entry][-LOG_KEEP:]
        if ok:
            status, next_at, delivered = "delivered", None, now
        elif retry_in is None:
            status, next_at, delivered = "failed", None, None
        else:
            status, next_at, delivered = "pending", stamp(retry_in), None
        with self.store.transaction() as db:
            db.execute(
                "UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status = ?, last_error = ?, log = ?, "
                "next_attempt_at = ?, delivered_at = ? WHERE id = ?",
                (status, attempts, status_code, error, json.dumps(log), next_at, delivered, delivery.id),
            )

    def retry_now(self, delivery_ids: list[int] | None = None) -> int:
        """Make pending (and, by id, failed) deliveries due now; returns how many."""
        now = utc_now()
        with self.store.transaction() as db:
            if delivery_ids is None:
                cur = db.execute("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE status = 'pending'", (now,))
                return int(cur.rowcount)
            count = 0
            for did in delivery_ids:
                cur = db.execute(
                    "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? "
                    "WHERE id = ? AND status IN ('pending', 'failed')",
                    (now, did),
                )
                count += int(cur.rowcount)
            return count

    @staticmethod
    def _delivery(r: Any) -> Delivery:
        return Delivery(
            int(r["id"]),
            r["subscription_id"],
            r["integration_id"],
            r["event_id"],
            r["payload"],
            r["status"],
            int(r["attempts"]),
            r["last_status"],
            r["last_error"],
            json.loads(r["log"] or "[]"),
            r["created_at"],
            r["next_attempt_at"],
            r["delivered_at"],
        )

    def reseal(self) -> int:
        """Seal every stored webhook secret again with the current key (key rotation); returns how many."""
        count = 0
        for table, column in (("webhook_subscriptions", "id"), ("webhook_inbound", "integration_id")):
            for row in self._read(f"SELECT {column} AS k, secret FROM {table}"):
                with self.store.transaction() as db:
                    db.execute(
                        f"UPDATE {table} SET secret = ? WHERE {column} = ?", (seal(unseal(row["secret"])), row["k"])
                    )
                count += 1
        return count

    # -- inbound secrets (vendor webhooks) ---------------------------------------------------------

    def inbound_secret(self, integration_id: str) -> str | None:
        """The secret vendor webhooks of the integration are verified with (``None``: none set)."""
        rows = self._read("SELECT secret FROM webhook_inbound WHERE integration_id = ?", (integration_id,))
        return str(unseal(rows[0]["secret"])["secret"]) if rows else None

    def set_inbound_secret(self, integration_id: str, secret: str | None = None) -> str:
        """Set (or generate) the integration's inbound secret; returns it."""
        self.store.integration(integration_id)
        value = secret or secrets.token_urlsafe(32)
        with self.store.transaction() as db:
            db.execute("DELETE FROM webhook_inbound WHERE integration_id = ?", (integration_id,))
            db.execute(
                "INSERT INTO webhook_inbound (integration_id, secret, created_at) VALUES (?,?,?)",
                (integration_id, seal({"secret": value}), utc_now()),
            )
        return value
