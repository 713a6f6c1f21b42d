"""loginByUid sessions: opaque 26-char ids, absolute lifetime, logout and forced expiry."""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass

from .errors import MSG_LOGIN_AGAIN, MSG_LOGIN_FIRST, RpcError
from .settings import SandboxSettings

_ALPHABET = string.ascii_lowercase + string.digits


@dataclass
class Session:
    """One login: which API key it belongs to and until when it lives."""

    sid: str
    api_key: str
    created: float
    expires: float
    dead: bool = False  # logged out or force-expired


class SessionStore:
    """Issues and checks session ids for the tenant's API key."""

    def __init__(self, settings: SandboxSettings, api_keys: set[str]) -> None:
        self.settings = settings
        self.api_keys = api_keys
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def login(self, api_key: object) -> str:
        """A new session id for a valid API key (``invalid_api_key`` otherwise)."""
        if not isinstance(api_key, str) or api_key not in self.api_keys:
            raise RpcError("invalid_api_key", "Invalid API key; login failed")
        sid = "".join(secrets.choice(_ALPHABET) for _ in range(self.settings.session_id_length))
        now = self.settings.clock()
        with self._lock:
            self._sessions[sid] = Session(sid, api_key, now, now + self.settings.session_lifetime)
        return sid

    def peek(self, sid: object) -> Session | None:
        """The session if it exists and is alive, else ``None`` (never raises)."""
        if not isinstance(sid, str):
            return None
        sess = self._sessions.get(sid)
        if sess is None or sess.dead or self.settings.clock() >= sess.expires:
            return None
        return sess

    def require(self, sid: object) -> Session:
        """The live session or the OTYS access-denied error (first: unknown, again: expired/ended)."""
        if not isinstance(sid, str) or not sid:
            raise RpcError("login_first", MSG_LOGIN_FIRST)
        sess = self._sessions.get(sid)
        if sess is None:
            raise RpcError("login_first", MSG_LOGIN_FIRST)
        if sess.dead or self.settings.clock() >= sess.expires:
            raise RpcError("login_again", MSG_LOGIN_AGAIN)
        return sess

    def api_key_of(self, sid: object) -> str | None:
        """API key behind a session id (alive or not), for rate limiting."""
        if not isinstance(sid, str):
            return None
        sess = self._sessions.get(sid)
        return sess.api_key if sess else None

    def logout(self, sid: object) -> bool:
        """End a session (unknown ids are ignored)."""
        if isinstance(sid, str):
            sess = self._sessions.get(sid)
            if sess is not None:
                sess.dead = True
        return True

    def expire_all(self) -> int:
        """Expire every session now; returns how many were alive."""
        with self._lock:
            alive = [s for s in self._sessions.values() if not s.dead]
            for sess in alive:
                sess.dead = True
            return len(alive)

    def active(self) -> int:
        """Number of live sessions."""
        now = self.settings.clock()
        return sum(1 for s in self._sessions.values() if not s.dead and now < s.expires)
