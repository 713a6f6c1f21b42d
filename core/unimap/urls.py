"""Checks of vendor base URLs, made before any network call."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from unimap.errors import InputInvalid


def check_vendor_url(url: str, *, known_paths: Iterable[str] = ()) -> str:
    """Return ``url`` without a trailing slash, or raise :class:`InputInvalid` saying what is wrong.

    A base URL is ``http(s)://host[:port][/prefix]``: no query, no fragment, no credentials and
    none of the connector's endpoint paths (``known_paths``, e.g. ``/jservice.php``), which unimap
    appends itself.
    """
    given = url.strip()
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https"):
        hint = f"; did you mean https://{given}?" if not parts.scheme or "://" not in given else ""
        raise InputInvalid(f"base URL {url!r} must start with https:// or http://{hint}", fields=["base_url"])
    try:
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise InputInvalid(f"base URL {url!r} has an invalid port", fields=["base_url"]) from None
    if not parts.hostname:
        raise InputInvalid(f"base URL {url!r} has no host", fields=["base_url"])
    if parts.username or parts.password:
        raise InputInvalid(f"base URL {url!r} must not carry a user name or password", fields=["base_url"])
    if parts.query or parts.fragment:
        raise InputInvalid(f"base URL {url!r} must not have a query or fragment", fields=["base_url"])
    path = parts.path.rstrip("/")
    root = f"{parts.scheme}://{parts.netloc}"
    for known in known_paths:
        known = "/" + known.strip("/")
        if known != "/" and (path == known or path.endswith(known)):
            prefix = path[: -len(known)]
            raise InputInvalid(
                f"base URL {url!r} ends in the endpoint path {known}, which unimap adds itself; use {root}{prefix}",
                fields=["base_url"],
            )
    return root + path


def reachable(url: str, *, timeout: float = 5.0) -> str | None:
    """``None`` when a TCP connection to ``url``'s host and port opens, else a one-line reason."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.gaierror:
        return f"cannot resolve host {host!r}"
    except ConnectionRefusedError:
        return f"connection refused by {host}:{port}"
    except TimeoutError:
        return f"no answer from {host}:{port} within {timeout:g} s"
    except OSError as exc:
        return f"cannot connect to {host}:{port}: {exc.strerror or exc}"
