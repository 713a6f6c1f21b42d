"""Attachments: single-attachment actions, type mapping, data_url downloads, retries and retry-attachments."""

from __future__ import annotations

from typing import Any

import pytest

from unimap.errors import InputInvalid

from .conftest import LETTER, NOTES, PDF, Env, FileServer, attachment

FILES = {"Resume.pdf": PDF, "Letter.txt": LETTER, "Notes.txt": NOTES}
THREE = [
    attachment("Resume.pdf", "CV", PDF),
    attachment("Letter.txt", "COVER_LETTER", LETTER, "text/plain"),
    attachment("Notes.txt", "OTHER", NOTES, "text/plain"),
]


def apply(env: Env, email: str = "att@example.com", attachments: list[dict[str, Any]] = THREE) -> Any:
    return env.run(
        "create_application",
        {
            "job_id": env.job()["id"],
            "attachments": attachments,
            "candidate": {"first_name": "Ann", "last_name": "Tachment", "email_address": email},
        },
    )


def only_candidate(env: Env, email: str = "att@example.com") -> dict[str, Any]:
    [cand] = env.candidates_by_email(email)
    return cand


def assert_each_once(env: Env, cand: dict[str, Any], application_uid: str | None) -> None:
    docs = env.documents(cand["uid"])
    assert sorted(d["subject"] for d in docs) == sorted(FILES)
    for doc in docs:
        assert env.content(doc) == FILES[doc["subject"]]
        assert doc["applicationUid"] == application_uid


# -- the single-attachment actions ------------------------------------------------------------------


def test_add_candidate_attachment(env: Env) -> None:
    cand = env.records("candidate")[0]
    before = env.documents(cand["remote_id"])
    result = env.run(
        "add_candidate_attachment", {"candidate_id": cand["id"], "attachment": attachment("Resume.pdf", "CV", PDF)}
    )
    assert result.data == {} and result.warnings == []
    assert result.envelope() == {"status": "success", "data": {}, "warnings": []}
    [doc] = [d for d in env.documents(cand["remote_id"]) if d not in before]
    assert (doc["subject"], doc["typeId"], doc["type"], doc["applicationUid"]) == ("Resume.pdf", "1", "CV", None)
    assert env.content(doc) == PDF
    assert doc["fileName"] == "Resume.pdf" and doc["mimeType"] == "application/pdf"


def test_add_application_attachment(env: Env) -> None:
    application = env.records("application")[0]
    proc = env.sb.tenant.get("ProcedureService", application["remote_id"])
    result = env.run(
        "add_application_attachment",
        {
            "application_id": application["id"],
            "attachment": attachment("Letter.txt", "COVER_LETTER", LETTER, "text/plain"),
        },
    )
    assert result.data == {}
    [doc] = [d for d in env.documents(proc["candidateUid"]) if d["subject"] == "Letter.txt"]
    assert (doc["typeId"], doc["applicationUid"]) == ("202", application["remote_id"])
    assert env.content(doc) == LETTER


def test_attachment_by_remote_id(env: Env) -> None:
    uid = env.sb.tenant.uids("CandidateService")[3]
    env.run(
        "add_candidate_attachment",
        {"candidate_id": f"remote:{uid}", "attachment": attachment("Notes.txt", "OTHER", NOTES, "text/plain")},
    )
    assert [d["typeId"] for d in env.documents(uid) if d["subject"] == "Notes.txt"] == ["201"]


def test_non_ascii_file_name_is_the_subject(env: Env) -> None:
    cand = env.records("candidate")[0]
    env.run(
        "add_candidate_attachment",
        {"candidate_id": cand["id"], "attachment": attachment("Cv Jörg Müller–Ñ.pdf", "CV", PDF)},
    )
    [doc] = [d for d in env.documents(cand["remote_id"]) if d["subject"].startswith("Cv ")]
    assert doc["subject"] == "Cv Jörg Müller–Ñ.pdf"
    assert env.content(doc) == PDF


def test_document_types_setting_maps_types(env: Env) -> None:
    env.configure(document_types={"CV": "201", "COVER_LETTER": "1", "OTHER": "202"})
    cand = env.records("candidate")[0]
    for item in THREE:
        env.run("add_candidate_attachment", {"candidate_id": cand["id"], "attachment": item})
    types = {d["subject"]: d["typeId"] for d in env.documents(cand["remote_id"]) if d["subject"] in FILES}
    assert types == {"Resume.pdf": "201", "Letter.txt": "1", "Notes.txt": "202"}


def test_same_attachment_twice_is_attached_once(env: Env) -> None:
    cand = env.records("candidate")[0]
    for _ in range(2):
        env.run("add_candidate_attachment", {"candidate_id": cand["id"], "attachment": attachment("CV.pdf", "CV", PDF)})
    assert [d["subject"] for d in env.documents(cand["remote_id"])].count("CV.pdf") == 1
    assert env.sb.stats.count("fileService.php") == 1
    # a different file under the same name is a new document
    env.run(
        "add_candidate_attachment", {"candidate_id": cand["id"], "attachment": attachment("CV.pdf", "CV", PDF + b"v2")}
    )
    assert [d["subject"] for d in env.documents(cand["remote_id"])].count("CV.pdf") == 2


def test_data_without_content_type_is_refused(env: Env) -> None:
    """Kombo requires content_type with base64 data (only a data_url may leave it to the download)."""
    cand = env.records("candidate")[0]
    item = attachment("blob.bin", "OTHER", NOTES)
    del item["content_type"]
    with pytest.raises(InputInvalid, match="content_type"):
        env.run("add_candidate_attachment", {"candidate_id": cand["id"], "attachment": item})
    assert env.writes() == {}


# -- data_url ----------------------------------------------------------------------------------------


def test_data_url_is_downloaded_when_private_urls_are_allowed(env: Env, file_server: FileServer) -> None:
    env.configure(allow_private_urls=True)
    url = file_server.add("/files/resume.pdf?sig=abc", PDF, "application/pdf; charset=binary")
    cand = env.records("candidate")[0]
    env.run(
        "add_candidate_attachment",
        {"candidate_id": cand["id"], "attachment": {"name": "Resume.pdf", "type": "CV", "data_url": url}},
    )
    [doc] = [d for d in env.documents(cand["remote_id"]) if d["subject"] == "Resume.pdf"]
    assert env.content(doc) == PDF
    assert doc["mimeType"] == "application/pdf"  # from the download's Content-Type
    assert file_server.hits == {"/files/resume.pdf?sig=abc": 1}


def test_data_url_given_content_type_wins(env: Env, file_server: FileServer) -> None:
    env.configure(allow_private_urls=True)
    url = file_server.add("/letter", LETTER, "application/octet-stream")
    cand = env.records("candidate")[0]
    env.run(
        "add_candidate_attachment",
        {
            "candidate_id": cand["id"],
            "attachment": {"name": "Letter.txt", "type": "COVER_LETTER", "content_type": "text/plain", "data_url": url},
        },
    )
    [doc] = [d for d in env.documents(cand["remote_id"]) if d["subject"] == "Letter.txt"]
    assert (doc["mimeType"], env.content(doc)) == ("text/plain", LETTER)


def test_data_url_to_a_local_address_is_refused_by_default(env: Env, file_server: FileServer) -> None:
    url = file_server.add("/resume.pdf", PDF)
    with pytest.raises(InputInvalid, match="allow_private_urls") as caught:
        apply(env, attachments=[{"name": "Resume.pdf", "type": "CV", "data_url": url}])
    assert caught.value.fields == ["attachments[0].data_url"]
    assert file_server.hits == {}
    assert env.writes() == {}
    assert env.candidates_by_email("att@example.com") == []


def test_data_url_localhost_name_is_refused_by_default(env: Env, file_server: FileServer) -> None:
    url = file_server.add("/resume.pdf", PDF).replace("127.0.0.1", "localhost")
    with pytest.raises(InputInvalid, match="private or local"):
        apply(env, attachments=[{"name": "Resume.pdf", "type": "CV", "data_url": url}])
    assert file_server.hits == {}
    assert env.writes() == {}


@pytest.mark.parametrize("status", [404, 302])
def test_data_url_that_does_not_answer_200_is_refused(env: Env, file_server: FileServer, status: int) -> None:
    env.configure(allow_private_urls=True)
    url = file_server.add("/gone", b"", status=status)
    with pytest.raises(InputInvalid, match=f"HTTP {status}") as caught:
        apply(
            env,
            attachments=[attachment("Resume.pdf", "CV", PDF), {"name": "Gone.pdf", "type": "OTHER", "data_url": url}],
        )
    assert caught.value.fields == ["attachments[1].data_url"]
    assert env.writes() == {}


def test_data_url_larger_than_the_cap_is_refused(env: Env, file_server: FileServer) -> None:
    env.configure(allow_private_urls=True, max_attachment_bytes=16)
    url = file_server.add("/big", b"x" * 17)
    with pytest.raises(InputInvalid, match="larger than 16 bytes"):
        apply(env, attachments=[{"name": "Big.pdf", "type": "CV", "data_url": url}])
    assert env.writes() == {}


@pytest.mark.parametrize("url", ["ftp://files.example/cv.pdf", "file:///etc/passwd"])
def test_data_url_must_be_http(env: Env, url: str) -> None:
    with pytest.raises(InputInvalid, match="data_url"):
        apply(env, attachments=[{"name": "x.pdf", "type": "CV", "data_url": url}])
    assert env.writes() == {}


# -- retries inside one action ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "503", "error"])
def test_uploads_failing_twice_then_succeeding(env: Env, kind: str) -> None:
    """HTTP 5xx is retried by the client, an RPC error by the runner's attachment set; no duplicates either way."""
    env.sb.fail_next("fileService", 2, kind)
    candidates_before = env.sb.tenant.count("CandidateService")
    result = apply(env)
    assert result.warnings == []
    assert env.sb.stats.faults[kind] == 2
    assert env.sb.stats.count("fileService.php") == len(FILES) + 2
    assert env.sb.tenant.count("CandidateService") == candidates_before + 1
    cand = only_candidate(env)
    [procedure] = env.procedures(cand["uid"])
    assert_each_once(env, cand, procedure["uid"])
    assert env.sb.stats.count("AttachedDocumentsService.add") == len(FILES)
    assert env.sleeps  # it backed off between attempts (without really sleeping)
    assert env.um.store.pending_attachments(env.integration_id) == []


def test_attach_call_failing_twice_then_succeeding(env: Env) -> None:
    env.sb.fail_next("AttachedDocumentsService.add", 2, "error")
    result = apply(env)
    assert result.warnings == []
    cand = only_candidate(env)
    [procedure] = env.procedures(cand["uid"])
    assert_each_once(env, cand, procedure["uid"])
    # the files uploaded before the failed attach calls were reused, not uploaded again
    assert env.sb.stats.count("fileService.php") == len(FILES)


def test_data_url_is_downloaded_once_even_when_uploads_are_retried(env: Env, file_server: FileServer) -> None:
    env.configure(allow_private_urls=True)
    url = file_server.add("/resume.pdf", PDF)
    env.sb.fail_next("fileService", 2, "error")
    apply(env, attachments=[{"name": "Resume.pdf", "type": "CV", "content_type": "application/pdf", "data_url": url}])
    cand = only_candidate(env)
    assert [env.content(d) for d in env.documents(cand["uid"])] == [PDF]
    assert file_server.hits == {"/resume.pdf": 1}


def test_lost_response_of_the_attach_call_does_not_duplicate(env: Env) -> None:
    env.sb.fail_next("AttachedDocumentsService.add", 1, "malformed")
    apply(env)
    cand = only_candidate(env)
    assert len(env.documents(cand["uid"])) == len(FILES)


# -- uploads that keep failing, then retry-attachments ----------------------------------------------


def test_uploads_always_failing_then_retry_attaches_each_once(env: Env) -> None:
    env.sb.set_faults("upload=1")
    result = apply(env)

    # the application exists; each attachment is a warning and a pending row
    cand = only_candidate(env)
    [procedure] = env.procedures(cand["uid"])
    assert result.data["remote_id"] == procedure["uid"]
    assert env.documents(cand["uid"]) == []
    assert env.sb.stats.count("AttachedDocumentsService.add") == 0
    assert len(result.warnings) == len(FILES)
    for name, warning in zip(sorted(FILES), sorted(result.warnings), strict=True):
        assert repr(name) in warning and f"unimap retry-attachments {env.integration_id}" in warning
    pending = env.um.store.pending_attachments(env.integration_id)
    assert sorted(p["attachment"]["name"] for p in pending) == sorted(FILES)
    assert {p["target"]["application_remote_id"] for p in pending} == {procedure["uid"]}

    # still failing: nothing attached, nothing lost
    attached, warnings = env.retry_pending()
    assert attached == 0 and len(warnings) == len(FILES)
    assert len(env.um.store.pending_attachments(env.integration_id)) == len(FILES)
    assert env.documents(cand["uid"]) == []

    # uploads work again: every missing file attached exactly once, to the candidate and the procedure
    env.sb.set_faults(None)
    attached, warnings = env.retry_pending()
    assert (attached, warnings) == (len(FILES), [])
    assert_each_once(env, cand, procedure["uid"])
    types = {d["subject"]: d["typeId"] for d in env.documents(cand["uid"])}
    assert types == {"Resume.pdf": "1", "Letter.txt": "202", "Notes.txt": "201"}
    assert env.um.store.pending_attachments(env.integration_id) == []

    # a second retry has nothing to do
    env.sb.stats.reset()
    assert env.retry_pending() == (0, [])
    assert env.writes() == {}
    assert_each_once(env, cand, procedure["uid"])


def test_retry_skips_a_file_that_got_attached_meanwhile(env: Env) -> None:
    env.sb.set_faults("upload=1")
    result = apply(env, attachments=[attachment("Resume.pdf", "CV", PDF)])
    assert len(result.warnings) == 1
    env.sb.set_faults(None)
    # someone attaches the same file to the application by hand (or a lost response actually succeeded)
    env.run(
        "add_application_attachment",
        {"application_id": result.data["id"], "attachment": attachment("Resume.pdf", "CV", PDF)},
    )
    env.sb.stats.reset()
    assert env.retry_pending() == (1, [])
    assert env.sb.stats.count("fileService.php") == 0
    cand = only_candidate(env)
    assert [d["subject"] for d in env.documents(cand["uid"])] == ["Resume.pdf"]


def test_one_refused_attachment_is_kept_and_the_rest_attached(make_env: Any) -> None:
    from unimap_connectors.otys.sandbox import SandboxSettings

    big = PDF * 10
    env = make_env(settings=SandboxSettings(max_upload_bytes=len(big) - 1))
    result = apply(env, attachments=[attachment("Resume.pdf", "CV", big), *THREE[1:]])
    cand = only_candidate(env)
    [procedure] = env.procedures(cand["uid"])
    assert sorted(d["subject"] for d in env.documents(cand["uid"])) == ["Letter.txt", "Notes.txt"]
    [warning] = result.warnings
    assert "'Resume.pdf'" in warning and "larger than" in warning
    assert [p["attachment"]["name"] for p in env.um.store.pending_attachments(env.integration_id)] == ["Resume.pdf"]
    env.sb.settings.max_upload_bytes = 1 << 20  # the tenant's limit is raised
    assert env.retry_pending() == (1, [])
    docs = {d["subject"]: env.content(d) for d in env.documents(cand["uid"])}
    assert docs == {"Resume.pdf": big, "Letter.txt": LETTER, "Notes.txt": NOTES}
    assert {d["applicationUid"] for d in env.documents(cand["uid"])} == {procedure["uid"]}


def test_candidate_attachment_kept_for_retry_goes_to_the_candidate_only(env: Env) -> None:
    cand = env.records("candidate")[0]
    env.sb.set_faults("upload=1")
    result = env.run(
        "add_candidate_attachment", {"candidate_id": cand["id"], "attachment": attachment("Resume.pdf", "CV", PDF)}
    )
    assert result.data == {} and len(result.warnings) == 1
    env.sb.set_faults(None)
    assert env.retry_pending() == (1, [])
    [doc] = [d for d in env.documents(cand["remote_id"]) if d["subject"] == "Resume.pdf"]
    assert (doc["subject"], doc["applicationUid"], doc["typeId"]) == ("Resume.pdf", None, "1")
