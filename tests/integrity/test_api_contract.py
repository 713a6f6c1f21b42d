"""Items 12 and 14 over HTTP: Kombo's not-available envelopes, and no input ever answers HTTP 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api.conftest import Live

from unimap.jsoninput import parse_json

ENVELOPE_KEYS = {"code", "title", "message", "log_url"}


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/ats/interviews", "INTEGRATION.MODEL_NOT_AVAILABLE"),
        ("GET", "/ats/candidates/C1/attachments", "INTEGRATION.MODEL_NOT_AVAILABLE"),
        ("GET", "/ats/applications/A1/attachments", "INTEGRATION.MODEL_NOT_AVAILABLE"),
        ("POST", "/ats/import-tracked-application", "INTEGRATION.ACTION_NOT_AVAILABLE"),
        ("GET", "/ats/actions/ats_create_application", "INTEGRATION.ACTION_NOT_AVAILABLE"),
    ],
)
def test_kombo_endpoints_unimap_does_not_serve_answer_not_available(
    live: Live, method: str, path: str, code: str
) -> None:
    with live.http() as http:
        response = http.request(method, path, json={} if method != "GET" else None)
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == "error" and set(body["error"]) == ENVELOPE_KEYS
    assert body["error"]["code"] == code
    assert path.split("/")[2] in body["error"]["message"] or "not available" in body["error"]["message"]


def test_an_unknown_path_stays_a_plain_404(live: Live) -> None:
    with live.http() as http:
        response = http.get("/ats/jobz")
    assert response.status_code == 404
    assert response.json()["error"]["code"] is None


def test_served_endpoints_are_unchanged(live: Live) -> None:
    with live.http() as http:
        response = http.post("/ats/candidates/C1/attachments", json={})
    assert response.status_code == 400  # the served POST validates its body


# -- no input answers HTTP 500 -------------------------------------------------------------------------

CAND = {"first_name": "Bo", "last_name": "Ek", "email_address": "bo@example.com"}
NASTY_BODIES: list[bytes] = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    json.dumps({"candidate": {**CAND, "first_name": "\ud800"}, "job_id": "remote:1"}).encode(),
    b'{"job_id": "remote:1", "candidate": {"first_name": "\\udc00", "last_name": "x", "email_address": "a@b.co"}}',
    b'{"\\ud800": 1}',
    b"\xff\xfe\x00{",
    b'{"job_id": 1e400}',
    b'{"job_id": NaN}',
    b'{"job_id": Infinity}',
    b'{"job_id": "' + b"9" * 5000 + b'"}',
    b'{"job_id": ' + b"9" * 5000 + b"}",
    b"null",
    b"[]",
    b'"x"',
    b"{",
    b"",
]
PATHS = [
    "/ats/jobs/remote:1/applications",
    "/ats/candidates",
    "/ats/candidates/C1/result-links",
    "/ats/applications/A1/attachments",
    "/passthrough/otys/json-rpc",
]


@pytest.mark.parametrize("body", NASTY_BODIES, ids=range(len(NASTY_BODIES)))
def test_nasty_bodies_are_input_errors_not_server_errors(live: Live, body: bytes) -> None:
    with live.http() as http:
        for path in PATHS:
            response = http.post(path, content=body, headers={"content-type": "application/json"})
            assert response.status_code < 500, (path, response.status_code, response.text[:300])
            assert response.json()["status"] == "error", (path, response.text[:300])


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "eyJhZnRlciI6IDFlNDAwfQ"},  # {"after": 1e400}
        {"cursor": "eyJhZnRlciI6ICJtYW55In0"},  # {"after": "many"}
        "cursor=%ED%B3%BF",
        "cursor=%FF%FE",
        {"cursor": "%ZZ"},
        {"page_size": "1e400"},
        {"page_size": "-1"},
        {"updated_after": "2024-13-45T99:99:99Z"},
        {"updated_after": "\x00"},
        {"ids": "," * 5000},
        {"remote_ids": "a" * 10_000},
        "ids=%00",
        "page_size=%F0%9F%92%A9",
    ],
)
@pytest.mark.parametrize("endpoint", ["/ats/jobs", "/ats/candidates", "/ats/applications", "/ats/users"])
def test_nasty_list_queries_are_input_errors(live: Live, query: dict[str, str] | str, endpoint: str) -> None:
    with live.http() as http:
        response = http.get(f"{endpoint}?{query}") if isinstance(query, str) else http.get(endpoint, params=query)
    assert response.status_code < 500, (response.status_code, response.text[:300])


def _fuzz_payloads() -> list[tuple[str, Any]]:
    """450 malformed action payloads: every action × wrong types, bad formats, nesting, odd strings."""
    odd: list[Any] = [
        None,
        True,
        0,
        -1,
        1.5,
        10**30,
        "",
        " ",
        "\ud800",
        "a" * 10_000,
        [],
        {},
        [[[[]]]],
        {"x": {"y": {"z": {}}}},
        "javascript:alert(1)",
        "a@b@c",
        "http://[::1",
        "remote:",
        "1e400",
    ]
    base: dict[str, dict[str, Any]] = {
        "create_application": {"job_id": "remote:1", "candidate": dict(CAND)},
        "create_candidate": {"candidate": dict(CAND), "application": {"job_id": "remote:1"}},
        "add_candidate_result_link": {"candidate_id": "C1", "label": "L", "url": "https://r.example/1"},
        "add_application_result_link": {"application_id": "A1", "label": "L", "url": "https://r.example/1"},
        "add_candidate_attachment": {
            "candidate_id": "C1",
            "attachment": {"name": "a.pdf", "type": "CV", "content_type": "application/pdf", "data": "JVBERg=="},
        },
        "add_application_attachment": {
            "application_id": "A1",
            "attachment": {"name": "a.pdf", "type": "CV", "content_type": "application/pdf", "data": "JVBERg=="},
        },
    }
    cases: list[tuple[str, Any]] = []
    for action, payload in base.items():
        for key in payload:
            for value in odd:
                cases.append((action, {**payload, key: value}))
        nested = next((k for k, v in payload.items() if isinstance(v, dict)), None)
        if nested:
            for inner in payload[nested]:
                for value in odd[:12]:
                    cases.append((action, {**payload, nested: {**payload[nested], inner: value}}))
        cases += [(action, {**payload, "unknown_key": 1}), (action, [payload]), (action, {})]
    return cases[:450]


FUZZ = _fuzz_payloads()


def test_the_fuzz_corpus_has_450_payloads() -> None:
    assert len(FUZZ) == 450


ACTION_URLS = {
    "create_application": "/ats/jobs/remote:1/applications",
    "create_candidate": "/ats/candidates",
    "add_candidate_result_link": "/ats/candidates/C1/result-links",
    "add_application_result_link": "/ats/applications/A1/result-links",
    "add_candidate_attachment": "/ats/candidates/C1/attachments",
    "add_application_attachment": "/ats/applications/A1/attachments",
}


def test_450_malformed_payloads_over_http_give_no_server_error(live: Live) -> None:
    failures = []
    with live.http() as http:
        for action, payload in FUZZ:
            body = (
                {k: v for k, v in payload.items() if k not in ("candidate_id", "application_id")}
                if isinstance(payload, dict)
                else payload
            )
            raw = json.dumps(body).encode()
            response = http.post(ACTION_URLS[action], content=raw, headers={"content-type": "application/json"})
            if response.status_code >= 500:
                failures.append((action, raw[:200], response.status_code, response.text[:200]))
    assert failures == []


def test_450_malformed_payloads_through_the_service_raise_only_unimap_errors(live: Live) -> None:
    """The CLI's `unimap action` calls this; an error other than UnimapError would print "internal error"."""
    from unimap.errors import UnimapError

    failures = []
    for action, payload in FUZZ:
        try:
            live.service.action(action, parse_json(json.dumps(payload), "input file"), "otys:A")
        except UnimapError:
            continue
        except Exception as exc:
            failures.append((action, str(payload)[:200], f"{type(exc).__name__}: {exc}"[:200]))
    assert failures == []
