"""One formatter of JSON Schema errors: the most relevant error of each problem, as (path, message).

Used for spec files (with file:line:col), action inputs (Kombo field paths) and mapped records
(the field a record fails on). ``oneOf``/``anyOf`` failures are replaced by jsonschema's
``best_match`` of their branches, so the message names the key that is wrong, not the union.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

__all__ = ["Problem", "field_path", "first_problem", "problems"]

MAX_MESSAGE = 300


@dataclass(frozen=True)
class Problem:
    """One schema problem: where (a path into the instance), what, and the error it came from."""

    path: tuple[Any, ...]
    message: str
    kind: str  # the failing keyword: "required", "additionalProperties", "enum", "type", …
    error: ValidationError

    @property
    def missing(self) -> str | None:
        """For ``required``: the missing key."""
        if self.kind == "required" and "'" in self.error.message:
            return self.error.message.split("'")[1]
        return None

    @property
    def unknown(self) -> list[str]:
        """For ``additionalProperties``: the keys the schema does not allow."""
        if self.kind != "additionalProperties" or not isinstance(self.error.instance, dict):
            return []
        allowed = set(self.error.schema.get("properties", {}))
        return [key for key in self.error.instance if key not in allowed]


def _chosen(error: ValidationError) -> ValidationError:
    if error.validator in ("oneOf", "anyOf") and error.context:
        match = best_match(error.context)
        if match is not None:
            return _chosen(match)
    return error


def _message(error: ValidationError) -> str:
    if error.validator == "not" and isinstance(error.schema, dict) and error.schema.get("title"):
        return str(error.schema["title"])
    if error.validator in ("enum", "const"):
        options = error.validator_value if error.validator == "enum" else [error.validator_value]
        return f"{error.instance!r} is not one of {', '.join(repr(o) for o in options)}"
    text = error.message
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def problems(errors: Iterable[ValidationError]) -> Iterator[Problem]:
    """Each error as a :class:`Problem` (unions narrowed to their best branch)."""
    for error in errors:
        chosen = _chosen(error)
        yield Problem(tuple(chosen.absolute_path), _message(chosen), str(chosen.validator), chosen)


def first_problem(errors: Iterable[ValidationError]) -> Problem | None:
    """The most relevant problem of ``errors`` (``None`` when there is none)."""
    error = best_match(errors)
    return next(problems([error])) if error is not None else None


def field_path(problem: Problem) -> str:
    """A Kombo-style field path: ``candidate.email_address``, ``attachments[0].data``; ``(body)`` for the root."""
    parts = [str(p) if isinstance(p, str) else f"[{p}]" for p in problem.path]
    text = ".".join(parts).replace(".[", "[")
    missing = problem.missing
    if missing:
        text = f"{text}.{missing}" if text else missing
    return text or "(body)"
