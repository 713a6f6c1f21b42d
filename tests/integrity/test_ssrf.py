"""Item 9: the SSRF guard for ``data_url`` attachments.

No test connects anywhere but 127.0.0.1: other hosts are checked in-process through an
injected resolver, and host names in URLs are resolved by that resolver (never by DNS).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from unimap import attachments
from unimap.attachments import FetchPolicy, check_host, is_public, load_content
from unimap.errors import ConfigError, InputInvalid

STRICT = FetchPolicy()
OPEN = FetchPolicy(allow_private=True)

NOT_PUBLIC = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.1",
    "240.0.0.1",
    "198.18.0.1",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "2002:7f00:1::",
    "2002:a00:1::",
    "2002:a9fe:a9fe::",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2002:808:808::", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_addresses_that_are_not_globally_routable_are_not_public(text: str) -> None:
    assert not is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_globally_routable_unicast_is_public(text: str) -> None:
    assert is_public(ipaddress.ip_address(text))


def resolver(table: dict[str, list[str]], calls: list[str] | None = None) -> attachments.Resolver:
    """A resolver answering from ``table`` (and recording each lookup in ``calls``)."""

    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_host_resolving_to_a_non_public_address_is_refused(address: str) -> None:
    with pytest.raises(InputInvalid, match="allow_private_urls") as caught:
        check_host("files.test", 443, "attachment.data_url", STRICT, resolver({"files.test": [address]}))
    assert caught.value.fields == ["attachment.data_url"]


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    table = {"files.test": ["8.8.8.8", "10.0.0.5"]}
    with pytest.raises(InputInvalid, match=r"10\.0\.0\.5"):
        check_host("files.test", 443, "f", STRICT, resolver(table))


def test_a_public_host_is_allowed_and_its_address_pinned() -> None:
    address = check_host("files.test", 443, "f", STRICT, resolver({"files.test": ["8.8.8.8"]}))
    assert address == ipaddress.ip_address("8.8.8.8")


def test_an_unresolvable_host_is_an_input_error() -> None:
    with pytest.raises(InputInvalid, match="cannot resolve"):
        check_host("nowhere.test", 443, "f", STRICT, resolver({}))


def test_private_urls_allowed_still_resolve_once() -> None:
    calls: list[str] = []
    assert check_host("files.test", 80, "f", OPEN, resolver({"files.test": ["10.0.0.1"]}, calls))
    assert calls == ["files.test"]


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://[::1]:99999/",
        "http://exa mple.test/",
        "http://a\x00b.test/",
        "ftp://files.test/x",
        "javascript:alert(1)",
        "data:text/html,<script>",
        "file:///etc/passwd",
        "http:///nohost",
        "https://",
        "http://user:secret@files.test/",
        "http://xn--/",
        "http://\u2603\u0300.test/",
        "http://" + "a" * 300 + ".test/",
        12,
        None,
        ["http://files.test/"],
    ],
)
def test_malformed_or_unsafe_urls_are_input_errors_not_crashes(url: Any) -> None:
    with pytest.raises(InputInvalid) as caught:
        load_content({"data_url": url}, "attachment", STRICT, resolver=resolver({}))
    assert caught.value.fields == ["attachment.data_url"]


# -- strict settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        (None, False),
        (False, False),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("off", False),
        (True, True),
        ("true", True),
        ("1", True),
        ("yes", True),
    ],
)
def test_allow_private_urls_is_parsed_strictly(value: Any, allowed: bool) -> None:
    assert FetchPolicy.from_settings({"allow_private_urls": value}).allow_private is allowed


@pytest.mark.parametrize("value", ["maybe", "", "ture", 2, [], {}])
def test_a_malformed_allow_private_urls_is_a_config_error(value: Any) -> None:
    with pytest.raises(ConfigError, match="allow_private_urls"):
        FetchPolicy.from_settings({"allow_private_urls": value})


@pytest.mark.parametrize("value", ["abc", 0, -5, "1e3", True, 1.5])
def test_a_malformed_max_attachment_bytes_is_a_config_error(value: Any) -> None:
    with pytest.raises(ConfigError, match="max_attachment_bytes"):
        FetchPolicy.from_settings({"max_attachment_bytes": value})


def test_max_attachment_bytes_as_text_digits_is_accepted() -> None:
    assert FetchPolicy.from_settings({"max_attachment_bytes": "1024"}).max_bytes == 1024


# -- the download: pinned to the checked address, one deadline ------------------------------------------


class Server:
    """A tiny HTTP server on 127.0.0.1; ``drip`` sends the body one byte per ``drip`` seconds."""

    def __init__(self, body: bytes = b"hello", drip: float = 0.0) -> None:
        self.body = body
        self.drip = drip
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            self.requests.append(request)
            size = len(self.body) if not self.drip else 10_000
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: {size}\r\n\r\n"
            try:
                conn.sendall(head.encode())
                if not self.drip:
                    conn.sendall(self.body)
                    return
                for _ in range(size):
                    if self.stop.is_set():
                        return
                    conn.sendall(b"x")
                    time.sleep(self.drip)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server(b"%PDF-1.4 pinned")
    yield srv
    srv.close()


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail every system DNS lookup of a name (numeric addresses still convert), and record who tried."""
    tried: list[str] = []
    real = socket.getaddrinfo

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            ipaddress.ip_address(str(host))
        except ValueError:
            tried.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, "DNS is off in this test") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return tried


def test_the_download_connects_to_the_checked_address_without_a_second_lookup(
    server: Server, no_dns: list[str]
) -> None:
    calls: list[str] = []
    url = f"http://files.test:{server.port}/resume.pdf"
    content, content_type = load_content(
        {"data_url": url}, "attachment", OPEN, resolver=resolver({"files.test": ["127.0.0.1"]}, calls)
    )
    assert (content, content_type) == (b"%PDF-1.4 pinned", "application/pdf")
    assert calls == ["files.test"]  # resolved exactly once, by the checked resolver
    assert no_dns == []  # and the connection did not resolve the name again
    assert f"Host: files.test:{server.port}".encode() in server.requests[0]


def test_a_rebinding_resolver_cannot_swap_the_address(server: Server, no_dns: list[str]) -> None:
    """The first answer is checked and used; a later answer (127.0.0.1 after a public one) is never asked for."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    load_content({"data_url": f"http://rebind.test:{server.port}/x"}, "a", OPEN, resolver=rebinding)
    assert calls == ["rebind.test"]
    assert len(server.requests) == 1


def test_a_slow_drip_download_stops_at_the_total_deadline() -> None:
    drip = Server(drip=0.05)
    try:
        policy = FetchPolicy(allow_private=True, timeout_seconds=1.0)
        started = time.monotonic()
        with pytest.raises(InputInvalid, match="longer than 1 s") as caught:
            load_content(
                {"data_url": f"http://drip.test:{drip.port}/slow"},
                "attachment",
                policy,
                resolver=resolver({"drip.test": ["127.0.0.1"]}),
            )
        elapsed = time.monotonic() - started
    finally:
        drip.close()
    assert elapsed < 2.0, elapsed
    assert caught.value.fields == ["attachment.data_url"]


def test_loopback_is_refused_by_default_before_any_connection(server: Server) -> None:
    with pytest.raises(InputInvalid, match="allow_private_urls"):
        load_content(
            {"data_url": f"http://files.test:{server.port}/x"},
            "attachment",
            STRICT,
            resolver=resolver({"files.test": ["127.0.0.1"]}),
        )
    with pytest.raises(InputInvalid, match="allow_private_urls"):
        load_content({"data_url": f"http://[::1]:{server.port}/x"}, "attachment", STRICT, resolver=resolver({}))
    assert server.requests == []
