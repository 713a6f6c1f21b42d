"""Result links: an HTML document on the candidate whose description holds the URL."""

from __future__ import annotations

from typing import Any

from .conftest import Env

LINK = {
    "label": "Assessment <Result>",
    "url": "https://tests.example/results/5BtP?a=1&b=2",
    "details": {
        "custom_field_name_prefix": "Acme:",
        "attributes": [{"key": "Score", "value": "100%"}, {"key": "Time", "value": "2:30h"}],
    },
}


def html_docs(env: Env, candidate_uid: str) -> list[dict[str, Any]]:
    return [d for d in env.documents(candidate_uid) if d["mimeType"] == "text/html"]


def test_application_result_link(env: Env) -> None:
    application = env.records("application")[0]
    cand_uid = env.sb.tenant.get("ProcedureService", application["remote_id"])["candidateUid"]
    result = env.run("add_application_result_link", {"application_id": application["id"], **LINK})
    assert result.envelope() == {"status": "success", "data": {}, "warnings": []}

    [doc] = html_docs(env, cand_uid)
    assert doc["subject"] == "Assessment <Result>.html"
    assert doc["applicationUid"] == application["remote_id"]
    assert doc["typeId"] == "201"
    assert doc["description"] == "Assessment <Result>: https://tests.example/results/5BtP?a=1&b=2"
    page = env.content(doc).decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "<h1>Assessment &lt;Result&gt;</h1>" in page  # the label is escaped, not markup
    assert 'href="https://tests.example/results/5BtP?a=1&amp;b=2"' in page
    assert "<th>Acme:Score</th><td>100%</td>" in page and "<th>Acme:Time</th><td>2:30h</td>" in page


def test_candidate_result_link_without_details(env: Env) -> None:
    cand = env.records("candidate")[0]
    env.run(
        "add_candidate_result_link",
        {"candidate_id": cand["id"], "label": "Video interview", "url": "https://tests.example/v/1"},
    )
    [doc] = html_docs(env, cand["remote_id"])
    assert (doc["subject"], doc["applicationUid"]) == ("Video interview.html", None)
    assert doc["description"] == "Video interview: https://tests.example/v/1"
    page = env.content(doc).decode()
    assert "<table>" not in page and 'href="https://tests.example/v/1"' in page


def test_same_link_twice_is_placed_once_and_a_new_url_is_a_new_document(env: Env) -> None:
    cand = env.records("candidate")[0]
    link = {"candidate_id": cand["id"], "label": "Result", "url": "https://tests.example/r/1"}
    env.run("add_candidate_result_link", link)
    env.run("add_candidate_result_link", link)
    assert len(html_docs(env, cand["remote_id"])) == 1
    env.run("add_candidate_result_link", {**link, "url": "https://tests.example/r/22"})
    assert sorted(d["description"] for d in html_docs(env, cand["remote_id"])) == [
        "Result: https://tests.example/r/1",
        "Result: https://tests.example/r/22",
    ]


def test_result_link_document_type_setting(env: Env) -> None:
    env.configure(result_link_document_type="202")
    cand = env.records("candidate")[0]
    env.run("add_candidate_result_link", {"candidate_id": cand["id"], "label": "R", "url": "https://tests.example/r"})
    [doc] = html_docs(env, cand["remote_id"])
    assert doc["typeId"] == "202"
