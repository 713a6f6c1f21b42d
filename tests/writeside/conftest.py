"""Fixtures for the write-side tests: a synced integration over an OTYS sandbox, and a file server.

Every test gets its own sandbox (seed 1, small tenant, rate limit off) and its own SQLite store,
connected and fully synced, so tests never share tenant state. Retries never sleep: the action
runner and the vendor client get a sleep function that only records the requested delays.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from unimap.actions import ActionResult, ActionRunner
from unimap.engine import Engine
from unimap.service import Unimap

# Importing the plugin's fixtures keeps this folder runnable on its own.
from unimap_connectors.otys.sandbox.pytest_plugin import otys_sandbox  # noqa: F401
from unimap_connectors.otys.sandbox.server import Sandbox
from unimap_connectors.otys.sandbox.suite import SUITE_PRESETS, mark_preset_xfails, preset_connector_settings

P = "Otys.Services."
#: request names (by suffix) that change OTYS state
WRITE_SUFFIXES = (".add", ".update", ".updateEx", ".delete", ".setGdprDueDatePartner", "fileService.php")

PDF = b"%PDF-1.4\n% a tiny test file\n%%EOF\n"
LETTER = b"Dear hiring team,\nI would like to apply.\n"
NOTES = b"Portfolio notes: three projects.\n"


def b64(content: bytes) -> str:
    """Base64 text of ``content``."""
    return base64.b64encode(content).decode()


def attachment(name: str, kind: str, content: bytes, content_type: str = "application/pdf") -> dict[str, Any]:
    """A unified attachment carrying ``content`` as base64 ``data``."""
    return {"name": name, "type": kind, "content_type": content_type, "data": b64(content)}


@dataclass
class Env:
    """One sandbox, one store, one connected and synced OTYS integration."""

    sb: Sandbox
    um: Unimap
    integration_id: str
    store_url: str
    sleeps: list[float] = field(default_factory=list)

    # -- running actions -------------------------------------------------------------------

    def runner(self) -> ActionRunner:
        """An action runner whose retries (runner and vendor client) never really sleep."""
        integration = self.um.integration(self.integration_id)
        client = self.um.client(integration, sleep=self.sleeps.append)
        return ActionRunner(self.um, integration, client=client, sleep=self.sleeps.append)

    def run(self, action: str, payload: dict[str, Any]) -> ActionResult:
        """Run one action through the runner."""
        runner = self.runner()
        try:
            return runner.run(action, payload)
        finally:
            runner.client.close()

    def retry_pending(self) -> tuple[int, list[str]]:
        """``retry_attachments`` with non-sleeping retries."""
        runner = self.runner()
        try:
            return runner.retry_pending()
        finally:
            runner.client.close()

    def configure(self, **settings: Any) -> None:
        """Change integration settings (``None`` removes one)."""
        self.um.configure(self.integration_id, settings)

    def sync(self, *, full: bool = False) -> Any:
        report = self.um.sync(self.integration_id, full=full, sleep=self.sleeps.append)
        assert report.ok, report.as_dict()
        return report

    # -- reading the unified side ------------------------------------------------------------

    def records(self, model: str, **filters: Any) -> list[dict[str, Any]]:
        return list(self.um.export(model, self.integration_id, **filters))

    def job(self, status: str = "OPEN", index: int = 0) -> dict[str, Any]:
        """The ``index``-th synced job with ``status``."""
        return [j for j in self.records("job") if j["status"] == status][index]

    def stage(self, name: str) -> dict[str, Any]:
        return next(s for s in self.records("application_stage") if s["name"] == name)

    # -- reading the tenant -----------------------------------------------------------------

    def writes(self) -> dict[str, int]:
        """HTTP requests that change OTYS state, by method, since the last ``sb.stats.reset()``."""
        return {m: n for m, n in self.sb.stats.requests.items() if m.endswith(WRITE_SUFFIXES)}

    def candidates_by_email(self, email: str) -> list[dict[str, Any]]:
        return [
            c
            for c in self.sb.tenant.records("CandidateService")
            if (c["Person"]["emailPrimary"] or "").lower() == email.lower()
        ]

    def procedures(self, candidate_uid: str) -> list[dict[str, Any]]:
        return [p for p in self.sb.tenant.records("ProcedureService") if p["candidateUid"] == candidate_uid]

    def documents(self, candidate_uid: str) -> list[dict[str, Any]]:
        return [d for d in self.sb.tenant.records("AttachedDocumentsService") if d["candidateUid"] == candidate_uid]

    def content(self, document: dict[str, Any]) -> bytes:
        """The uploaded bytes behind a document."""
        return self.sb.tenant.file(document["fileUid"])["content"]

    def open_job_without(self, candidate_uid: str) -> dict[str, Any]:
        """A synced open job the candidate has no procedure for."""
        taken = {p["vacancyUid"] for p in self.procedures(candidate_uid)}
        return next(j for j in self.records("job") if j["status"] == "OPEN" and j["remote_id"] not in taken)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under a preset whose connector settings do not exist yet, the tests are expected to fail."""
    mark_preset_xfails(items)


@pytest.fixture(scope="session", params=SUITE_PRESETS)
def otys_preset(request: pytest.FixtureRequest) -> str:
    """The sandbox preset (tenant variant) a test runs under; every write-side test runs under each."""
    return str(request.param)


@pytest.fixture(scope="session")
def engine() -> Engine:
    """One engine (loaded specs and plugins) for every test; it holds no integration state."""
    return Engine()


def open_env(
    sb: Sandbox, engine: Engine, store_url: str, integration_id: str, integration_settings: dict[str, Any] | None = None
) -> Env:
    """Connect ``sb`` in a new store, sync it fully, and zero the sandbox's counters."""
    um = Unimap(store_url, engine=engine)
    settings = {**preset_connector_settings(sb.preset), **(integration_settings or {})}
    integration = um.connect(
        "otys",
        {"api_key": sb.api_key},
        base_url=sb.base_url,
        name="sandbox",
        integration_id=integration_id,
        settings=settings,
    )
    env = Env(sb, um, integration.id, store_url)
    env.sync(full=True)
    sb.stats.reset()
    return env


@pytest.fixture
def make_env(
    otys_sandbox_factory: Callable[..., Sandbox],
    tmp_path: Path,
    engine: Engine,
    otys_preset: str,
) -> Iterator[Callable[..., Env]]:
    """``make(integration_settings=..., **sandbox_kwargs)`` → a connected, fully synced :class:`Env`
    (the sandbox runs the test's preset unless ``preset=`` says otherwise)."""
    opened: list[Env] = []

    def make(integration_settings: dict[str, Any] | None = None, **sandbox_kwargs: Any) -> Env:
        sandbox_kwargs.setdefault("preset", otys_preset)
        sb = otys_sandbox_factory(**sandbox_kwargs)
        n = len(opened)
        env = open_env(
            sb, engine, f"sqlite:///{tmp_path / f'unimap-{n}.db'}", f"otys:writeside{n}", integration_settings
        )
        opened.append(env)
        return env

    yield make
    for env in opened:
        env.um.close()


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    """The default environment: GDPR writing on, no default source, private URLs refused."""
    return make_env()


@pytest.fixture(scope="module")
def shared_env(engine: Engine, tmp_path_factory: pytest.TempPathFactory, otys_preset: str) -> Iterator[Env]:
    """One environment for a whole module (per preset), for tests that must not change the tenant."""
    with Sandbox(seed=1, size="small", rate_limit=None, preset=otys_preset) as sb:
        env = open_env(
            sb, engine, f"sqlite:///{tmp_path_factory.mktemp('shared') / 'unimap.db'}", "otys:writeside-shared"
        )
        try:
            yield env
        finally:
            env.um.close()


# -- a local file server for data_url attachments ---------------------------------------------------


class FileServer:
    """Serves registered bytes over HTTP on 127.0.0.1; counts the downloads."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str, int]] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                content, content_type, status = server.files.get(self.path, (b"not found", "text/plain", 404))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def add(self, path: str, content: bytes, content_type: str = "application/pdf", status: int = 200) -> str:
        """Serve ``content`` at ``path``; returns its URL."""
        self.files[path] = (content, content_type, status)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()
