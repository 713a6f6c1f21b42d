"""A keyset page (``uid GT last``, sorted by uid) is cut from the cached selection by bisection:
it must give exactly what filtering the whole selection gives, for every service and bound."""

from __future__ import annotations

from typing import Any

import pytest

from unimap_connectors.otys.sandbox.store import keyset_bound

SORT = {"uid": "ASC"}
SERVICES = ["CandidateService", "VacancyService", "ProcedureService", "UserService"]


def bound(param: Any) -> dict[str, Any]:
    return {"type": "COND", "field": "uid", "op": "GT", "param": param}


def filtered(tenant: Any, service: str, condition: Any, sort: Any) -> list[Any]:
    """The selection the slow path gives: every row of the unbounded selection the condition keeps."""
    keep = tenant.compilers[service].condition(condition)
    return [row for row in tenant.select(service, None, sort) if keep(row)]


@pytest.fixture(scope="module")
def tenant(otys_sandbox_factory_module: Any) -> Any:
    return otys_sandbox_factory_module(size=300).tenant


@pytest.fixture(scope="module")
def otys_sandbox_factory_module() -> Any:
    from unimap_connectors.otys.sandbox.server import Sandbox

    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        sandbox = Sandbox(seed=1, rate_limit=None, **kwargs).start()
        made.append(sandbox)
        return sandbox

    yield make
    for sandbox in made:
        sandbox.stop()


@pytest.mark.parametrize("service", SERVICES)
def test_each_page_past_a_uid_is_what_filtering_gives(tenant: Any, service: str) -> None:
    uids = [row["uid"] for row in tenant.select(service, None, SORT)]
    assert len(uids) > 3
    picks = [uids[0], uids[1], uids[len(uids) // 2], uids[-2], uids[-1]]
    for param in picks:
        page = tenant.select(service, bound(param), SORT)
        assert page == filtered(tenant, service, bound(param), SORT)
        if param != uids[-1]:
            assert page[0]["uid"] == uids[uids.index(param) + 1]
    assert tenant.select(service, bound(uids[-1]), SORT) == []


def test_a_bound_inside_an_and_keeps_the_other_filters(tenant: Any) -> None:
    rows = tenant.select("CandidateService", None, SORT)
    middle = rows[len(rows) // 2]["uid"]
    other = {"type": "COND", "field": "uid", "op": "LT", "param": rows[-10]["uid"]}
    condition = {"type": "AND", "items": [other, bound(middle)]}
    page = tenant.select("CandidateService", condition, SORT)
    assert page == filtered(tenant, "CandidateService", condition, SORT)
    assert 0 < len(page) < len(rows) // 2


def test_a_deleted_last_uid_still_pages_on(otys_sandbox_factory_module: Any) -> None:
    tenant = otys_sandbox_factory_module(size=60).tenant
    rows = tenant.select("CandidateService", None, SORT)
    last = rows[20]["uid"]
    tenant.delete("CandidateService", last, hard=True)
    page = tenant.select("CandidateService", bound(last), SORT)
    assert page == filtered(tenant, "CandidateService", bound(last), SORT)
    assert page[0]["uid"] == rows[21]["uid"]


@pytest.mark.parametrize(
    ("condition", "sort"),
    [
        (bound(5), {"uid": "DESC"}),
        (bound(5), {"uid": "ASC", "lastModified": "ASC"}),
        ({"type": "COND", "field": "uid", "op": "GE", "param": 5}, SORT),
        ({"type": "OR", "items": [bound(5)]}, SORT),
        ({"type": "AND", "items": [bound(5), bound(9)]}, SORT),
        (bound(5), None),
    ],
)
def test_other_queries_take_the_full_path(condition: Any, sort: Any) -> None:
    assert keyset_bound(condition, sort) is None


def test_the_bound_is_split_from_the_rest() -> None:
    other = {"type": "COND", "field": "lastModified", "op": "GE", "param": "2026-01-01"}
    assert keyset_bound(bound(7), SORT) == (None, bound(7))
    assert keyset_bound({"type": "AND", "items": [other, bound(7)]}, SORT) == (
        {"type": "AND", "items": [other]},
        bound(7),
    )
    assert keyset_bound({"type": "AND", "items": [bound(7)]}, SORT) == (None, bound(7))
