"""Paginators as pure logic: stops, totals, the repeat guard, resuming from state, Link header parsing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from unimap.errors import RemoteError
from unimap.registry import BuildEnv
from unimap.transport import (
    Paginator,
    Request,
    Response,
    default_functions,
    default_registry,
    parse_link_header,
)

from .conftest import BASE, REST, Vendor, make_client

ENV = BuildEnv(default_functions(), registry=default_registry())


def build(config: dict[str, Any]) -> Paginator:
    paginator = default_registry().build("paginator", config, env=ENV)
    assert isinstance(paginator, Paginator)
    return paginator  # type: ignore[no-any-return]


def response(body: Any = None, headers: dict[str, str] | None = None, url: str = BASE + "/items") -> Response:
    return Response(200, httpx.Headers(headers or {}), body, url)


def records(n: int, start: int = 0) -> list[dict[str, int]]:
    return [{"id": i} for i in range(start, start + n)]


def run(
    paginator: Paginator,
    pages: list[tuple[list[Any], Response]],
    *,
    total: int | None = None,
    resume: dict[str, Any] | None = None,
) -> tuple[list[Request], list[dict[str, Any]]]:
    """Drive ``paginator`` over scripted pages; the requests it made and the states it went through."""
    state: dict[str, Any] | None = paginator.start(resume)
    sent: list[Request] = []
    states: list[dict[str, Any]] = []
    for page_records, page_response in pages:
        assert state is not None
        states.append(state)
        sent.append(paginator.apply(Request("GET", "/items", query={"status": "open"}), state))
        state = paginator.advance(state, page_response, page_records, total)
        if state is None:
            break
        json.dumps(state)  # checkpointable
    return sent, states


def test_single_page_makes_one_request() -> None:
    for name in ("none", "single_page"):
        sent, _ = run(build({"type": name}), [(records(5), response()), (records(5), response())])
        assert len(sent) == 1


def test_offset_pages_until_a_short_page() -> None:
    paginator = build({"type": "offset", "page_size": 2, "limit_param": "limit", "offset_param": "offset"})
    sent, states = run(
        paginator,
        [
            (records(2), response()),
            (records(2, 2), response()),
            (records(1, 4), response()),
            (records(2, 9), response()),
        ],
    )
    assert [r.query for r in sent] == [
        {"status": "open", "offset": 0, "limit": 2},
        {"status": "open", "offset": 2, "limit": 2},
        {"status": "open", "offset": 4, "limit": 2},
    ]
    assert [paginator.variables(s) for s in states] == [
        {"offset": 0, "limit": 2, "first": True},
        {"offset": 2, "limit": 2, "first": False},
        {"offset": 4, "limit": 2, "first": False},
    ]


def test_offset_stops_on_an_empty_page_and_at_the_total() -> None:
    paginator = build({"type": "offset", "page_size": 2})
    sent, _ = run(paginator, [(records(2), response()), ([], response()), (records(2), response())])
    assert len(sent) == 2
    sent, _ = run(
        paginator, [(records(2), response()), (records(2, 2), response()), (records(2, 4), response())], total=4
    )
    assert len(sent) == 2
    assert sent[0].query == {"status": "open"}  # JSON-RPC style: no query params, the params read `page`


def test_offset_resumes_from_a_checkpointed_state() -> None:
    paginator = build({"type": "offset", "page_size": 2, "offset_param": "offset"})
    state = paginator.advance(paginator.start(None), response(), records(2), None)
    checkpoint = json.loads(json.dumps(state))
    sent, _ = run(
        build({"type": "offset", "page_size": 2, "offset_param": "offset"}),
        [(records(1, 2), response())],
        resume=checkpoint,
    )
    assert sent[0].query["offset"] == 2


def test_repeated_identical_page_raises_naming_the_call() -> None:
    paginator = build({"type": "offset", "page_size": 2, "offset_param": "offset"})
    with pytest.raises(RemoteError, match=r"/items.*same page"):
        run(paginator, [(records(2), response()), (records(2), response()), (records(2), response())])


def test_page_number_with_total_pages() -> None:
    paginator = build(
        {
            "type": "page_number",
            "page_param": "page",
            "size_param": "per_page",
            "page_size": 2,
            "total_pages": "body.pages",
        }
    )
    sent, _ = run(
        paginator,
        [
            (records(2), response({"pages": 2})),
            (records(2, 2), response({"pages": 2})),
            (records(2, 4), response({"pages": 2})),
        ],
    )
    assert [(r.query["page"], r.query["per_page"]) for r in sent] == [(1, 2), (2, 2)]
    zero = build({"type": "page_number", "start": 0})
    sent, _ = run(zero, [(records(3), response()), (records(3, 3), response()), ([], response())])
    assert [r.query["page"] for r in sent] == [0, 1, 2]


def test_cursor_from_the_body_with_send_only_cursor() -> None:
    paginator = build(
        {
            "type": "cursor",
            "next": "body.meta.next",
            "cursor_param": "cursor",
            "size_param": "per_page",
            "page_size": 2,
            "send_only_cursor": True,
        }
    )
    sent, _ = run(
        paginator,
        [
            (records(2), response({"meta": {"next": "c1"}})),
            (records(2, 2), response({"meta": {"next": "c2"}})),
            (records(2, 4), response({"meta": {"next": None}})),
            (records(2, 6), response()),
        ],
    )
    assert [r.query for r in sent] == [{"status": "open", "per_page": 2}, {"cursor": "c1"}, {"cursor": "c2"}]


def test_cursor_from_a_header_keeps_other_params_by_default() -> None:
    paginator = build({"type": "cursor", "next": 'headers."x-next-cursor"', "cursor_param": "after"})
    sent, _ = run(paginator, [(records(3), response(headers={"X-Next-Cursor": "abc"})), (records(3, 3), response())])
    assert [r.query for r in sent] == [{"status": "open"}, {"status": "open", "after": "abc"}]


def test_cursor_repeated_forever_raises() -> None:
    paginator = build({"type": "cursor", "next": "body.next"})
    with pytest.raises(RemoteError, match="same next cursor"):
        run(
            paginator,
            [
                (records(1), response({"next": "c1"})),
                (records(1, 1), response({"next": "c1"})),
                (records(1, 2), response({"next": "c1"})),
            ],
        )


def test_cursor_without_next_or_empty_page_stops() -> None:
    paginator = build({"type": "cursor", "next": "body.next"})
    assert len(run(paginator, [(records(1), response({})), (records(1), response({"next": "x"}))])[0]) == 1
    assert len(run(paginator, [([], response({"next": "x"})), (records(1), response({"next": "y"}))])[0]) == 1


GH = "https://harvest.greenhouse.io/v3/jobs?cursor=XYZ"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f'<{GH}>; rel="next"', GH),
        (f"<{GH}>; rel=next", GH),
        (f'<{GH}>; REL="Next"', GH),
        (f'<https://x.test/a?page=1>; rel="prev", <{GH}>; rel="next"', GH),
        (f'<{GH}>; title="a, b; c"; rel="next"', GH),
        (f'<{GH}>; rel="last next"', GH),
        ('<https://x.test/a>; rel="prev"', None),
        ("", None),
    ],
)
def test_link_header_finds_the_next_link(header: str, expected: str | None) -> None:
    paginator = build({"type": "link_header"})
    state = paginator.advance(
        paginator.start(None), response(headers={"Link": header} if header else {}), records(1), None
    )
    assert (state or {}).get("url") == expected


def test_parse_link_header_keeps_every_link_and_param() -> None:
    links = parse_link_header('<https://a.test/1>; rel="next"; title="x \\"y\\"", <https://a.test/0>; rel=prev')
    assert links == [("https://a.test/1", {"rel": "next", "title": 'x "y"'}), ("https://a.test/0", {"rel": "prev"})]


def test_link_header_follows_the_url_as_given_and_sends_the_size_first_only() -> None:
    paginator = build({"type": "link_header", "size_param": "per_page", "page_size": 2})
    sent, _ = run(
        paginator,
        [
            (records(2), response(headers={"link": f'<{GH}>; rel="next"'})),
            (records(2, 2), response(headers={"link": ""}, url=GH)),
            (records(2, 4), response()),
        ],
    )
    assert [(r.path, r.query) for r in sent] == [("/items", {"status": "open", "per_page": 2}), (GH, {})]


def test_link_header_same_link_again_raises() -> None:
    paginator = build({"type": "link_header"})
    with pytest.raises(RemoteError, match="same next link"):
        run(
            paginator,
            [
                (records(1), response(headers={"Link": f"<{GH}>; rel=next"})),
                (records(1, 1), response(headers={"Link": f"<{GH}>; rel=next"}, url=GH)),
            ],
        )


def test_link_header_relative_link_is_resolved_against_the_page_url() -> None:
    paginator = build({"type": "link_header"})
    state = paginator.advance(
        paginator.start(None), response(headers={"Link": '</items?cursor=2>; rel="next"'}), records(1), None
    )
    assert state is not None and state["url"] == BASE + "/items?cursor=2"


def test_next_url_in_the_body() -> None:
    paginator = build({"type": "next_url", "next": "body.links.next"})
    sent, _ = run(
        paginator,
        [
            (records(2), response({"links": {"next": BASE + "/items?p=2"}})),
            (records(2, 2), response({"links": {"next": None}}, url=BASE + "/items?p=2")),
        ],
    )
    assert [r.path for r in sent] == ["/items", BASE + "/items?p=2"]


def test_short_page_stop_can_be_switched_off() -> None:
    paginator = build({"type": "cursor", "next": "body.next", "page_size": 10, "stop_on_short_page": False})
    sent, _ = run(paginator, [(records(3), response({"next": "a"})), (records(3, 3), response({}))])
    assert len(sent) == 2
    strict = build({"type": "cursor", "next": "body.next", "page_size": 10})
    assert len(run(strict, [(records(3), response({"next": "a"})), (records(3, 3), response({}))])[0]) == 1


def test_link_header_pagination_end_to_end_over_rest(vendor: Vendor) -> None:
    pages = {
        None: ([{"id": 3}, {"id": 2}], '<http://vendor.test/v3/jobs?cursor=P2>; rel="next"'),
        "P2": ([{"id": 1}], ""),
    }

    def jobs(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        if cursor is not None:
            assert dict(request.url.params) == {"cursor": cursor}  # the cursor and nothing else
        body, link = pages[cursor]
        return httpx.Response(200, json=body, headers={"Link": link} if link else {})

    vendor.on("GET", "/v3/jobs", jobs)
    client = make_client(REST, vendor)
    paginator = build({"type": "link_header", "size_param": "per_page", "page_size": 2})
    state: dict[str, Any] | None = paginator.start(None)
    seen: list[Any] = []
    while state is not None:
        answer = client.send(paginator.apply(Request("GET", "/v3/jobs", query={"status": "open"}), state))
        seen.extend(answer.body)
        state = paginator.advance(state, answer, answer.body, None)
    assert seen == [{"id": 3}, {"id": 2}, {"id": 1}]
    assert vendor.paths() == ["GET /v3/jobs?status=open&per_page=2", "GET /v3/jobs?cursor=P2"]


def test_a_next_link_to_another_host_is_refused(vendor: Vendor) -> None:
    from unimap.errors import RemoteInputInvalid

    client = make_client(REST, vendor)
    with pytest.raises(RemoteInputInvalid, match="not this integration's host"):
        client.send(Request("GET", "https://evil.test/v3/jobs?cursor=1"))
    assert vendor.requests == []


def test_a_known_total_outranks_a_short_page() -> None:
    paginator = build({"type": "offset", "page_size": 5, "offset_param": "offset"})  # the vendor caps pages at 2
    sent, _ = run(
        paginator,
        [
            (records(2), response()),
            (records(2, 2), response()),
            (records(1, 4), response()),
            (records(1, 9), response()),
        ],
        total=5,
    )
    assert [r.query["offset"] for r in sent] == [0, 2, 4]
