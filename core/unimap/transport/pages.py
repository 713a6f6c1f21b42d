"""Driving a paginated request: build, send, extract records, advance — one checkpointable page at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from unimap.errors import RemoteError
from unimap.transport.paginators import Paginator
from unimap.transport.request import Request, Response
from unimap.transport.requests import RequestTemplate

__all__ = ["Page", "Sender", "pages"]


class Sender(Protocol):
    """What sends a request (a :class:`~unimap.transport.client.VendorClient`)."""

    def send(self, request: Request) -> Response:
        """The response to ``request``."""


@dataclass
class Page:
    """One fetched page: its records, the response, and the paginator state to checkpoint after it."""

    records: list[Any]
    response: Response
    state: dict[str, Any]
    next_state: dict[str, Any] | None  # None: this was the last page
    total: int | None = None


Extract = Callable[[Response], Any]


def _extractor(spec: Any, functions: Any) -> Extract | None:
    if spec is None or (callable(spec) and not hasattr(spec, "search")):
        return spec
    if isinstance(spec, str):
        from unimap.expressions import compile_expression

        spec = compile_expression(spec, functions)
    return lambda response: spec.search(response.view())


def pages(
    client: Sender,
    request: RequestTemplate | Callable[[dict[str, Any]], Request],
    paginator: Paginator,
    context: dict[str, Any],
    *,
    records: Any = None,
    total: Any = None,
    resume: dict[str, Any] | None = None,
) -> Iterator[Page]:
    """Every page of ``request`` (a request component or a function of the context) under ``paginator``.

    ``records`` and ``total`` are expressions over the response view (compiled, or text compiled with the
    client's functions; or functions of the response);
    without ``records`` the body must be the list of records. The context gains ``page`` (the
    paginator's variables). Store ``page.next_state`` with the page's records to resume after a kill
    (``resume=``).
    """
    build = request.build if hasattr(request, "build") else request
    functions = getattr(client, "functions", None)
    if functions is None and (isinstance(records, str) or isinstance(total, str)):
        from unimap.transport.client import default_functions

        functions = default_functions()
    get_records = _extractor(records, functions)
    get_total = _extractor(total, functions)
    state: dict[str, Any] | None = paginator.start(resume)
    known_total: int | None = None
    while state is not None:
        built = build({**context, "page": paginator.variables(state)})
        response = client.send(paginator.apply(built, state))
        found = get_records(response) if get_records is not None else response.body
        if found is None:
            found = []
        if not isinstance(found, list):
            raise RemoteError(f"{built.name}: the records are a {type(found).__name__}, not a list", call=built.name)
        if get_total is not None:
            value = get_total(response)
            if isinstance(value, int | float) and not isinstance(value, bool):
                known_total = int(value)
        next_state = paginator.advance(state, response, found, known_total)
        yield Page(found, response, state, next_state, known_total)
        state = next_state
