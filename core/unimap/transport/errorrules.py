"""Error rules of a spec (``errors: [{status, when, code, message, retry}]``) and message extraction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unimap.errors import ConfigError

__all__ = ["ErrorRule", "extract_message", "match_rule", "parse_rules"]


@dataclass(frozen=True)
class ErrorRule:
    """One rule: when a response matches ``status`` and ``when``, it becomes this error (or a retry)."""

    status: frozenset[int] = frozenset()
    when: Any = None  # Expression over the response view (JSON-RPC: plus ``error``)
    code: str | None = None
    message: Any = None  # Expression giving the error message
    retry: bool = False
    relogin: bool = False

    def matches(self, view: Mapping[str, Any]) -> bool:
        """Whether the response ``view`` matches this rule."""
        if self.status and view.get("status") not in self.status:
            return False
        if self.when is not None:
            try:
                value = self.when.search(dict(view))
            except Exception:  # a rule that cannot be read on this body does not match it
                return False
            return value not in (None, False, "", [], {})
        return bool(self.status)

    def describe(self, view: Mapping[str, Any]) -> str | None:
        """The rule's message for ``view``, if it names one and it evaluates to text."""
        if self.message is None:
            return None
        try:
            value = self.message.search(dict(view))
        except Exception:  # the vendor's own message is used instead (the rule's code still applies)
            return None
        return None if value in (None, "") else str(value)


def parse_rules(config: Any, env: Any) -> list[ErrorRule]:
    """Compile a spec's ``errors`` list (``env`` compiles the expressions)."""
    rules: list[ErrorRule] = []
    for item in config or []:
        if not isinstance(item, Mapping):
            raise ConfigError(f"an error rule must be an object, not {item!r}")
        status = item.get("status")
        statuses = [status] if isinstance(status, int) else list(status or [])
        if not statuses and not item.get("when"):
            raise ConfigError("an error rule needs a `status` or a `when` expression")
        rules.append(
            ErrorRule(
                frozenset(int(s) for s in statuses),
                env.expr(item.get("when")),
                item.get("code"),
                env.expr(item.get("message")),
                bool(item.get("retry", False)),
                bool(item.get("relogin", False)),
            )
        )
    return rules


def match_rule(rules: Iterable[ErrorRule], view: Mapping[str, Any]) -> ErrorRule | None:
    """The first rule ``view`` matches."""
    return next((rule for rule in rules if rule.matches(view)), None)


def extract_message(body: Any) -> str | None:
    """A human message from a vendor error body: ``message``, ``errors[]``, ``error_description``, ``error``."""
    if isinstance(body, str):
        text = body.strip()
        return text[:300] if text else None
    if not isinstance(body, Mapping):
        if isinstance(body, Sequence) and body and not isinstance(body, bytes | bytearray):
            return _from_errors(body)
        return None
    parts: list[str] = []
    message = body.get("message")
    if isinstance(message, str) and message:
        parts.append(message)
    errors = body.get("errors")
    if isinstance(errors, Sequence) and not isinstance(errors, str):
        found = _from_errors(errors)
        if found:
            parts.append(found)
    elif isinstance(errors, Mapping):  # {"field": ["is required"]}
        parts.append(
            "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in errors.items())
        )
    if parts:
        return ": ".join(parts)
    description = body.get("error_description")
    error = body.get("error")
    if isinstance(error, Mapping):
        return extract_message(error)
    if isinstance(description, str) and description:
        return f"{error}: {description}" if isinstance(error, str) and error else description
    if isinstance(error, str) and error:
        return error
    return None


def _from_errors(errors: Sequence[Any]) -> str | None:
    texts: list[str] = []
    for entry in errors:
        if isinstance(entry, str):
            texts.append(entry)
        elif isinstance(entry, Mapping):
            text = entry.get("message") or entry.get("detail") or entry.get("title")
            if text:
                fieldname = entry.get("field")
                texts.append(f"{fieldname}: {text}" if fieldname else str(text))
    return "; ".join(texts) if texts else None
