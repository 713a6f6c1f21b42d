"""Item 4 and 5: one way to choose an integration; vendor URLs checked first; unreachable fails fast."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

from .helpers import connect, unimap


def test_several_integrations_the_error_lists_them_and_says_how_to_pick(otys_sandbox_factory, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    first, second = connect(otys_sandbox_factory(), store), connect(otys_sandbox_factory(seed=2), store)
    for args in (("sync",), ("export", "candidates"), ("retry-attachments",), ("passthrough", "check")):
        result = unimap(*args, "--store", store)
        assert result.returncode == 2, (args, result.stderr)
        assert first in result.stderr and second in result.stderr and "--integration ID" in result.stderr, args
    assert unimap("sync", "--integration", second, "--store", store).returncode == 0
    assert unimap("sync", first, "--store", store).returncode == 0  # the positional form stays
    assert unimap("export", "jobs", "--integration", first, "--store", store).stdout.count("\n") > 0
    assert unimap("status", "--integration", first, "--store", store).returncode == 0
    passthrough = unimap("passthrough", "--integration", first, "check", "--store", store)
    assert passthrough.returncode == 0 and json.loads(passthrough.stdout)["status"] == 200
    typo = unimap("sync", "--integration", first[:-1] + "x", "--store", store)
    assert typo.returncode == 1 and f"did you mean {first}?" in typo.stderr


def test_connect_the_same_account_again_reuses_it_unless_new(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(otys_sandbox, store)
    again = unimap(
        "connect",
        "otys",
        "--api-key",
        otys_sandbox.api_key,
        "--base-url",
        otys_sandbox.base_url + "/",
        "--store",
        store,
    )
    assert again.returncode == 0 and again.stdout.strip() == iid and "already connected" in again.stderr
    other = connect(otys_sandbox, store, "--new")
    assert other != iid
    listed = json.loads(unimap("integrations", "--json", "--store", store).stdout)
    assert [i["id"] for i in listed] == [iid, other]


def test_integrations_update_changes_settings_and_suggests_names(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(otys_sandbox, store)
    done = unimap("integrations", "update", iid, "--setting", "timezone=UTC", "--store", store)
    assert done.returncode == 0 and 'timezone="UTC"' in done.stdout
    listed = json.loads(unimap("integrations", "--json", "--store", store).stdout)
    assert listed[0]["settings"] == {"timezone": "UTC"}
    typo = unimap("integrations", "update", iid, "--setting", "timezon=UTC", "--store", store)
    assert typo.returncode == 1 and "did you mean 'timezone'?" in typo.stderr
    unset = unimap("integrations", "update", iid, "--unset", "timezone", "--store", store)
    assert (
        unset.returncode == 0
        and json.loads(unimap("integrations", "--json", "--store", store).stdout)[0]["settings"] == {}
    )


def test_vendor_urls_are_checked_before_any_call(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    otys_sandbox.stats.reset()
    for url, expected in (
        (otys_sandbox.base_url + "/jservice.php", f"use {otys_sandbox.base_url}"),
        ("127.0.0.1:1", "https://"),
        ("ftp://example.com", "https://"),
        ("https://", "no host"),
        ("https://h.example/?x=1", "query"),
    ):
        result = unimap("connect", "otys", "--api-key", "k", "--base-url", url, "--store", store)
        assert result.returncode == 1 and expected in result.stderr, (url, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 2, result.stderr  # error + code
    assert sum(otys_sandbox.stats.requests.values()) == 0
    assert not (tmp_path / "s.db").exists() or unimap("integrations", "--json", "--store", store).stdout.strip() == "[]"


def test_an_unreachable_vendor_fails_fast_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = f"sqlite:///{tmp_path / 's.db'}"
    started = time.monotonic()
    result = unimap("connect", "otys", "--api-key", "k", "--base-url", f"http://127.0.0.1:{port}", "--store", store)
    assert time.monotonic() - started < 15
    assert result.returncode == 1
    assert result.stderr.count("error:") == 1 and "connection refused" in result.stderr, result.stderr


def test_a_vendor_gone_down_fails_a_sync_fast_with_one_line(otys_sandbox_factory, tmp_path: Path) -> None:
    sb = otys_sandbox_factory()
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(sb, store)
    sb.stop()
    started = time.monotonic()
    result = unimap("sync", "--store", store)
    assert time.monotonic() - started < 15
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("error:") == 1 and f"integrations update {iid} --base-url" in result.stderr


def test_integrations_update_checks_and_changes_the_base_url(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(otys_sandbox, store)
    bad = unimap("integrations", "update", iid, "--base-url", otys_sandbox.base_url + "/jservice.php", "--store", store)
    assert bad.returncode == 1 and "endpoint path" in bad.stderr
    moved = unimap("integrations", "update", iid, "--base-url", "http://127.0.0.1:9", "--store", store)
    assert moved.returncode == 0
    assert json.loads(unimap("integrations", "--json", "--store", store).stdout)[0]["base_url"] == "http://127.0.0.1:9"
