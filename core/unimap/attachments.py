"""Attachment content: base64 ``data`` or a ``data_url`` fetched under a safety policy.

``data_url`` downloads follow the SSRF policy of ``docs/security.md``:

- http(s) only, no redirects, size-capped;
- the host is resolved once and *every* address must be globally routable
  (``ipaddress.is_global``, not multicast, and no private IPv4 embedded in an IPv6 address:
  IPv4-mapped, 6to4, Teredo, NAT64); ``allow_private_urls`` (a strict boolean) lifts this,
  e.g. for the sandbox;
- the download connects to the address that was checked (pinned: no second DNS lookup,
  so a rebinding DNS server cannot swap in 127.0.0.1 after the check);
- one deadline (``timeout_seconds``, 20 s) bounds the whole download, not each read, so a
  slow-drip server cannot hold an action open.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from unimap.errors import ConfigError, InputInvalid
from unimap.settings_check import parse_bool

MAX_BYTES = 25 * 1024 * 1024

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses``: how a ``data_url`` host is resolved (injectable for tests)."""

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for downloading ``data_url`` attachments."""

    max_bytes: int = MAX_BYTES
    allow_private: bool = False
    timeout_seconds: float = 20.0

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> FetchPolicy:
        """``allow_private_urls`` (strict boolean) and ``max_attachment_bytes`` from integration settings.

        A malformed value is a :class:`ConfigError` naming the setting, never a silent default.
        """
        raw_max = settings.get("max_attachment_bytes")
        if raw_max is None or raw_max == "":
            max_bytes = MAX_BYTES
        else:
            try:
                max_bytes = int(str(raw_max).strip()) if not isinstance(raw_max, bool) else -1
            except ValueError:
                max_bytes = -1
            if max_bytes < 1:
                raise ConfigError(f"setting max_attachment_bytes: {raw_max!r} is not a positive integer")
        raw_allow = settings.get("allow_private_urls")
        allow = False if raw_allow is None else parse_bool(raw_allow, "allow_private_urls")
        return cls(max_bytes, allow)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, TCP only)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _embedded_ipv4(address: IpAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64), which decide where it really goes."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo:
        found.extend(address.teredo)
    if address in ipaddress.IPv6Network("64:ff9b::/96") or address in ipaddress.IPv6Network("64:ff9b:1::/48"):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: IpAddress) -> bool:
    """Whether ``address`` is globally routable unicast (and so is every IPv4 address it embeds)."""
    candidates: list[IpAddress] = [address, *_embedded_ipv4(address)]
    return all(a.is_global and not a.is_multicast for a in candidates)


def _resolve(host: str, port: int, field: str, resolver: Resolver) -> list[IpAddress]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [literal]
    try:
        found = resolver(host, port)
    except (OSError, UnicodeError, ValueError):
        raise InputInvalid(f"{field}: cannot resolve host {host!r}", fields=[field]) from None
    addresses: list[IpAddress] = []
    for text in found:
        try:
            addresses.append(ipaddress.ip_address(str(text).split("%")[0]))
        except ValueError:
            raise InputInvalid(
                f"{field}: host {host!r} resolved to {text!r}, not an IP address", fields=[field]
            ) from None
    if not addresses:
        raise InputInvalid(f"{field}: cannot resolve host {host!r}", fields=[field])
    return addresses


def check_host(
    host: str, port: int, field: str, policy: FetchPolicy, resolver: Resolver = system_resolver
) -> IpAddress:
    """The address to download from: resolved once; refused unless every address is public (or private allowed)."""
    addresses = _resolve(host, port, field, resolver)
    if not policy.allow_private:
        for address in addresses:
            if not is_public(address):
                raise InputInvalid(
                    f"{field}: {host} resolves to {address}, a private or local (not globally "
                    f"routable) address, which is not allowed (setting allow_private_urls)",
                    fields=[field],
                )
    return addresses[0]


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by one absolute deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error("the download deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, self._left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects every request to one already-checked address, whatever the URL's host name says."""

    def __init__(self, address: IpAddress, deadline: float) -> None:
        self._address = address
        self._deadline = deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("the download deadline passed")
        timeout = left if timeout is None else min(timeout, left)
        stream = self._backend.connect_tcp(str(self._address), port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """An httpx transport that connects to ``address`` (TLS still verifies the URL's host name) by ``deadline``."""

    def __init__(self, address: IpAddress, deadline: float) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=1, network_backend=_PinnedBackend(address, deadline)
        )


def _parse_url(url: Any, name: str) -> tuple[str, int]:
    """``(host, port)`` of an http(s) URL; :class:`InputInvalid` for anything else (never a crash)."""
    problem = f"{name} must be an http(s) URL with a host"
    if not isinstance(url, str) or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise InputInvalid(problem, fields=[name])
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL, UnicodeError):
        raise InputInvalid(f"{problem} ({url[:200]!r} does not parse)", fields=[name]) from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InputInvalid(problem, fields=[name])
    if parts.username is not None or parts.password is not None:
        raise InputInvalid(f"{name} must not carry a user name or password", fields=[name])
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


def load_content(
    attachment: dict[str, Any],
    field: str,
    policy: FetchPolicy,
    transport: httpx.BaseTransport | None = None,
    *,
    resolver: Resolver = system_resolver,
) -> tuple[bytes, str]:
    """The attachment's bytes and content type; :class:`InputInvalid` naming ``field`` when unusable.

    ``transport`` (tests) replaces the network entirely; otherwise the download is pinned to the
    address ``resolver`` returned and checked.
    """
    if attachment.get("data") is not None:
        try:
            content = base64.b64decode(attachment["data"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise InputInvalid(f"{field}.data is not valid base64", fields=[f"{field}.data"]) from None
        if len(content) > policy.max_bytes:
            raise InputInvalid(f"{field}.data is larger than {policy.max_bytes} bytes", fields=[f"{field}.data"])
        return content, attachment.get("content_type") or "application/octet-stream"
    url = attachment.get("data_url")
    name = f"{field}.data_url"
    host, port = _parse_url(url, name)
    deadline = time.monotonic() + policy.timeout_seconds
    if transport is None:
        address = check_host(host, port, name, policy, resolver)
        transport = PinnedTransport(address, deadline)
    elif not policy.allow_private:
        check_host(host, port, name, policy, resolver)
    chunks: list[bytes] = []
    size = 0
    try:
        timeout = httpx.Timeout(policy.timeout_seconds, connect=min(5.0, policy.timeout_seconds))
        with (
            httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream("GET", str(url)) as response,
        ):
            if response.status_code != 200:
                raise InputInvalid(f"{name}: download answered HTTP {response.status_code}", fields=[name])
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise InputInvalid(f"{name}: the file is larger than {policy.max_bytes} bytes", fields=[name])
                if time.monotonic() > deadline:
                    raise InputInvalid(
                        f"{name}: the download took longer than {policy.timeout_seconds:g} s", fields=[name]
                    )
                chunks.append(chunk)
            content_type = attachment.get("content_type") or response.headers.get("content-type", "").split(";")[0]
    except httpx.TimeoutException:
        raise InputInvalid(
            f"{name}: the download took longer than {policy.timeout_seconds:g} s", fields=[name]
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise InputInvalid(f"{name}: download failed ({type(exc).__name__})", fields=[name]) from None
    return b"".join(chunks), content_type or "application/octet-stream"
