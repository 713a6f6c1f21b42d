"""``download`` components of read specs: where a file's bytes come from, streamed to the caller.

``type: url`` fetches an absolute URL the vendor handed out (a signed link: no credentials go
with it, redirects are followed, private and loopback hosts only with ``allow_private_urls``).
``type: request`` sends a GET on the vendor's own host with the integration's auth (the session
or token placed where ``session_query``/``session_header`` say, else the auth's usual place).
Either way the body is streamed in chunks: a file is never held in memory whole.
"""

from __future__ import annotations

import contextlib
import mimetypes
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from unimap.attachments import FetchPolicy, PinnedTransport, _parse_url, check_host
from unimap.errors import InputInvalid, RemoteError, RemoteInputInvalid, RemoteUnavailable
from unimap.registry import BuildEnv, expression, expression_map, obj, template
from unimap.transport.request import Request

__all__ = ["Download", "FileStream", "RequestDownload", "UrlDownload", "register_download_components"]

CHUNK = 64 * 1024
MAX_REDIRECTS = 5
DEADLINE = 3600.0  # seconds a whole URL download may take


@dataclass
class FileStream:
    """An open vendor response: its headers, and the body as chunks (close it when done)."""

    content_type: str
    file_name: str | None
    length: str | None
    disposition: str | None
    chunks: Iterator[bytes]
    close: Callable[[], None]


class Download:
    """A download component: opens the file's stream from the read's context."""

    file_name: Any = None
    content_type: Any = None

    def open(self, runner: Any, ctx: dict[str, Any]) -> FileStream:  # pragma: no cover - interface
        raise NotImplementedError

    def _stream(
        self, runner: Any, ctx: dict[str, Any], response: httpx.Response, stack: contextlib.ExitStack
    ) -> FileStream:
        name = runner.search(self.file_name, ctx) if self.file_name is not None else None
        given = runner.search(self.content_type, ctx) if self.content_type is not None else None
        content_type = str(
            given
            or response.headers.get("content-type")
            or (mimetypes.guess_type(str(name))[0] if name else None)
            or "application/octet-stream"
        )
        return FileStream(
            content_type,
            str(name) if name else None,
            response.headers.get("content-length"),
            response.headers.get("content-disposition"),
            response.iter_bytes(CHUNK),
            stack.close,
        )


def _check_status(response: httpx.Response, label: str) -> None:
    status = response.status_code
    if status >= 500 or status == 429:
        raise RemoteUnavailable(f"{label}: HTTP {status}", call=label)
    if status >= 400:
        raise RemoteInputInvalid(f"{label}: HTTP {status} (the file is gone or the link expired)", call=label)


class UrlDownload(Download):
    """``type: url``: an absolute URL from the vendor, fetched without credentials."""

    def __init__(self, url: Any, file_name: Any = None, content_type: Any = None) -> None:
        self.url = url
        self.file_name = file_name
        self.content_type = content_type

    def open(self, runner: Any, ctx: dict[str, Any]) -> FileStream:
        url = runner.search(self.url, ctx)
        if not isinstance(url, str) or not url:
            raise RemoteError("download: the vendor gave no URL for this file")
        policy = FetchPolicy.from_settings(runner.settings)
        stack = contextlib.ExitStack()
        try:
            for _ in range(MAX_REDIRECTS + 1):
                http = stack.enter_context(self._client(runner, url, policy))
                response = stack.enter_context(http.stream("GET", url))
                if response.is_redirect and response.headers.get("location"):
                    url = str(response.url.join(response.headers["location"]))
                    continue
                _check_status(response, "download")
                return self._stream(runner, ctx, response, stack)
            raise RemoteError("download: too many redirects")
        except httpx.HTTPError as exc:
            stack.close()
            raise RemoteUnavailable(f"download: connection failed ({type(exc).__name__})") from None
        except BaseException:
            stack.close()
            raise

    @staticmethod
    def _client(runner: Any, url: str, policy: FetchPolicy) -> httpx.Client:
        """A client for ``url``: pinned to its checked address (or the test transport, still checked)."""
        try:
            host, port = _parse_url(url, "download")
            transport = runner.client_transport
            if transport is None:
                transport = PinnedTransport(check_host(host, port, "download", policy), time.monotonic() + DEADLINE)
            elif not policy.allow_private:
                check_host(host, port, "download", policy)
        except InputInvalid as exc:
            raise RemoteError(f"the vendor's file URL is not usable: {exc.message}") from None
        timeout = httpx.Timeout(runner.client.timeout, connect=min(5.0, runner.client.timeout))
        return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)


class RequestDownload(Download):
    """``type: request``: a GET on the vendor's host with the integration's auth."""

    def __init__(
        self,
        path: Any,
        query: Mapping[str, Any],
        *,
        session_query: str | None = None,
        session_header: str | None = None,
        file_name: Any = None,
        content_type: Any = None,
    ) -> None:
        self.path = path
        self.query = dict(query)
        self.session_query = session_query
        self.session_header = session_header
        self.file_name = file_name
        self.content_type = content_type

    def open(self, runner: Any, ctx: dict[str, Any]) -> FileStream:
        path = runner.render(self.path, ctx)
        query = {k: runner.search(v, ctx) for k, v in self.query.items()}
        request = Request("GET", path, query={k: v for k, v in query.items() if v is not None}, label=f"GET {path}")
        stack = contextlib.ExitStack()
        try:
            response = stack.enter_context(
                runner.client.stream(request, session_query=self.session_query, session_header=self.session_header)
            )
            _check_status(response, request.label)
            return self._stream(runner, ctx, response, stack)
        except BaseException:
            stack.close()
            raise


_NAME = expression(
    "File name", "The file's name (default: the vendor's `Content-Disposition`).", ["steps.doc.fileName"]
)
_TYPE = expression(
    "Content type", "The file's MIME type (default: the vendor's `Content-Type`).", ["steps.doc.mimeType"]
)


def build_url_download(config: Mapping[str, Any], *, env: BuildEnv) -> UrlDownload:
    """The ``url`` download."""
    return UrlDownload(env.expr(config["url"]), env.expr(config.get("file_name")), env.expr(config.get("content_type")))


def build_request_download(config: Mapping[str, Any], *, env: BuildEnv) -> RequestDownload:
    """The ``request`` download."""
    return RequestDownload(
        env.template(config["path"]),
        env.expr_map(config.get("query")),
        session_query=config.get("session_query"),
        session_header=config.get("session_header"),
        file_name=env.expr(config.get("file_name")),
        content_type=env.expr(config.get("content_type")),
    )


def register_download_components(register: Callable[..., None]) -> None:
    """Register the built-in ``download`` types."""
    register(
        "download",
        "url",
        obj(
            "URL download",
            "Fetch an absolute URL the vendor handed out (a signed link): no credentials are sent, redirects "
            "are followed, and private or loopback hosts are refused unless the setting `allow_private_urls` "
            "is true.",
            [{"type": "url", "url": "steps.attachment.url"}],
            {
                "url": expression("URL", "The file's URL.", ["steps.attachment.url"]),
                "file_name": _NAME,
                "content_type": _TYPE,
            },
            required=["url"],
        ),
        build_url_download,
        summary="An absolute URL from the vendor, fetched without credentials.",
    )
    register(
        "download",
        "request",
        obj(
            "Vendor request download",
            "A GET on the vendor's own host with the integration's auth; `session_query` or `session_header` "
            "name where the session (or token) goes, else the auth places it as usual.",
            [{"type": "request", "path": "/fileService.php", "query": {"ouid": "steps.doc.fileUid"}}],
            {
                "path": template("Path", "The path on the vendor's host.", ["/fileService.php"]),
                "query": expression_map("Query", "Query parameters.", [{"ouid": "steps.doc.fileUid"}]),
                "session_query": {
                    "type": "string",
                    "title": "Session query parameter",
                    "description": "The query parameter that carries the session or token.",
                    "examples": ["sessionId"],
                },
                "session_header": {
                    "type": "string",
                    "title": "Session header",
                    "description": "The header that carries the session or token.",
                    "examples": ["X-Session"],
                },
                "file_name": _NAME,
                "content_type": _TYPE,
            },
            required=["path"],
        ),
        build_request_download,
        summary="A GET on the vendor's host with the integration's auth.",
    )
