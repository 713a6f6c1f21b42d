"""The OTYS connector's own spec through the new layer: the exact JSON-RPC requests of today's client."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
import yaml

from unimap.errors import RemoteUnavailable
from unimap.resources import mappings_dir

from .conftest import make_client

P = "Otys.Services.CandidateService."


@pytest.fixture(scope="module")
def otys() -> dict[str, Any]:
    return yaml.safe_load((mappings_dir() / "otys" / "connector.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class Ows:
    """A tiny OWS: loginByUid gives SID<n>; ``refuse`` answers "please login again" that many times."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.logins = 0
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        if request.url.path == "/fileService.php":
            return httpx.Response(200, json=[{"ouid": "file-1"}])
        body = json.loads(request.content)
        if body["method"] == "loginByUid":
            with self.lock:
                self.logins += 1
                sid = f"SID{self.logins}"
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": sid})
        if self.refuse:
            self.refuse -= 1
            return httpx.Response(
                200,
                json={"jsonrpc": "2.0", "id": body["id"], "error": {"message": "Access denied; please login again"}},
            )
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": {"params": body["params"]}})

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.url.path == "/jservice.php"]


def test_login_call_relogin_and_logout_are_todays_requests(otys: dict[str, Any]) -> None:
    ows = Ows(refuse=1)
    client = make_client(otys, ows, {"api_key": "KEY-123456"})
    assert client.call(P + "getDetail", ["u1"]) == {"params": ["SID2", "u1"]}
    client.close()
    assert ows.bodies() == [
        {"jsonrpc": "2.0", "method": "loginByUid", "params": ["KEY-123456"], "id": 1},
        {"jsonrpc": "2.0", "method": P + "getDetail", "params": ["SID1", "u1"], "id": 2},
        {"jsonrpc": "2.0", "method": "loginByUid", "params": ["KEY-123456"], "id": 3},
        {"jsonrpc": "2.0", "method": P + "getDetail", "params": ["SID2", "u1"], "id": 4},
        {"jsonrpc": "2.0", "method": "logout", "params": ["SID2"], "id": 5},
    ]
    assert all(str(r.url) == "https://ows.otys.nl/jservice.php" for r in ows.requests)
    assert ows.requests[0].headers["User-Agent"] == "unimap"
    assert client.stats.relogins == 1


def test_upload_sends_the_session_as_a_form_field(otys: dict[str, Any]) -> None:
    ows = Ows()
    client = make_client(otys, ows, {"api_key": "KEY-123456"})
    assert client.upload("cv.pdf", b"%PDF-1.4", "application/pdf") == {"ouid": "file-1"}
    upload = ows.requests[-1]
    assert str(upload.url) == "https://ows.otys.nl/fileService.php"
    assert b'name="sessionId"\r\n\r\nSID1' in upload.content
    assert b'filename="cv.pdf"' in upload.content


def test_declared_writes_are_never_repeated(otys: dict[str, Any]) -> None:
    calls = {"n": 0}

    def slow_writes(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "loginByUid":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": "SID"})
        calls["n"] += 1
        raise httpx.ReadTimeout("slow")

    client = make_client(otys, slow_writes, {"api_key": "KEY-123456"})
    with pytest.raises(RemoteUnavailable, match="not repeated"):
        client.call(P + "update", ["u1", {}], write=True)  # writes are declared by the caller
    assert calls["n"] == 1
    with pytest.raises(RemoteUnavailable, match="after 6 attempt"):
        client.call(P + "getDetail", ["u1"])
    assert calls["n"] == 7


def test_threads_share_one_login(otys: dict[str, Any]) -> None:
    ows = Ows()
    client = make_client(otys, ows, {"api_key": "KEY-123456"})
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                client.call(P + "getDetail", ["u"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ows.logins == 1
    ids = [b["id"] for b in ows.bodies()]
    assert len(ids) == len(set(ids)) == 31
    assert client.limiter.concurrency == 4
