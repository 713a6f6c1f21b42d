"""Paginators: pure logic over requests and responses, with JSON-serialisable state for checkpoints.

``start(resume)`` gives the first state (or the checkpointed one), ``variables(state)`` what request
expressions see as ``page``, ``apply(request, state)`` injects the page into a request, and
``advance(state, response, records, total)`` gives the next state or ``None`` after the last page.
Every paginator stops on an empty page, a short page (when the size is known), a missing next
link or cursor, or once ``total`` records were seen, and raises :class:`RemoteError` when the
vendor serves the same page again and again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urljoin

import orjson

from unimap.errors import ConfigError, RemoteError
from unimap.transport.request import Request, Response

__all__ = [
    "CursorPaginator",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "OffsetPaginator",
    "PageNumberPaginator",
    "Paginator",
    "SinglePage",
    "parse_link_header",
]


@runtime_checkable
class Paginator(Protocol):
    """The interface every paginator implements."""

    page_size: int | None

    def start(self, resume: dict[str, Any] | None) -> dict[str, Any]:
        """The initial state, or the checkpointed ``resume`` one."""

    def variables(self, state: dict[str, Any]) -> dict[str, Any]:
        """What request expressions see as ``page``."""

    def apply(self, request: Request, state: dict[str, Any]) -> Request:
        """``request`` with the page in it (query parameters, or another URL)."""

    def advance(
        self, state: dict[str, Any], response: Response, records: list[Any], total: int | None
    ) -> dict[str, Any] | None:
        """The state of the next page, or ``None`` when this was the last one."""


def _digest(records: list[Any]) -> str:
    try:
        data = orjson.dumps(records, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:
        data = repr(records).encode()
    return hashlib.sha1(data).hexdigest()[:16]


class _Base:
    """Shared stop rules: empty page, short page, totals seen, identical page repeated."""

    type = "none"
    page_size: int | None = None
    #: a page shorter than ``page_size`` is the last one
    stop_on_short_page: bool = True

    def _seen(self, state: dict[str, Any], records: list[Any]) -> int:
        return int(state.get("seen", 0)) + len(records)

    def _finished(self, state: dict[str, Any], records: list[Any], total: int | None) -> bool:
        if not records:
            return True
        if total is not None:  # a known total decides (a vendor may cap pages below the size asked for)
            return self._seen(state, records) >= total
        return bool(self.stop_on_short_page and self.page_size and len(records) < self.page_size)

    def _guard(self, state: dict[str, Any], response: Response, records: list[Any]) -> str:
        """The page's digest; :class:`RemoteError` when it equals the previous page's."""
        digest = _digest(records)
        if digest == state.get("digest"):
            raise RemoteError(
                f"{self._call(response)}: the vendor returned the same page of {len(records)} "
                f"record(s) again at a new position; stopping instead of looping forever",
                call=self._call(response),
            )
        return digest

    @staticmethod
    def _call(response: Response) -> str:
        if response.request is not None:
            return response.request.name
        return response.url.split("?", 1)[0] or "paginated request"

    def variables(self, state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "first": not state.get("seen")}


class SinglePage(_Base):
    """``type: none`` (alias ``single_page``): one request, no pagination."""

    def __init__(self, page_size: int | None = None) -> None:
        self.page_size = page_size

    def start(self, resume: dict[str, Any] | None) -> dict[str, Any]:
        return dict(resume or {})

    def apply(self, request: Request, state: dict[str, Any]) -> Request:
        return request

    def advance(
        self, state: dict[str, Any], response: Response, records: list[Any], total: int | None
    ) -> dict[str, Any] | None:
        return None


class OffsetPaginator(_Base):
    """``type: offset``: ``offset``/``limit`` query parameters (REST) or ``page.offset``/``page.limit`` (JSON-RPC)."""

    type = "offset"

    def __init__(
        self, page_size: int, *, limit_param: str | None = None, offset_param: str | None = None, start: int = 0
    ) -> None:
        if page_size < 1:
            raise ConfigError("paginator offset: page_size must be at least 1")
        self.page_size = page_size
        self.limit_param = limit_param
        self.offset_param = offset_param
        self.first_offset = start

    def start(self, resume: dict[str, Any] | None) -> dict[str, Any]:
        return {"offset": self.first_offset, "seen": 0, **(resume or {})}

    def variables(self, state: dict[str, Any]) -> dict[str, Any]:
        return {"offset": state["offset"], "limit": self.page_size, "first": not state.get("seen")}

    def apply(self, request: Request, state: dict[str, Any]) -> Request:
        out = request.replace()
        if self.offset_param:
            out.query[self.offset_param] = state["offset"]
        if self.limit_param:
            out.query[self.limit_param] = self.page_size
        return out

    def advance(
        self, state: dict[str, Any], response: Response, records: list[Any], total: int | None
    ) -> dict[str, Any] | None:
        if self._finished(state, records, total):
            return None
        digest = self._guard(state, response, records)
        return {"offset": int(state["offset"]) + len(records), "seen": self._seen(state, records), "digest": digest}


class PageNumberPaginator(_Base):
    """``type: page_number``: ``page`` (from ``start``) and ``size`` query parameters; optional ``total_pages``."""

    type = "page_number"

    def __init__(
        self,
        *,
        page_param: str | None = "page",
        size_param: str | None = None,
        start: int = 1,
        page_size: int | None = None,
        total_pages: Any = None,
    ) -> None:
        self.page_param = page_param
        self.size_param = size_param
        self.first_page = start
        self.page_size = page_size
        self.total_pages = total_pages

    def start(self, resume: dict[str, Any] | None) -> dict[str, Any]:
        return {"page": self.first_page, "seen": 0, **(resume or {})}

    def variables(self, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "page": state["page"],
            "number": state["page"],
            "size": self.page_size,
            "limit": self.page_size,
            "offset": int(state.get("seen", 0)),
            "first": not state.get("seen"),
        }

    def apply(self, request: Request, state: dict[str, Any]) -> Request:
        out = request.replace()
        if self.page_param:
            out.query[self.page_param] = state["page"]
        if self.size_param and self.page_size:
            out.query[self.size_param] = self.page_size
        return out

    def advance(
        self, state: dict[str, Any], response: Response, records: list[Any], total: int | None
    ) -> dict[str, Any] | None:
        if self._finished(state, records, total):
            return None
        if self.total_pages is not None:
            pages = self.total_pages.search(response.view())
            if (
                isinstance(pages, int | float)
                and not isinstance(pages, bool)
                and int(state["page"]) - self.first_page + 1 >= pages
            ):
                return None
        digest = self._guard(state, response, records)
        return {"page": int(state["page"]) + 1, "seen": self._seen(state, records), "digest": digest}


def _text(value: Any) -> str | None:
    if value is None or value == "" or value is False:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class CursorPaginator(_Base):
    """``type: cursor``: the ``next`` expression (over ``{body, headers, status}``) gives the next cursor.

    ``send_only_cursor`` drops every other query parameter once a cursor is sent (for vendors that
    refuse filters next to a cursor); ``size_param`` is then sent on the first request only.
    """

    type = "cursor"

    def __init__(
        self,
        next_expr: Any,
        *,
        cursor_param: str | None = "cursor",
        size_param: str | None = None,
        page_size: int | None = None,
        send_only_cursor: bool = False,
    ) -> None:
        if next_expr is None:
            raise ConfigError("paginator cursor needs a `next` expression")
        self.next = next_expr
        self.cursor_param = cursor_param
        self.size_param = size_param
        self.page_size = page_size
        self.send_only_cursor = send_only_cursor

    def start(self, resume: dict[str, Any] | None) -> dict[str, Any]:
        return {"cursor": None, "seen": 0, **(resume or {})}

    def variables(self, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "cursor": state.get("cursor"),
            "limit": self.page_size,
            "size": self.page_size,
            "first": state.get("cursor") is None,
        }

    def apply(self, request: Request, state: dict[str, Any]) -> Request:
        out = request.replace()
        cursor = state.get("cursor")
        if cursor is not None and self.send_only_cursor:
            out.query = {}
        elif self.size_param and self.page_size:
            out.query[self.size_param] = self.page_size
        if cursor is not None and self.cursor_param:
            out.query[self.cursor_param] = cursor
        return out

    def advance(
        self, state: dict[str, Any], response: Response, records: list[Any], total: int | None
    ) -> dict[str, Any] | None:
        cursor = _text(self.next.search(response.view()))
        if cursor is None or self._finished(state, records, total):
            return None
        if cursor == state.get("cursor") or cursor in state.get("trail", []):
            raise RemoteError(
                f"{self._call(response)}: the vendor returned the same next cursor again; "
                "stopping instead of looping forever",
                call=self._call(response),
            )
        digest = self._guard(state, response, records)
        trail = [*state.get("trail", []), state["cursor"]][-3:] if state.get("cursor") is not None else []
        return {"cursor": cursor, "seen": self._seen(state, records), "digest": digest, "trail": trail}


def parse_link_header(value: str | None) -> list[tuple[str, dict[str, str]]]:
    """RFC 8288 ``Link`` values: ``[(url, {param: value})]``; parameter names lower-cased, quotes removed.

    Handles several links, quoted values holding ``,`` or ``;``, escaped quotes, and stray whitespace.
    """
    text = value or ""
    links: list[tuple[str, dict[str, str]]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t,":
            i += 1
        if i >= n:
            break
        if text[i] != "<":  # garbage: skip to the next link
            comma = text.find(",", i)
            i = n if comma < 0 else comma + 1
            continue
        close = text.find(">", i)
        if close < 0:
            break
        url = text[i + 1 : close].strip()
        i = close + 1
        params: dict[str, str] = {}
        while True:
            while i < n and text[i] in " \t":
                i += 1
            if i >= n or text[i] != ";":
                break
            i += 1
            while i < n and text[i] in " \t":
                i += 1
            start = i
            while i < n and text[i] not in "=;, \t":
                i += 1
            name = text[start:i].lower()
            while i < n and text[i] in " \t":
                i += 1
            param = ""
            if i < n and text[i] == "=":
                i += 1
                while i < n and text[i] in " \t":
                    i += 1
                if i < n and text[i] == '"':
                    i += 1
                    chars: list[str] = []
                    while i < n and text[i] != '"':
                        if text[i] == "\\" and i + 1 < n:
                            i += 1
                        chars.append(text[i])
                        i += 1
                    i += 1
                    param = "".join(chars)
                else:
                    start = i
                    while i < n and text[i] not in ";,":
                        i += 1
                    param = text[start:i].strip()
            if name:
                params.setdefault(name, param)
        links.append((url, params))
        while i < n and text[i] != ",":
            i += 1
    return links


def next_link(value: str | None) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header (``rel`` may list several relation types)."""
    for url, params in parse_link_header(value):
        if "next" in params.get("rel", "").lower().split():
            return url
    return None


class _UrlFollower(_Base):
    """Shared by link_header and next_url: the next page is a URL followed as given."""

    size_param: str | None = None

    def start(self, resume: dict[str, Any] | None) -> dict[str, Any]:
        return {"url": None, "seen": 0, **(resume or {})}

    def variables(self, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": state.get("url"),
            "limit": self.page_size,
            "size": self.page_size,
            "first": state.get("url") is None,
        }

    def apply(self, request: Request, state: dict[str, Any]) -> Request:
        out = request.replace()
        url = state.get("url")
        if url:
            out.path, out.query = url, {}  # the link carries every parameter
        elif self.size_param and self.page_size:
            out.query[self.size_param] = self.page_size
        return out

    def _next(self, response: Response) -> str | None:
        raise NotImplementedError

    def advance(
        self, state: dict[str, Any], response: Response, records: list[Any], total: int | None
    ) -> dict[str, Any] | None:
        url = self._next(response)
        if url is None or self._finished(state, records, total):
            return None
        url = urljoin(response.url, url) if response.url else url
        if url == state.get("url") or url == response.url or url in state.get("trail", []):
            raise RemoteError(
                f"{self._call(response)}: the vendor returned the same next link again; stopping "
                "instead of looping forever",
                call=self._call(response),
            )
        digest = self._guard(state, response, records)
        trail = [*state.get("trail", []), state["url"]][-3:] if state.get("url") else []
        return {"url": url, "seen": self._seen(state, records), "digest": digest, "trail": trail}


class LinkHeaderPaginator(_UrlFollower):
    """``type: link_header``: follow the ``Link: <…>; rel="next"`` URL as given (RFC 8288)."""

    type = "link_header"

    def __init__(
        self, *, size_param: str | None = None, page_size: int | None = None, header: str = "Link", rel: str = "next"
    ) -> None:
        self.size_param = size_param
        self.page_size = page_size
        self.header = header
        self.rel = rel

    def _next(self, response: Response) -> str | None:
        for url, params in parse_link_header(response.headers.get(self.header)):
            if self.rel in params.get("rel", "").lower().split():
                return url or None
        return None


class NextUrlPaginator(_UrlFollower):
    """``type: next_url``: the ``next`` expression gives the next page's URL (in the body or a header)."""

    type = "next_url"

    def __init__(self, next_expr: Any, *, size_param: str | None = None, page_size: int | None = None) -> None:
        if next_expr is None:
            raise ConfigError("paginator next_url needs a `next` expression")
        self.next = next_expr
        self.size_param = size_param
        self.page_size = page_size

    def _next(self, response: Response) -> str | None:
        return _text(self.next.search(response.view()))


def state_of(value: Any) -> dict[str, Any] | None:
    """A checkpointed paginator state, checked to be an object."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"a paginator state must be an object, not {type(value).__name__}")
    return dict(value)
