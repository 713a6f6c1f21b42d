"""The ``keyset`` paginator: each page asks for records after the last key seen (``uid > 1234``).

Unlike offsets, keys do not shift when a record is deleted while a sync pages through a list,
so no record is skipped. The key goes to the request as ``page.after`` (for JSON-RPC params),
as a filter object combined with the source's other filters (``filter``), or as a query
parameter (``after_param``). The list must be sorted by the key, ascending.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from unimap.errors import ConfigError, RemoteError
from unimap.registry import BuildEnv, expression, obj
from unimap.transport.paginators import _Base
from unimap.transport.request import Request, Response

__all__ = ["KeysetPaginator", "register_keyset"]


class KeysetPaginator(_Base):
    """``type: keyset``: pages by the last key seen; the vendor's order must be by that key."""

    type = "keyset"

    def __init__(
        self,
        page_size: int,
        key: Any,
        *,
        filter: Any = None,
        after_param: str | None = None,
        size_param: str | None = None,
    ) -> None:
        if page_size < 1:
            raise ConfigError("paginator keyset: page_size must be at least 1")
        self.page_size = page_size
        self.key = key
        self.filter = filter
        self.after_param = after_param
        self.size_param = size_param

    def start(self, resume: dict[str, Any] | None) -> dict[str, Any]:
        return dict(resume) if resume else {"after": None, "seen": 0}

    def variables(self, state: dict[str, Any]) -> dict[str, Any]:
        return {"after": state.get("after"), "limit": self.page_size, "offset": 0, "first": not state.get("seen")}

    def filter_for(self, variables: Mapping[str, Any]) -> Any:
        """The filter object of the page (``None`` for the first page, or without ``filter``)."""
        if self.filter is None or variables.get("after") is None:
            return None
        return self.filter.search({"page": dict(variables)})

    def apply(self, request: Request, state: dict[str, Any]) -> Request:
        query = dict(request.query)
        if self.size_param:
            query[self.size_param] = self.page_size
        if self.after_param and state.get("after") is not None:
            query[self.after_param] = state["after"]
        return request.replace(query=query)

    def advance(
        self, state: dict[str, Any], response: Response, records: list[Any], total: int | None
    ) -> dict[str, Any] | None:
        if not records or len(records) < (self.page_size or 0):
            return None
        last = self.key.search(records[-1])
        if last is None:
            raise RemoteError(
                f"{self._call(response)}: the last record of a page has no {self.key.text!r}, so the "
                "next page cannot be asked for",
                call=self._call(response),
            )
        if last == state.get("after"):
            raise RemoteError(
                f"{self._call(response)}: the vendor returned the same page again (key {last!r}); "
                "stopping instead of looping forever",
                call=self._call(response),
            )
        return {"after": last, "seen": self._seen(state, records)}


_SCHEMA = obj(
    "Keyset",
    "Pages by the last key seen (`page.after`), so deletions during a sync never shift pages. The list "
    "must be sorted by the key, ascending.",
    [
        {
            "type": "keyset",
            "page_size": 200,
            "key": "uid",
            "filter": "{type: 'COND', field: 'uid', op: 'GT', param: page.after}",
        }
    ],
    {
        "page_size": {
            "type": "integer",
            "minimum": 1,
            "title": "Page size",
            "description": "Records per page (`page.limit`).",
            "examples": [200],
        },
        "key": expression("Key", "The sort key of a record (an expression over the record).", ["uid", "id"]),
        "filter": expression(
            "Filter",
            "A filter object for records after `page.after` (an expression over "
            "`{page}`), combined with the source's other filters.",
            ["{type: 'COND', field: 'uid', op: 'GT', param: page.after}"],
        ),
        "after_param": {
            "type": "string",
            "title": "After parameter",
            "description": "The query parameter that carries the last key (REST).",
            "examples": ["after_id"],
        },
        "size_param": {
            "type": "string",
            "title": "Size parameter",
            "description": "The query parameter that carries the page size (REST).",
            "examples": ["limit"],
        },
    },
    required=["page_size", "key"],
)


def _build(config: Mapping[str, Any], *, env: BuildEnv) -> KeysetPaginator:
    return KeysetPaginator(
        int(config["page_size"]),
        env.expr(config["key"]),
        filter=env.expr(config.get("filter")),
        after_param=config.get("after_param"),
        size_param=config.get("size_param"),
    )


def register_keyset(register: Callable[..., None]) -> None:
    """Register the ``keyset`` paginator."""
    register("paginator", "keyset", _SCHEMA, _build, summary="Pages by the last key seen.")
