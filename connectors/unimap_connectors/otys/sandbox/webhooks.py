"""Outbound webhooks: after a matching call, POST ``{request:{method,args}, result}`` to loopback URLs.

Only ``http://`` URLs on a loopback address (127.0.0.0/8, ::1, localhost) are accepted, both when
registering and again when sending. Deliveries run on one background thread, in order.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import queue
import threading
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import validation
from .stats import Stats

if TYPE_CHECKING:
    from .store import Tenant

PREFIX = "Otys.Services."


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback IP literals."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: Any) -> str:
    """The URL when it is an http URL on a loopback host; a validation error otherwise."""
    if not isinstance(url, str):
        raise validation("webhookUrl must be a string")
    parts = urlsplit(url)
    if parts.scheme != "http" or not is_loopback_host(parts.hostname):
        raise validation(f"webhookUrl {url!r} rejected: the sandbox only calls http:// loopback URLs")
    return url


class WebhookDispatcher:
    """Queues deliveries for registered webhooks and sends them from one worker thread."""

    def __init__(self, tenant: Tenant, stats: Stats, timeout: float, enabled: bool = True) -> None:
        self.tenant = tenant
        self.stats = stats
        self.timeout = timeout
        self.enabled = enabled
        self.log: deque[dict[str, Any]] = deque(maxlen=1000)
        self._queue: queue.Queue[tuple[dict[str, Any], dict[str, Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._pending = 0

    def start(self) -> None:
        """Start the delivery thread."""
        if self._thread is None and self.enabled:
            self._thread = threading.Thread(target=self._run, name="otys-sandbox-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the delivery thread (pending deliveries are dropped)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=self.timeout + 5)
            self._thread = None

    def notify(self, method: str, args: list[Any], result: Any) -> None:
        """Queue deliveries for every webhook whose serviceCall names ``method``."""
        if not self.enabled or self._thread is None:
            return
        short = method[len(PREFIX) :] if method.startswith(PREFIX) else method
        hooks = [h for h in self.tenant.collection("WebhooksService").records.values() if h.get("serviceCall") == short]
        if not hooks:
            return
        payload = {"request": {"method": PREFIX + short, "args": args}, "result": {"status": "success", "data": result}}
        for hook in hooks:
            with self._idle:
                self._pending += 1
            self._queue.put((hook, payload))

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued delivery was attempted (for tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            hook, payload = item
            try:
                self._deliver(hook, payload)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, hook: dict[str, Any], payload: dict[str, Any]) -> None:
        url = hook.get("webhookUrl", "")
        entry: dict[str, Any] = {
            "uid": hook.get("uid"),
            "webhook_url": url,
            "serviceCall": hook.get("serviceCall"),
            "entryDateTime": self.tenant.now(),
            "status": None,
            "error": None,
        }
        try:
            check_url(url)
            parts = urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=self.timeout)
            try:
                body = json.dumps(payload).encode()
                path = parts.path or "/"
                if parts.query:
                    path += "?" + parts.query
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                entry["status"] = resp.status
            finally:
                conn.close()
            self.stats.add("webhooks_sent" if 200 <= entry["status"] < 300 else "webhooks_failed")
        except Exception as exc:  # a broken receiver must not break the sandbox
            entry["error"] = str(exc)
            self.stats.add("webhooks_failed")
        self.log.append(entry)
