"""Outbound webhooks (§7): one event per webhook, ``POST {"action", "payload"}`` signed with
``Signature: sha256 <hex HMAC-SHA256(secret_key, raw body)>`` plus ``Greenhouse-Event-ID``.

Only ``http(s)://`` URLs on loopback hosts are accepted (the sandbox never calls anything else);
deliveries run on one background thread in order, with up to ``max_attempts`` tries.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import queue
import threading
import uuid
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import orjson

from .errors import not_found, validation
from .stats import Stats
from .tenant import Tenant

EVENTS = (
    "new_candidate_application",
    "new_prospect_application",
    "application_updated",
    "candidate_stage_change",
    "reject_candidate",
    "unreject_candidate",
    "hire_candidate",
    "unhire_candidate",
    "delete_application",
    "update_candidate",
    "delete_candidate",
    "merge_candidate",
    "candidate_anonymized",
    "interview_deleted",
    "scorecard_deleted",
    "job_created",
    "job_updated",
    "job_deleted",
    "job_approved",
    "job_post_created",
    "job_post_updated",
    "job_post_deleted",
    "job_interview_stage_deleted",
    "offer_created",
    "offer_updated",
    "offer_deleted",
    "offer_approved",
    "department_deleted",
    "office_deleted",
)


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback IP literals."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sign(secret: str, body: bytes) -> str:
    """The ``Signature`` header value for ``body``."""
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhooks:
    """Registered webhooks and their delivery thread."""

    def __init__(self, tenant: Tenant, stats: Stats, timeout: float = 5.0) -> None:
        self.tenant = tenant
        self.stats = stats
        self.timeout = timeout
        self.hooks: dict[int, dict[str, Any]] = {}
        self.log: deque[dict[str, Any]] = deque(maxlen=1000)
        self._next = 1
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[dict[str, Any], bytes] | None] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        tenant.listeners.append(self.notify)

    # -- registry ------------------------------------------------------------------------

    def create(self, client_id: str, body: Any) -> dict[str, Any]:
        """``POST /v3/webhooks`` (also used by ``Sandbox.add_webhook``)."""
        if not isinstance(body, dict):
            raise validation((None, "the request body must be a JSON object"))
        errors: list[tuple[str | None, str]] = []
        allowed = {"name", "endpoint_url", "event_action_type", "secret_key", "deactivated", "max_attempts"}
        errors += [(k, "is not a permitted field") for k in sorted(set(body) - allowed)]
        for key in ("name", "endpoint_url", "event_action_type", "secret_key"):
            if not isinstance(body.get(key), str) or not body[key]:
                errors.append((key, "is required"))
        url = body.get("endpoint_url")
        if isinstance(url, str) and url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname):
                errors.append(("endpoint_url", "the sandbox only delivers to http(s) URLs on a loopback host"))
        if body.get("event_action_type") and body["event_action_type"] not in EVENTS:
            errors.append(("event_action_type", "is not a known event"))
        attempts = body.get("max_attempts", 6)
        if not isinstance(attempts, int) or not 1 <= attempts <= 7:
            errors.append(("max_attempts", "must be between 1 and 7"))
        if errors:
            raise validation(*errors)
        with self._lock:
            hid = self._next
            self._next += 1
            now = self.tenant.now()
            hook = {
                "id": hid,
                "name": body["name"],
                "endpoint_url": url,
                "event_action_type": body["event_action_type"],
                "deactivated": bool(body.get("deactivated", False)),
                "max_attempts": attempts,
                "created_at": now,
                "updated_at": now,
                "last_delivered": None,
                "_secret": body["secret_key"],
                "_client": client_id,
            }
            self.hooks[hid] = hook
        return self._public(hook)

    def list(self, client_id: str) -> list[dict[str, Any]]:
        """The caller's own webhooks."""
        with self._lock:
            return [self._public(h) for h in self.hooks.values() if h["_client"] == client_id]

    def delete(self, client_id: str, hid: int) -> dict[str, Any]:
        """``DELETE /v3/webhooks/{id}``."""
        with self._lock:
            hook = self.hooks.get(hid)
            if hook is None or hook["_client"] != client_id:
                raise not_found("Webhook", hid)
            del self.hooks[hid]
        return {"message": f"Webhook {hid} deleted successfully"}

    @staticmethod
    def _public(hook: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in hook.items() if not k.startswith("_")}

    # -- delivery ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the delivery thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="greenhouse-sandbox-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the delivery thread (pending deliveries are dropped)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=self.timeout * 2 + 5)
            self._thread = None

    def notify(self, event: str, change: dict[str, Any]) -> None:
        """Queue deliveries of ``event`` to every active webhook for it."""
        with self._lock:
            hooks = [h for h in self.hooks.values() if h["event_action_type"] == event and not h["deactivated"]]
        if not hooks or self._thread is None:
            return
        body = orjson.dumps({"action": event, "payload": self._payload(change)}, default=sorted)
        for hook in hooks:
            with self._idle:
                self._pending += 1
            self._queue.put((hook, body))

    def _payload(self, change: dict[str, Any]) -> dict[str, Any]:
        resource, row = change["resource"], change["row"]
        if resource != "applications":
            return {resource[:-1]: row}
        cand = self.tenant.get("candidates", row["candidate_id"])
        job = self.tenant.get("jobs", row["job_id"]) if row["job_id"] else None
        stage = (
            self.tenant.get("job_interview_stages", row["job_interview_stage_id"])
            if row["job_interview_stage_id"]
            else None
        )
        status = "active" if row["status"] == "in_process" else row["status"]
        return {
            "application": {
                **{
                    k: row[k]
                    for k in (
                        "id",
                        "candidate_id",
                        "prospect",
                        "rejected_at",
                        "rejection_reason_id",
                        "created_at",
                        "updated_at",
                        "last_activity_at",
                    )
                },
                "status": status,
                "candidate": {k: cand[k] for k in ("id", "first_name", "last_name", "email_addresses")}
                if cand
                else None,
                "jobs": [{"id": job["id"], "name": job["name"]}] if job else [],
                "current_stage": {"id": stage["id"], "name": stage["name"]} if stage else None,
            }
        }

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued delivery was attempted (for tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            hook, body = item
            try:
                for attempt in range(1, hook["max_attempts"] + 1):
                    if self._deliver(hook, body, attempt):
                        break
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, hook: dict[str, Any], body: bytes, attempt: int) -> bool:
        parts = urlsplit(hook["endpoint_url"])
        entry: dict[str, Any] = {
            "webhook_id": hook["id"],
            "event": hook["event_action_type"],
            "attempt": attempt,
            "status": None,
            "error": None,
        }
        ok = False
        try:
            if not is_loopback(parts.hostname):
                raise ValueError("not a loopback URL")
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = cls(parts.hostname or "127.0.0.1", parts.port, timeout=self.timeout)
            try:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                conn.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "Signature": sign(hook["_secret"], body),
                        "Greenhouse-Event-ID": str(uuid.uuid4()),
                        "User-Agent": "Greenhouse-Sandbox-Webhooks",
                    },
                )
                resp = conn.getresponse()
                resp.read()
                entry["status"] = resp.status
                ok = resp.status == 200
            finally:
                conn.close()
        except Exception as exc:  # a broken receiver must not break the sandbox
            entry["error"] = str(exc)
        self.stats.add("webhooks_sent" if ok else "webhooks_failed")
        if ok:
            hook["last_delivered"] = self.tenant.now()
        self.log.append(entry)
        return ok
