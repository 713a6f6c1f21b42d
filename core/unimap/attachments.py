"""Attachment content: base64 ``data`` or a ``data_url`` fetched under a safety policy.

``data_url`` downloads are http(s) only, size-capped, time-limited, and by default refuse
hosts that resolve to private, loopback or link-local addresses (``allow_private_urls``
switches that off, e.g. for the sandbox).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from unimap.errors import InputInvalid

MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for downloading ``data_url`` attachments."""

    max_bytes: int = MAX_BYTES
    allow_private: bool = False
    timeout_seconds: float = 20.0

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> FetchPolicy:
        """``allow_private_urls`` and ``max_attachment_bytes`` from integration settings."""
        return cls(int(settings.get("max_attachment_bytes") or MAX_BYTES), bool(settings.get("allow_private_urls")))


def _check_host(host: str, field: str) -> None:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        raise InputInvalid(f"{field}: cannot resolve host {host!r}", fields=[field]) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved \
                or address.is_multicast or address.is_unspecified:
            raise InputInvalid(f"{field}: {host} resolves to a private or local address, which is not allowed "
                               f"(setting allow_private_urls)", fields=[field])


def load_content(attachment: dict[str, Any], field: str, policy: FetchPolicy,
                 transport: httpx.BaseTransport | None = None) -> tuple[bytes, str]:
    """The attachment's bytes and content type; :class:`InputInvalid` naming ``field`` when unusable."""
    if attachment.get("data") is not None:
        try:
            content = base64.b64decode(attachment["data"], validate=True)
        except (binascii.Error, ValueError):
            raise InputInvalid(f"{field}.data is not valid base64", fields=[f"{field}.data"]) from None
        if len(content) > policy.max_bytes:
            raise InputInvalid(f"{field}.data is larger than {policy.max_bytes} bytes", fields=[f"{field}.data"])
        return content, attachment.get("content_type") or "application/octet-stream"
    url = attachment.get("data_url")
    name = f"{field}.data_url"
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputInvalid(f"{name} must be an http(s) URL", fields=[name])
    if not policy.allow_private:
        _check_host(parts.hostname, name)
    chunks: list[bytes] = []
    size = 0
    try:
        timeout = httpx.Timeout(policy.timeout_seconds, connect=min(5.0, policy.timeout_seconds))
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False) as client, \
                client.stream("GET", str(url)) as response:
            if response.status_code != 200:
                raise InputInvalid(f"{name}: download answered HTTP {response.status_code}", fields=[name])
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise InputInvalid(f"{name}: the file is larger than {policy.max_bytes} bytes", fields=[name])
                chunks.append(chunk)
            content_type = attachment.get("content_type") or response.headers.get("content-type", "").split(";")[0]
    except httpx.HTTPError as exc:
        raise InputInvalid(f"{name}: download failed ({type(exc).__name__})", fields=[name]) from None
    return b"".join(chunks), content_type or "application/octet-stream"
