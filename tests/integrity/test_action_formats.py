"""Item 8: writes are safe — result links are http(s) only, and ``uri``/``email`` formats are enforced."""

from __future__ import annotations

from typing import Any

import pytest

from unimap import unified
from unimap.actions import validation_errors
from unimap.errors import InputInvalid

CAND = {"first_name": "Bo", "last_name": "Ek", "email_address": "bo@example.com"}

BAD_URLS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "vbscript:msgbox(1)",
    "not a url",
    "ftp://files.example/x",
    "file:///etc/passwd",
    "//files.example/x",
    "https://",
    "http://[::1",
    "https://user:pw@bank.example/",
    "https://trusted.example@evil.example/",
    "https://exa mple.com/",
    "https://example.com/\n",
    "https://-bad-.example/",
    "https://ex..ample/",
    "https://example.com:99999/",
    "https://example.com/%zz",
    "https://example.com/\ud800",
    "",
    "x" * 3000,
]
GOOD_URLS = [
    "https://assessments.example/results/8dK3",
    "http://files.example/cv.pdf?sig=a%20b",
    "HTTPS://Example.COM/A?b=c#d",
    "https://münchen.example/ergebnis",
    "http://127.0.0.1:8080/x",
    "https://[::1]/x",  # an IPv6 literal host (loopback: nothing in tests names another address)
]
BAD_EMAILS = [
    "a@b@c",
    "bo-at-example.com",
    "bo@",
    "@example.com",
    "bo@example",
    "bo ek@example.com",
    "bo.@example.com",
    ".bo@example.com",
    "bo..ek@example.com",
    "bo@-x.example",
    "bo@exa_mple.com",
    "bo@example.com\n",
    "<bo@example.com>",
    "bo@example.c0m",
    "x" * 65 + "@example.com",
]
GOOD_EMAILS = [
    "bo@example.com",
    "bo.ek+jobs@acme.example",
    "o'brien@example.ie",
    "bo@münchen.de",
    "bo@xn--mnchen-3ya.de",
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("action", ["add_candidate_result_link", "add_application_result_link"])
def test_a_result_link_that_is_not_http_is_refused(action: str, url: str) -> None:
    problems = validation_errors(action, {"label": "Result", "url": url})
    assert [field for field, _ in problems] == ["url"], problems


@pytest.mark.parametrize("url", GOOD_URLS)
def test_http_result_links_pass(url: str) -> None:
    assert validation_errors("add_candidate_result_link", {"label": "Result", "url": url}) == []


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_a_malformed_email_is_refused_everywhere(email: str) -> None:
    payload: dict[str, Any] = {"job_id": "J1", "candidate": {**CAND, "email_address": email}}
    assert [f for f, _ in validation_errors("create_application", payload)] == ["candidate.email_address"]
    extra = {**CAND, "additional_email_addresses": [{"type": "WORK", "email_address": email}]}
    assert [f for f, _ in validation_errors("create_application", {"job_id": "J1", "candidate": extra})] == [
        "candidate.additional_email_addresses[0].email_address"
    ]


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_well_formed_emails_pass(email: str) -> None:
    assert (
        validation_errors("create_application", {"job_id": "J1", "candidate": {**CAND, "email_address": email}}) == []
    )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "not a url", "data:image/png;base64,AAAA"])
def test_social_links_and_data_urls_are_http_only(url: str) -> None:
    candidate = {**CAND, "social_links": [{"url": url}]}
    assert [f for f, _ in validation_errors("create_application", {"job_id": "J1", "candidate": candidate})] == [
        "candidate.social_links[0].url"
    ]
    attachment = {"name": "cv.pdf", "type": "CV", "data_url": url}
    fields = {f for f, _ in validation_errors("add_candidate_attachment", {"attachment": attachment})}
    assert fields == {"attachment.data_url"}


def test_the_schema_examples_still_pass_the_strict_formats() -> None:
    for action in unified.ACTIONS:
        for example in unified.schema("actions", action).get("examples", []):
            assert validation_errors(action, example) == [], (action, example)


def test_models_keep_the_lenient_checker() -> None:
    """Synced vendor data is not an action input: the strict checker is for action inputs only."""
    assert unified.validator("models", "job").format_checker is not unified.ACTION_FORMATS


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "vbscript:msgbox(1)", "not a url"]
)
def test_an_unsafe_result_link_writes_nothing_to_otys(env: Any, url: str) -> None:
    cand = env.records("candidate")[0]
    with pytest.raises(InputInvalid, match="url") as caught:
        env.run("add_candidate_result_link", {"candidate_id": cand["id"], "label": "Result", "url": url})
    assert caught.value.fields == ["url"]
    assert env.writes() == {}


def test_a_double_at_email_writes_nothing_to_otys(env: Any) -> None:
    with pytest.raises(InputInvalid, match="email_address"):
        env.run("create_application", {"job_id": env.job()["id"], "candidate": {**CAND, "email_address": "a@b@c"}})
    assert env.writes() == {}
