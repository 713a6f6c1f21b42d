"""Named tenant variants: one preset = one plausible answer to every open question of the reference.

A preset is a set of ``SandboxSettings`` overrides. ``resolve(preset, settings)`` builds the
settings a sandbox runs with: the preset's values first, then every field of ``settings`` that
differs from the ``SandboxSettings()`` default (so a test can take a preset and still change
one thing). docs/otys-sandbox.md lists which guess each preset flips.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from .settings import SandboxSettings

#: the choices the sandbox made before presets existed (dates, fields, limits, delete)
TODAY: dict[str, Any] = {"delete_mode": "hard", "generate_extended": False}

#: every unknown answered the other way: zoned UTC dates, no candidate/procedure modified
#: field, silent truncation at 200 rows, MultiService entries counted one by one, GDPR delete
PESSIMISTIC: dict[str, Any] = {
    "timezone": "UTC",
    "datetime_format": "%Y-%m-%dT%H:%M:%S",
    "datetime_offset": True,
    "modified_absent": ("CandidateService", "ProcedureService"),
    "limit_behaviour": "cap",
    "multi_counts_entries": True,
    "delete_mode": "anonymise",
}

PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "today": TODAY,
    "pessimistic": PESSIMISTIC,
    # pessimistic, but candidates and procedures keep a filterable lastModified
    "pessimistic-modified": {**PESSIMISTIC, "modified_absent": ()},
    # one flip each
    "utc-naive": {"timezone": "UTC"},
    "zoned": {"datetime_format": "%Y-%m-%dT%H:%M:%S", "datetime_offset": True},
    "no-modified": {"modified_absent": ("CandidateService", "ProcedureService")},
    "truncate": {"limit_behaviour": "cap"},
    "multi-per-entry": {"multi_counts_entries": True},
    "hard-delete": {"delete_mode": "hard"},
}


def preset_names() -> list[str]:
    """Every preset name."""
    return sorted(PRESETS)


def preset(name: str, **overrides: Any) -> SandboxSettings:
    """The settings of preset ``name`` with ``overrides`` applied (``KeyError`` for an unknown name)."""
    if name not in PRESETS:
        raise KeyError(f"unknown OTYS sandbox preset {name!r}; known: {', '.join(preset_names())}")
    return SandboxSettings(**{**PRESETS[name], **overrides})


def resolve(name: str | None, settings: SandboxSettings | None) -> SandboxSettings:
    """Settings for a sandbox: preset ``name`` (None = ``default``) overlaid with ``settings``' own choices."""
    if settings is None:
        return preset(name or "default")
    if name is None:
        return replace(settings)
    base = preset(name)
    default = SandboxSettings()
    changed = {
        f.name: getattr(settings, f.name)
        for f in fields(SandboxSettings)
        if getattr(settings, f.name) != getattr(default, f.name)
    }
    return replace(base, **changed)
