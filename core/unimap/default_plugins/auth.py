"""Built-in authentication: ``session_login`` (log in with a credential, get a session string)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unimap.errors import AuthenticationInvalid
from unimap.hookspecs import hookimpl


@hookimpl(trylast=True)
def unimap_authenticate(
    connector: str, auth: dict[str, Any], credentials: dict[str, Any], login: Callable[[str, list[Any]], Any]
) -> str | None:
    """Call ``auth.login_method`` with the credential named by ``auth.credential``."""
    if auth.get("type") != "session_login":
        return None
    name = auth["credential"]
    secret = credentials.get(name)
    if not secret:
        raise AuthenticationInvalid(f"{connector}: the integration has no {name!r} credential")
    session = login(auth["login_method"], [secret])
    if not isinstance(session, str) or not session:
        raise AuthenticationInvalid(f"{connector}: {auth['login_method']} did not return a session; check the {name}")
    return session
