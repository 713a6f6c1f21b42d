"""Which receiver URLs unimap may POST to: public addresses only, unless the operator allows more.

``UNIMAP_WEBHOOK_ALLOW`` lists extra addresses and networks, comma-separated
(``127.0.0.1,10.0.0.0/8,::1``), or ``private`` for every address. The host is resolved and
*every* address must be public (the SSRF rules of :mod:`unimap.attachments`) or allowed — at
registration and again at each delivery, which then connects to the address it checked (a DNS
answer that changes in between cannot redirect it).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from unimap.attachments import IpAddress, Resolver, _parse_url, _resolve, is_public, system_resolver
from unimap.errors import ConfigError, InputInvalid

ALLOW_VAR = "UNIMAP_WEBHOOK_ALLOW"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allow(text: str, source: str = ALLOW_VAR) -> tuple[bool, tuple[Network, ...]]:
    """``(every address allowed, extra networks)`` of an allow-list such as ``127.0.0.1,10.0.0.0/8``."""
    everything = False
    networks: list[Network] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item.lower() == "private":
            everything = True
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"{source}: {item!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8, or `private`)"
            ) from None
    return everything, tuple(networks)


@dataclass(frozen=True)
class UrlPolicy:
    """The receivers unimap may call."""

    allow_everything: bool = False
    allowed: tuple[Network, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> UrlPolicy:
        """The policy ``UNIMAP_WEBHOOK_ALLOW`` sets (nothing extra when unset)."""
        everything, networks = parse_allow((os.environ if environ is None else environ).get(ALLOW_VAR, ""))
        return cls(everything, networks)

    def permits(self, address: IpAddress) -> bool:
        """Whether unimap may connect to ``address``."""
        return self.allow_everything or is_public(address) or any(address in n for n in self.allowed)

    def check(self, url: str, field_name: str = "url") -> IpAddress:
        """The address to connect to for ``url``; :class:`InputInvalid` when it is not an allowed http(s) URL."""
        host, port = _parse_url(url, field_name)
        if urlsplit(url).fragment:
            raise InputInvalid(f"{field_name} must not have a fragment", fields=[field_name])
        addresses = _resolve(host, port, field_name, self.resolver)
        for address in addresses:
            if not self.permits(address):
                where = f"{host} is" if host.strip("[]") == str(address) else f"{host} resolves to {address},"
                raise InputInvalid(
                    f"{field_name}: {where} a private or local address; unimap only calls "
                    f"public addresses unless {ALLOW_VAR} allows it (e.g. {ALLOW_VAR}={address})",
                    fields=[field_name],
                )
        return addresses[0]


def safe_url(url: str) -> str:
    """``url`` without its query and user info (which may carry tokens), for logs and listings' errors."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}" + ("?…" if parts.query else "")
