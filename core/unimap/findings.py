"""Findings: what the spec loader and ``unimap lint`` report, each at a ``file:line:col``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from unimap.errors import Location


class Severity(IntEnum):
    """How bad a finding is; ``--fail-severity`` compares against these."""

    HINT = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"error"`` → ``Severity.ERROR`` (case-insensitive)."""
        return cls[text.upper()]

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Rule:
    """A lint rule: a stable code, a slug, its default severity and what it checks."""

    code: str
    name: str
    severity: Severity
    summary: str


@dataclass(frozen=True)
class Finding:
    """One problem in one spec file."""

    rule: Rule
    message: str
    location: Location
    path: tuple[str | int, ...] = ()
    suggestion: str | None = None
    severity: Severity | None = None

    @property
    def level(self) -> Severity:
        """The finding's severity (the rule's unless overridden)."""
        return self.severity if self.severity is not None else self.rule.severity

    @property
    def text(self) -> str:
        """The message with its "did you mean" suggestion."""
        return f"{self.message}; did you mean {self.suggestion!r}?" if self.suggestion else self.message

    def __str__(self) -> str:
        return f"{self.location}: {self.level} {self.rule.code} {self.text}"


@dataclass
class Findings:
    """An ordered collection of findings."""

    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule: Rule,
        message: str,
        location: Location,
        path: tuple[str | int, ...] = (),
        suggestion: str | None = None,
    ) -> None:
        """Record a finding."""
        self.items.append(Finding(rule, message, location, tuple(path), suggestion))

    def extend(self, other: Iterable[Finding]) -> None:
        """Record several findings."""
        self.items.extend(other)

    def errors(self) -> list[Finding]:
        """Findings of severity error."""
        return [f for f in self.items if f.level >= Severity.ERROR]

    def sorted(self) -> list[Finding]:
        """Findings by file, line, column."""
        return sorted(self.items, key=lambda f: (f.location.file, f.location.line, f.location.column, f.rule.code))


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelled ``name``, if one is close enough."""
    matches = difflib.get_close_matches(str(name), sorted({str(c) for c in candidates}), n=1, cutoff=0.6)
    return matches[0] if matches else None
