"""Actonomy search (``search.ACTONOMY``): the right records, or an error naming what is not implemented."""

from __future__ import annotations

from typing import Any

import pytest

from unimap_connectors.otys.sandbox import SandboxSettings

from .conftest import Rpc


def _email_search(email: str) -> dict[str, Any]:
    """The OTYS plugin's candidate lookup by e-mail: a quoted keyword on emailAddress, limit 1."""
    return {
        "search": {
            "ACTONOMY": {
                "DATA": {
                    "keywords": {
                        "options": {"searchList": ["emailAddress"], "searchMode": "one", "required": True},
                        "value": f'"{email}"',
                    }
                },
                "VERSION": 2,
                "SUB_VERSION": 0,
            }
        },
        "limit": 1,
        "what": {"uid": 1, "Person": {"emailPrimary": 1}},
    }


def _vacancy_search(keyword: str | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"publiceer": {"options": {"required": True, "persistent": False}, "value": "1"}}
    if keyword is not None:
        data["keywords"] = {
            "options": {"searchList": ["title", "chapo", "description"], "searchMode": "one", "required": True},
            "value": keyword,
        }
    data.update(extra)
    return {
        "search": {
            "ACTONOMY": {
                "DATA": data,
                "OPTIONS": {"getTotalCount": 1, "limit": 10, "offset": 0},
                "VERSION": 2,
                "SUB_VERSION": 0,
            }
        },
        "limit": 1000,
        "getTotalCount": True,
        "what": {"uid": 1, "title": 1, "published": 1},
    }


def test_email_lookup_finds_that_candidate(rpc: Rpc) -> None:
    people = [c for c in rpc.sb.tenant.records("CandidateService") if c["Person"]["emailPrimary"]]
    for cand in (people[5], people[-1]):
        email = cand["Person"]["emailPrimary"]
        got = rpc.svc("CandidateService.getListEx", _email_search(email.upper()))
        assert [r["uid"] for r in got["listOutput"]] == [cand["uid"]]
        assert got["searchExtras"]["ACTONOMY"]["totalCount"] == 1
    got = rpc.svc("CandidateService.getListEx", _email_search("nobody@nowhere.example"))
    assert got["listOutput"] == [] and got["searchExtras"]["ACTONOMY"]["totalCount"] == 0
    # a part of an address is not the address
    local = people[5]["Person"]["emailPrimary"].split("@")[0]
    assert rpc.svc("CandidateService.getListEx", _email_search(local))["listOutput"] == []


def test_keyword_search_for_published_vacancies(rpc: Rpc) -> None:
    vacancies = rpc.sb.tenant.records("VacancyService")
    got = rpc.svc("VacancyService.getListEx", _vacancy_search("xyzzy-nothing"))
    assert got["listOutput"] == [] and got["searchExtras"]["ACTONOMY"]["totalCount"] == 0
    word = next(v["title"] for v in vacancies if v["published"]).split()[0]
    expected = sorted(
        v["uid"]
        for v in vacancies
        if v["published"]
        and (
            word.lower() in v["title"].lower()
            or word.lower() in (v["textField_description"]["text"] or "").lower()
            or word.lower() in (v["textField_summary"]["text"] or "").lower()
        )
    )
    options = _vacancy_search(word)
    options["search"]["ACTONOMY"]["OPTIONS"]["limit"] = 100
    got = rpc.svc("VacancyService.getListEx", options)
    assert got["searchExtras"]["ACTONOMY"]["totalCount"] == len(expected) > 0
    assert sorted(r["uid"] for r in got["listOutput"]) == expected
    assert got["totalCount"] == len(expected)  # the root total is the page (as the plugin reads it)
    assert all(r["published"] for r in got["listOutput"])
    everything = rpc.svc("VacancyService.getListEx", _vacancy_search(None))
    assert everything["searchExtras"]["ACTONOMY"]["totalCount"] == sum(v["published"] for v in vacancies)


def test_the_plugins_list_search_with_site_dates_sort_and_facets(rpc: Rpc) -> None:
    options = _vacancy_search(
        None,
        **{
            "p_multi": {"options": {"required": True}, "value": {"required": ["2"]}},
            "public_publish_date": {
                "class": "CustomizedDateRangeField",
                "value": {
                    "from": None,
                    "to": "2025-10-31T22:00:00.000Z",
                    "periodType": "custom",
                    "periodUnit": "month",
                    "period": 1,
                    "operation": "GE",
                    "fromDp": None,
                    "toDp": "2025-10-31T22:00:00.000Z",
                },
            },
            "public_end_date": {
                "class": "CustomizedDateRangeField",
                "value": {"from": "2024-01-01T23:00:00.000Z", "to": None, "periodType": "custom"},
            },
        },
    )
    options["search"]["ACTONOMY"]["OPTIONS"].update(
        {
            "sort": {"public_publish_date": "DESC"},
            "facetsToUse": ["category", "p_multi", "C_1"],
            "matchCriteriaNames": 1,
        }
    )
    got = rpc.svc("VacancyService.getListEx", options)
    expected = [
        v
        for v in rpc.sb.tenant.records("VacancyService")
        if v["published"]
        and "2" in v["slug"]
        and v["publicationStartDate"]
        and v["publicationStartDate"] <= "2025-11-01"
        and (v["publicationEndDate"] is None or v["publicationEndDate"] >= "2024-01-02")
    ]
    extras = got["searchExtras"]["ACTONOMY"]
    assert extras["totalCount"] == len(expected)
    dates = [rpc.sb.tenant.get("VacancyService", r["uid"])["publicationStartDate"] for r in got["listOutput"]]
    assert dates == sorted(dates, reverse=True)
    assert sum(f["frequency"] for f in extras["facets"]["category"]) == len(expected)
    assert all("matchCriteriaNames" in r for r in got["listOutput"])


@pytest.mark.parametrize(
    ("part", "named"),
    [
        ({"DATA": {"proximity": {"options": {"required": True}, "value": {"zipCode": "3511"}}}}, "proximity"),
        ({"DATA": {"premium": {"options": {"required": True}, "value": "1"}}}, "premium"),
        ({"OPTIONS": {"facetsToUse": ["procstatus"]}}, "procstatus"),
        ({"OPTIONS": {"facetsToUse": ["vacancy_version"]}}, "vacancy_version"),
        ({"OPTIONS": {"boost": 2}}, "OPTIONS.boost"),
        ({"DATA": {"keywords": {"options": {"searchList": ["all_documents"]}, "value": "java"}}}, "all_documents"),
        ({"DATA": {"keywords": {"options": {"required": False}, "value": "java"}}}, "required false"),
        ({"DATA": {"keywords": {"options": {"enableExpansion": True}, "value": "java"}}}, "enableExpansion"),
        ({"VERSION": 3}, "VERSION"),
    ],
)
def test_unimplemented_search_parts_are_named(rpc: Rpc, part: dict[str, Any], named: str) -> None:
    err = rpc.svc_error("VacancyService.getListEx", {"search": {"ACTONOMY": part}, "limit": 5})
    assert err["code"] == 206 and named in err["message"] and "Actonomy" in err["message"]


def test_search_where_the_sandbox_has_none_is_refused(rpc: Rpc, otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    assert "UserService" in rpc.svc_error("UserService.getListEx", {"search": {"ACTONOMY": {}}})["message"]
    assert "search" in rpc.svc_error("VacancyService.getList", {"search": {"ACTONOMY": {}}})["message"]
    assert "SOLR" in rpc.svc_error("VacancyService.getListEx", {"search": {"SOLR": {}}})["message"]
    off = make_rpc(otys_sandbox_factory(settings=SandboxSettings(actonomy="refuse")))
    err = off.svc_error("CandidateService.getListEx", _email_search("a@b.example"))
    assert err["code"] == 206 and "Actonomy" in err["message"]
