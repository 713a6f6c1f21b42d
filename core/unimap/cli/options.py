"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from unimap.errors import InputInvalid
from unimap.unified import MODELS

MODEL_ALIASES = {
    **{m: m for m in MODELS},
    "users": "user", "jobs": "job", "candidates": "candidate", "application-stages": "application_stage",
    "application_stages": "application_stage", "applications": "application",
    "job-hiring-team-members": "job_hiring_team_member", "job_hiring_team_members": "job_hiring_team_member",
}


def store_option(func: Any) -> Any:
    """``--store URL`` (default ``$UNIMAP_STORE`` or ``sqlite:///unimap.db``)."""
    return click.option("--store", "store_url", default=lambda: os.environ.get("UNIMAP_STORE", "sqlite:///unimap.db"),
                        show_default="sqlite:///unimap.db", help="Store URL, e.g. sqlite:///path/to/unimap.db.")(func)


def model_name(value: str) -> str:
    """A unified model name from any accepted spelling (``candidates``, ``application-stages``…)."""
    try:
        return MODEL_ALIASES[value]
    except KeyError:
        raise click.BadParameter(f"unknown model {value!r}; choose from {', '.join(sorted(MODEL_ALIASES))}") from None


def parse_settings(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``name=value`` pairs; values are read as JSON when they parse (``true``, ``3``, ``[...]``)."""
    settings: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise InputInvalid(f"--setting expects name=value, got {pair!r}", fields=["setting"])
        try:
            settings[name.strip()] = json.loads(raw)
        except ValueError:
            settings[name.strip()] = raw
    return settings
