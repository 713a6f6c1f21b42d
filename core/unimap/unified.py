"""The unified model and action-input JSON Schemas shipped in ``schemas/``.

Action inputs are checked with :data:`ACTION_FORMATS`: ``format: uri`` is an absolute http(s)
URL with a valid host and no user info (a result link is written into the ATS as a clickable
link, so ``javascript:``, ``data:`` and ``vbscript:`` are refused), and ``format: email`` is one
well-formed ``local@domain.tld`` address (jsonschema's own checks accept ``a@b@c`` and, without
optional packages, any string as a URI).
"""

from __future__ import annotations

import ipaddress
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from unimap.resources import schemas_dir

MODELS = (
    "user",
    "job",
    "candidate",
    "application_stage",
    "application",
    "job_hiring_team_member",
    "tag",
    "rejection_reason",
)
ACTIONS = (
    "create_candidate",
    "create_application",
    "add_application_attachment",
    "add_candidate_attachment",
    "add_application_result_link",
    "add_candidate_result_link",
    "add_candidate_tag",
    "remove_candidate_tag",
    "move_application_stage",
    "reject_application",
    "add_application_note",
)
SPEC_KINDS = ("connector", "model", "action", "read")
#: on-demand reads (``mappings/<connector>/reads/``): vendor calls made when the API is asked, not synced
READS = ("candidate_attachments", "application_attachments", "attachment_download")


_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%\u00a0-\ud7ff\ue000-\U0010ffff]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
MAX_URL_LENGTH = 2048


def _ascii_host(host: str) -> str | None:
    """``host`` as ASCII (IDNA for international names), or None when it is not a valid DNS name."""
    try:
        import idna

        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except ImportError:  # pragma: no cover - idna ships with httpx
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    except (UnicodeError, ValueError, Exception):  # idna.IDNAError and friends
        return None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return ascii_host


def is_web_url(value: object) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a valid host, a valid port and no user info."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return False
    if not _URL_CHARS.fullmatch(value) or _BAD_PERCENT.search(value):
        return False
    try:
        parts = urlsplit(value)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return False
    if parts.netloc.startswith("["):
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return False
        return True
    if re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return True
    labels = host.rstrip(".").split(".")
    return host == "localhost" or (len(labels) >= 2 and _ascii_host(host) is not None)


def is_email(value: object) -> bool:
    """Whether ``value`` is one address ``local@domain.tld`` (dot-atom local part, valid DNS domain)."""
    if not isinstance(value, str) or len(value) > 254 or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _ATEXT.fullmatch(local):
        return False
    ascii_domain = _ascii_host(domain)
    if ascii_domain is None or ascii_domain.endswith("."):
        return False
    labels = ascii_domain.split(".")
    return len(labels) >= 2 and (labels[-1].isalpha() or labels[-1].startswith("xn--"))


def check_base_url(url: object, field: str = "base_url") -> str:
    """``url`` if it is a usable http(s) base URL (also for httpx: IDNA, port); else :class:`InputInvalid`."""
    from unimap.errors import InputInvalid

    if not is_web_url(url):
        raise InputInvalid(
            f"{field}: {str(url)[:200]!r} is not an http(s) URL with a valid host and port", fields=[field]
        )
    try:
        import httpx

        httpx.URL(str(url))
    except Exception:  # httpx.InvalidURL, idna.IDNAError, ...: all mean "not usable"
        raise InputInvalid(
            f"{field}: {str(url)[:200]!r} is not a usable URL (host name or port)", fields=[field]
        ) from None
    return str(url)


def _action_formats() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()
    checker.checkers = dict(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)
    for name, check in (("uri", is_web_url), ("iri", is_web_url), ("email", is_email), ("idn-email", is_email)):
        checker.checkers[name] = (check, ())
    return checker


ACTION_FORMATS = _action_formats()
"""The format checker of action inputs: strict ``uri`` (http/https) and ``email``."""


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def registry() -> Registry:
    """Every shipped schema, addressable by its ``$id`` (so relative ``$ref``s resolve)."""
    resources = []
    for path in sorted(schemas_dir().rglob("*.json")):
        contents = _read(path)
        if "$id" in contents:
            resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def schema(group: str, name: str) -> dict[str, Any]:
    """Schema ``schemas/<group>/<name>.schema.json`` (group: models, actions or spec)."""
    return _read(schemas_dir() / group / f"{name}.schema.json")


@cache
def validator(group: str, name: str) -> jsonschema.protocols.Validator:
    """A draft 2020-12 validator (with format checks; strict ``uri``/``email`` for actions) for one shipped schema."""
    cls = jsonschema.Draft202012Validator
    formats = ACTION_FORMATS if group == "actions" else cls.FORMAT_CHECKER
    return cls(schema(group, name), registry=registry(), format_checker=formats)


@cache
def model_fields(model: str) -> dict[str, dict[str, Any]]:
    """Top-level properties of a unified model: name → its schema node (with x-unimap annotations)."""
    return dict(schema("models", model).get("properties", {}))


def origin(model: str, field: str) -> str:
    """Where ``field`` comes from: ``engine``, ``nested`` or ``mapped``."""
    return str(model_fields(model).get(field, {}).get("x-unimap-origin", "mapped"))


@cache
def required_fields(model: str) -> tuple[str, ...]:
    """Keys every record of ``model`` must carry (present even when null)."""
    return tuple(schema("models", model).get("required", []))
