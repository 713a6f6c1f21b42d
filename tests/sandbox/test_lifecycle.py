"""Start/stop hygiene: no leftover threads, sockets or ports; fixtures; loopback only."""

from __future__ import annotations

import contextlib
import os
import socket
import threading

import httpx
import pytest

from unimap_connectors.otys.sandbox import Sandbox


def _socket_fds() -> int:
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        return -1
    count = 0
    for name in os.listdir(fd_dir):
        with contextlib.suppress(OSError):
            count += os.readlink(os.path.join(fd_dir, name)).startswith("socket:")
    return count


def test_context_manager_cleans_up_threads_sockets_and_port() -> None:
    before = set(threading.enumerate())
    sockets_before = _socket_fds()
    with Sandbox(seed=2, rate_limit=None) as sb:
        port = sb.port
        assert sb.base_url == f"http://127.0.0.1:{port}"
        # an idle keep-alive connection, a webhook worker and a hanging request are all running
        client = httpx.Client(timeout=5)
        sid = client.post(
            sb.jservice_url, json={"jsonrpc": "2.0", "method": "loginByUid", "params": [sb.api_key], "id": 1}
        ).json()["result"]
        sb.fail_next("check", kind="hang", delay=30)
        hanging = threading.Thread(
            target=lambda: httpx.post(
                sb.jservice_url, timeout=60, json={"jsonrpc": "2.0", "method": "check", "params": [sid], "id": 2}
            )
        )
        hanging.start()
        while sb.stats.faults["hang"] == 0:
            threading.Event().wait(0.01)
    hanging.join(timeout=10)
    assert not hanging.is_alive()
    client.close()
    assert set(threading.enumerate()) - before == set()
    assert _socket_fds() == sockets_before
    assert not sb.running
    with Sandbox(port=port, rate_limit=None) as again:  # the port is free again for a new server
        assert again.port == port
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"http://127.0.0.1:{port}/jservice.php", json={}, timeout=2)


def test_start_stop_are_idempotent_and_restartable() -> None:
    before = set(threading.enumerate())  # other tests' sandboxes may be running
    sb = Sandbox(rate_limit=None)
    with pytest.raises(RuntimeError):
        _ = sb.base_url
    sb.start()
    assert sb.start() is sb
    url = sb.base_url
    sb.stop()
    sb.stop()
    sb.port = 0
    sb.start()
    try:
        assert sb.base_url != "" and sb.base_url.startswith("http://127.0.0.1:")
        r = httpx.post(
            sb.jservice_url, json={"jsonrpc": "2.0", "method": "loginByUid", "params": [sb.api_key], "id": 1}
        )
        assert len(r.json()["result"]) == 26
    finally:
        sb.stop()
    assert url.startswith("http://127.0.0.1:")
    assert [t.name for t in set(threading.enumerate()) - before] == []


def test_fixed_port_and_ipv6_loopback() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Sandbox(port=port, rate_limit=None) as sb:
        assert sb.base_url == f"http://127.0.0.1:{port}"
    if socket.has_ipv6:
        try:
            sb6 = Sandbox(host="::1", rate_limit=None).start()
        except OSError:
            pytest.skip("no IPv6 loopback here")
        try:
            assert sb6.base_url.startswith("http://[::1]:")
            assert (
                httpx.post(sb6.jservice_url, json={"jsonrpc": "2.0", "method": "check", "params": [], "id": 1}).json()[
                    "result"
                ]
                is False
            )
        finally:
            sb6.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", ""])
def test_only_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError):
        Sandbox(host=host)


def test_fixture_gives_a_running_small_sandbox_without_rate_limit(otys_sandbox: Sandbox) -> None:
    assert otys_sandbox.running
    assert otys_sandbox.tenant.count("CandidateService") == 50
    assert otys_sandbox.limiter.limit is None
    assert len(otys_sandbox.api_key) == 32


def test_factory_passes_options(otys_sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    a = otys_sandbox_factory(seed=5, size=120, rate_limit=20, faults="seed=1")
    b = otys_sandbox_factory(seed=5, size=120)
    assert a.tenant.count("CandidateService") == 120
    assert a.limiter.limit == 20 and b.limiter.limit is None
    assert a.tenant.digest() == b.tenant.digest()
    assert a.api_key == b.api_key
    assert a.port != b.port


def test_new_session_helper(otys_sandbox: Sandbox) -> None:
    sid = otys_sandbox.new_session()
    r = httpx.post(otys_sandbox.jservice_url, json={"jsonrpc": "2.0", "method": "check", "params": [sid], "id": 1})
    assert r.json()["result"]["clientId"] == otys_sandbox.settings.client_id
