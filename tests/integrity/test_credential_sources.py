"""Item 13: credentials can come from the environment instead of flags."""

from __future__ import annotations

from unimap.credential_sources import env_var, from_environment


def test_the_variable_name_is_derived_from_connector_and_credential() -> None:
    assert env_var("otys", "api_key") == "UNIMAP_OTYS_API_KEY"
    assert env_var("acme-ats", "client.secret") == "UNIMAP_ACME_ATS_CLIENT_SECRET"


def test_only_set_non_empty_variables_are_used() -> None:
    environ = {"UNIMAP_OTYS_API_KEY": " k3y ", "UNIMAP_OTYS_USER": "", "OTHER": "x"}
    assert from_environment("otys", ["api_key", "user", "password"], environ) == {"api_key": "k3y"}
