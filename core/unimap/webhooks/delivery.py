"""Posting ``data-changed`` events: after each sync, on ``unimap webhooks retry``, and in serve's loop.

Each delivery is one row of the durable queue (:mod:`.store`). An attempt that does not get a
2xx answer within ``timeout`` seconds is retried after ``retry_seconds × 2^(attempts-1)``
(capped at :data:`MAX_BACKOFF`), up to ``max_attempts`` attempts; then it is marked ``failed``.
Settings come from the environment (:meth:`DeliverySettings.from_env`). Errors in the log name
the status code or the exception type — never a secret, a header or the URL's query.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from unimap.attachments import PinnedTransport
from unimap.errors import ConfigError, UnimapError
from unimap.timeutil import utc_now
from unimap.webhooks.events import changed_models, data_changed_event
from unimap.webhooks.policy import UrlPolicy, safe_url
from unimap.webhooks.signing import SIGNATURE_HEADER, sign
from unimap.webhooks.store import Delivery, WebhookStore

log = logging.getLogger("unimap.webhooks")
MAX_BACKOFF = 6 * 3600.0
USER_AGENT = "unimap-webhooks/1"


def _env_number(environ: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigError(f"{name}: {raw!r} is not a number of at least {minimum:g}")
    return value


@dataclass(frozen=True)
class DeliverySettings:
    """How deliveries are attempted and retried."""

    retry_seconds: float = 30.0
    max_attempts: int = 10
    timeout: float = 10.0
    policy: UrlPolicy = field(default_factory=UrlPolicy)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DeliverySettings:
        """The settings of ``UNIMAP_WEBHOOK_RETRY_SECONDS``, ``…_MAX_ATTEMPTS``, ``…_TIMEOUT`` and ``…_ALLOW``."""
        env = os.environ if environ is None else environ
        return cls(
            _env_number(env, "UNIMAP_WEBHOOK_RETRY_SECONDS", 30.0, 0.0),
            int(_env_number(env, "UNIMAP_WEBHOOK_MAX_ATTEMPTS", 10, 1)),
            _env_number(env, "UNIMAP_WEBHOOK_TIMEOUT", 10.0, 0.1),
            UrlPolicy.from_env(env),
        )

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return float(min(MAX_BACKOFF, self.retry_seconds * 2 ** max(0, attempts - 1)))


class Deliverer:
    """Attempts due deliveries of one store."""

    def __init__(
        self,
        store: Any,
        settings: DeliverySettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.hooks = WebhookStore(store)
        self.settings = settings or DeliverySettings.from_env()
        self.transport = transport  # tests: replaces the network (the URL policy still applies)

    def deliver_due(self, *, ids: list[int] | None = None, limit: int = 100) -> list[Delivery]:
        """Attempt every due delivery (only ``ids`` if given) once; the deliveries attempted."""
        done: list[Delivery] = []
        for delivery in self.hooks.due(utc_now(), limit, ids):
            if self.hooks.claim(delivery, self.settings.timeout + 30):
                self.attempt(delivery)
                done.append(delivery)
        return done

    def attempt(self, delivery: Delivery) -> bool:
        """POST one delivery and log the outcome; True when the receiver answered 2xx."""
        sub = next((s for s in self.hooks.subscriptions() if s.id == delivery.subscription_id), None)
        secret = self.hooks.secret(delivery.subscription_id) if sub else None
        if sub is None or secret is None:
            self.hooks.record(
                delivery, ok=False, status_code=None, error="the subscription was removed", seconds=0, retry_in=None
            )
            return False
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            status = self._post(sub.url, secret, delivery)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except UnimapError as exc:  # the URL is no longer allowed (e.g. DNS now points at a private address)
            error = str(exc)
        except httpx.TimeoutException:
            error = f"no answer within {self.settings.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}"
        ok = error is None
        attempts = delivery.attempts + 1
        retry_in = None if ok or attempts >= self.settings.max_attempts else self.settings.backoff(attempts)
        self.hooks.record(
            delivery, ok=ok, status_code=status, error=error, seconds=time.monotonic() - started, retry_in=retry_in
        )
        if not ok:
            later = f"; retry in {retry_in:g} s" if retry_in is not None else "; giving up"
            log.warning(
                "webhook delivery %s to %s failed (attempt %d): %s%s",
                delivery.id,
                safe_url(sub.url),
                attempts,
                error,
                later,
            )
        return ok

    def _post(self, url: str, secret: str, delivery: Delivery) -> int:
        address = self.settings.policy.check(url)  # again now: DNS may have changed since registration
        body = delivery.payload.encode()
        deadline = time.monotonic() + self.settings.timeout
        transport = self.transport or PinnedTransport(address, deadline)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(secret, body),
            "X-Unimap-Event-Id": delivery.event_id,
            "X-Unimap-Delivery": str(delivery.id),
        }
        with httpx.Client(
            transport=transport, timeout=self.settings.timeout, follow_redirects=False, trust_env=False
        ) as client:
            return client.post(url, content=body, headers=headers).status_code


def after_sync(store: Any, integration: Any, report: Any, *, deliver: bool = True) -> list[int]:
    """Queue a ``data-changed`` event for the models ``report`` changed, then attempt what is due.

    Never raises: a webhook problem must not turn a finished sync into a failure.
    """
    try:
        hooks = WebhookStore(store)
        models = changed_models(report)
        queued: list[int] = []
        if models:
            event = data_changed_event(integration.id, integration.connector, models, uuid.uuid4().hex)
            queued = hooks.enqueue(integration.id, event)
        if deliver and (queued or hooks.due(utc_now(), 1)):
            Deliverer(store).deliver_due()
        return queued
    except Exception as exc:
        log.warning("webhooks after the sync of %s: %s", integration.id, f"{type(exc).__name__}: {exc}")
        return []


class DeliveryLoop:
    """A background thread attempting due deliveries every ``tick`` seconds (``unimap serve``)."""

    def __init__(self, store: Any, tick: float = 1.0, settings: DeliverySettings | None = None) -> None:
        self.store = store
        self.tick = tick
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DeliveryLoop:
        """Start the loop."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="unimap-webhooks", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the loop (an attempt in flight finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                Deliverer(self.store, self.settings).deliver_due()
            except Exception as exc:  # the loop must survive a bad store read
                log.warning("webhook delivery loop: %s: %s", type(exc).__name__, exc)
            self._stop.wait(self.tick)
