"""A live ``unimap serve`` (uvicorn in a thread) over sandbox-synced integrations, and the Kombo SDK against it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from kombo import Kombo

from unimap.api import ApiServer, create_app
from unimap.api.auth import KeyStore
from unimap.service import Unimap
from unimap.transport.ratelimit import RateLimiter
from unimap_connectors.otys.sandbox import Sandbox

A, B = "otys:A", "otys:B"
SEEDS = {A: 1, B: 2}


class _FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class NoWaitUnimap(Unimap):
    """A service whose vendor clients never really wait (retries and 429 pauses pass on a fake clock)."""

    def client(self, integration: Any, **options: Any) -> Any:
        fake = _FakeTime()
        options.setdefault("sleep", fake.sleep)
        client = super().client(integration, **options)
        client.limiter = RateLimiter(0, clock=fake.clock, sleep=fake.sleep)
        return client


@dataclass
class Live:
    """Sandboxes, a synced store, the app, its server and keys."""

    sandboxes: dict[str, Sandbox]
    service: Unimap
    app: Any
    server: ApiServer
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def scheduler(self) -> Any:
        return self.app.state.api.scheduler

    def kombo(self, key: str = "a", integration: str | None = A) -> Kombo:
        """The unmodified SDK pointed at this server."""
        return Kombo(api_key=self.keys.get(key, key), integration_id=integration, server_url=self.url)

    def http(self, key: str = "a", integration: str | None = A) -> httpx.Client:
        """A plain HTTP client with the key and integration headers."""
        headers = {"Authorization": f"Bearer {self.keys.get(key, key)}"}
        if integration:
            headers["X-Integration-Id"] = integration
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def close(self) -> None:
        self.server.stop()
        self.service.close()
        for sandbox in self.sandboxes.values():
            sandbox.stop()


def start_live(
    folder: Path,
    *,
    integrations: tuple[str, ...] = (A, B),
    synced: tuple[str, ...] | None = None,
    service_cls: type[Unimap] = Unimap,
    wrap_store: Callable[[Any], Any] | None = None,
    size: str = "small",
    **app_options: Any,
) -> Live:
    """Start sandboxes, connect and (full-)sync them, make keys a/b/all, and serve."""
    app_options.setdefault("delta_every", 0)
    app_options.setdefault("full_every", 0)
    sandboxes = {iid: Sandbox(seed=SEEDS.get(iid, 3), size=size, rate_limit=0).start() for iid in integrations}
    service = service_cls(f"sqlite:///{folder / 'store.db'}")
    if wrap_store is not None:
        service.store = wrap_store(service.store)
    for iid, sandbox in sandboxes.items():
        service.connect(
            "otys",
            {"api_key": sandbox.api_key},
            base_url=sandbox.base_url,
            integration_id=iid,
            name=f"Sandbox {iid}",
            settings={"allow_private_urls": True},
        )
        if synced is None or iid in synced:
            assert service.sync(iid, full=True).ok
    keys = KeyStore(service.store)
    made = {"a": keys.create([A], "a")[0], "all": keys.create(["*"], "all")[0]}
    if B in sandboxes:
        made["b"] = keys.create([B], "b")[0]
    app = create_app(service, **app_options)
    server = ApiServer(app).start()
    return Live(sandboxes, service, app, server, made)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One server for a module's read-only tests: integrations A (seed 1) and B (seed 2), both synced."""
    running = start_live(tmp_path_factory.mktemp("live"))
    yield running
    running.close()


@pytest.fixture
def make_live(tmp_path: Path) -> Iterator[Callable[..., Live]]:
    """A factory of servers private to one test (closed at teardown)."""
    made: list[Live] = []

    def make(**options: Any) -> Live:
        folder = tmp_path / f"live{len(made)}"
        folder.mkdir()
        running = start_live(folder, **options)
        made.append(running)
        return running

    yield make
    for running in reversed(made):
        running.close()
