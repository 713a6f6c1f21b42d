"""Vendor webhooks in: verify the vendor's signature, map its event to unified models, sync those.

A connector declares them in ``connector.yaml``::

    webhooks:
      signature: {type: hmac_sha256, header: Signature, prefix: "sha256 "}
      event: action                      # JMESPath over the JSON body: the event name
      events:                            # event name → the unified models it changes
        update_candidate: [candidate]
        candidate_stage_change: [application]

The ``signature`` is a typed ``webhook_signature`` component (registered like every other
component, so plugins add schemes): ``hmac_sha256`` checks an HMAC of the raw body sent in a
header; ``token`` compares a shared token sent in the URL's query (for vendors that do not
sign). The secret is the integration's inbound secret (``unimap webhooks inbound``).
"""

from __future__ import annotations

import hashlib
import hmac
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from unimap.errors import ConfigError
from unimap.registry import BuildEnv, obj

CATEGORY = "webhook_signature"
_COMPILED: weakref.WeakKeyDictionary[Any, dict[str, InboundSpec | None]] = weakref.WeakKeyDictionary()


class Signature:
    """A signature scheme: whether a request is authentic, and the URL to give the vendor."""

    def verify(self, secret: str, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> bool:
        """Whether the request was made by someone who knows ``secret``."""
        raise NotImplementedError

    def target_url(self, url: str, secret: str) -> str:
        """The URL to register with the vendor (the endpoint, plus what the scheme needs)."""
        return url

    def vendor_secret(self, secret: str) -> str | None:
        """The secret to give the vendor (``None`` when the URL carries it)."""
        return secret


@dataclass(frozen=True)
class HmacSha256(Signature):
    """``<header>: <prefix><hex HMAC-SHA256(secret, raw body)>``."""

    header: str
    prefix: str = ""

    def verify(self, secret: str, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> bool:
        given = headers.get(self.header.lower()) or ""
        if not given.startswith(self.prefix):
            return False
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given[len(self.prefix) :].strip().lower(), expected)


@dataclass(frozen=True)
class Token(Signature):
    """A shared token in the URL's query (``?token=…``), compared in constant time."""

    param: str = "token"

    def verify(self, secret: str, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> bool:
        return hmac.compare_digest((query.get(self.param) or "").encode(), secret.encode())

    def target_url(self, url: str, secret: str) -> str:
        return f"{url}{'&' if '?' in url else '?'}{self.param}={quote(secret, safe='')}"

    def vendor_secret(self, secret: str) -> str | None:
        return None


def register_signature_components(register: Callable[..., None]) -> None:
    """Register the built-in ``webhook_signature`` types ``hmac_sha256`` and ``token``."""
    text = {"type": "string", "minLength": 1}
    register(
        CATEGORY,
        "hmac_sha256",
        obj(
            "HMAC-SHA256 signature",
            "The vendor signs the raw body with HMAC-SHA256 and the shared secret, hex in a header.",
            [{"type": "hmac_sha256", "header": "Signature", "prefix": "sha256 "}],
            {
                "type": {"type": "string"},
                "header": {
                    **text,
                    "title": "Header",
                    "description": "The request header carrying the signature.",
                    "examples": ["Signature"],
                },
                "prefix": {
                    "type": "string",
                    "title": "Prefix",
                    "description": "Text before the hex digest in the header.",
                    "examples": ["sha256 ", "sha256="],
                },
            },
            required=["header"],
        ),
        lambda config, **env: HmacSha256(str(config["header"]), str(config.get("prefix") or "")),
        summary="HMAC-SHA256 of the raw body in a header.",
    )
    register(
        CATEGORY,
        "token",
        obj(
            "Shared token",
            "For vendors that do not sign: the webhook URL given to the vendor carries the secret "
            "as a query parameter, compared in constant time.",
            [{"type": "token", "param": "token"}],
            {
                "type": {"type": "string"},
                "param": {
                    **text,
                    "title": "Query parameter",
                    "description": "The query parameter carrying the token.",
                    "examples": ["token"],
                },
            },
        ),
        lambda config, **env: Token(str(config.get("param") or "token")),
        summary="A shared token in the webhook URL's query.",
    )


@dataclass(frozen=True)
class InboundSpec:
    """A connector's ``webhooks:`` section, compiled."""

    signature: Signature
    event: Any  # a compiled expression over the body
    events: dict[str, list[str]]

    def models(self, body: Any) -> tuple[str | None, list[str]]:
        """``(event name, unified models it changes)`` of a decoded webhook body (unknown event: no models)."""
        name = self.event.search(body) if self.event is not None else None
        if not isinstance(name, str):
            return None, []
        return name, list(self.events.get(name, []))


def inbound_spec(engine: Any, connector: str) -> InboundSpec | None:
    """The compiled ``webhooks:`` section of ``connector`` (``None`` when it has none)."""
    cache = _COMPILED.setdefault(engine, {})
    if connector in cache:
        return cache[connector]
    specs = engine.connector(connector)
    section = specs.data.get("webhooks")
    spec = None
    if section:
        env = BuildEnv(engine.functions, engine.hook, engine.components)
        events = {str(k): [str(m) for m in v] for k, v in (section.get("events") or {}).items()}
        for name, models in events.items():
            unknown = [m for m in models if m not in specs.models]
            if unknown:
                raise ConfigError(
                    f"connector {connector!r}: webhooks.events.{name}: {', '.join(unknown)} is not a model of this "
                    f"connector (models: {', '.join(sorted(specs.models))})"
                )
        spec = InboundSpec(env.build(CATEGORY, section["signature"]), env.expr(section.get("event")), events)
    cache[connector] = spec
    return spec


def decode_body(body: bytes) -> Any:
    """The JSON body of a vendor webhook (``None`` when it is not JSON)."""
    try:
        return orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        return None
