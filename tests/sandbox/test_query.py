"""getListEx / getList: projection, conditions, sort, paging, limits (checklist 9-13)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from unimap_connectors.otys.sandbox.timefmt import Clockface, iso_z

from .conftest import P, Rpc

AMS = Clockface("Europe/Amsterdam", "%Y-%m-%d %H:%M:%S")


def cond(field: str, op: str, param: Any) -> dict[str, Any]:
    return {"type": "COND", "field": field, "op": op, "param": param}


def uids(rpc: Rpc, service: str, condition: Any, **extra: Any) -> list[Any]:
    rows = rpc.list_all(service, {"what": {"uid": 1}, "condition": condition, **extra})
    return [r["uid"] for r in rows]


@pytest.fixture
def big(otys_sandbox_factory, make_rpc) -> Rpc:  # type: ignore[no-untyped-def]
    """A 600-candidate tenant (enough rows for paging and the 200 limit)."""
    return make_rpc(otys_sandbox_factory(size=600))


# -- projection ---------------------------------------------------------------------------


def test_nested_projection_returns_only_requested_fields(rpc: Rpc) -> None:
    what = {"uid": 1, "status": True, "Person": {"firstName": 1, "AddressPrimary": {"city": 1}}}
    rows = rpc.svc("CandidateService.getListEx", {"what": what, "limit": 5})["listOutput"]
    assert len(rows) == 5
    for row in rows:
        assert list(row) == ["uid", "status", "Person"]
        assert list(row["Person"]) == ["firstName", "AddressPrimary"]
        assert list(row["Person"]["AddressPrimary"]) == ["city"]
        raw = rpc.sb.tenant.get("CandidateService", row["uid"])
        assert row["Person"]["firstName"] == raw["Person"]["firstName"]
        assert row["Person"]["AddressPrimary"]["city"] == raw["Person"]["AddressPrimary"]["city"]


def test_whole_object_projection(rpc: Rpc) -> None:
    rows = rpc.svc("CandidateService.getListEx", {"what": {"uid": 1, "Person": True}, "limit": 50})["listOutput"]
    for row in rows:
        assert row["Person"] == rpc.sb.tenant.get("CandidateService", row["uid"])["Person"]


def test_projection_into_collections(rpc: Rpc) -> None:
    what = {"uid": 1, "EmploymentHistory": {"employer": 1}, "Person": {"PhoneNumbers": {"phoneNumber": 1}}}
    rows = rpc.svc("CandidateService.getListEx", {"what": what, "limit": 50})["listOutput"]
    seen_history = seen_phone = False
    for row in rows:
        raw = rpc.sb.tenant.get("CandidateService", row["uid"])
        assert row["EmploymentHistory"] == [{"employer": e["employer"]} for e in raw["EmploymentHistory"]]
        assert row["Person"]["PhoneNumbers"] == {
            k: {"phoneNumber": v["phoneNumber"]} for k, v in raw["Person"]["PhoneNumbers"].items()
        }
        seen_history |= bool(row["EmploymentHistory"])
        seen_phone |= bool(row["Person"]["PhoneNumbers"])
    assert seen_history and seen_phone


@pytest.mark.parametrize("what", [None, "absent", {}])
def test_default_field_set(rpc: Rpc, what: Any) -> None:
    options: dict[str, Any] = {"limit": 3}
    if what != "absent":
        options["what"] = what
    row = rpc.svc("CandidateService.getListEx", options)["listOutput"][0]
    assert list(row) == ["uid", "internalId", "status", "statusId", "entryDateTime", "lastModified", "Person"]
    assert list(row["Person"]) == ["firstName", "infix", "lastName", "emailPrimary"]
    vac = rpc.svc("VacancyService.getListEx", {"limit": 1})["listOutput"][0]
    assert set(vac) == {
        "uid",
        "internalId",
        "title",
        "referenceNr",
        "status",
        "statusId",
        "entryDateTime",
        "lastModified",
    }
    proc = rpc.svc("ProcedureService.getListEx", {"limit": 1})["listOutput"][0]
    assert set(proc) == {"uid", "candidateUid", "vacancyUid", "entryDateTime", "lastModified", "ProcedureStatus1"}
    assert set(proc["ProcedureStatus1"]) == {"uid", "status"}


def test_falsy_what_entries_are_not_returned(rpc: Rpc) -> None:
    row = rpc.svc("CandidateService.getListEx", {"what": {"uid": 1, "status": 0, "source": False}, "limit": 1})
    assert list(row["listOutput"][0]) == ["uid"]


@pytest.mark.parametrize(
    "options",
    [
        {"what": {"uid": 1, "nope": 1}},
        {"what": {"Person": {"middleName": 1}}},
        {"what": {"uid": {"x": 1}}},
        {"condition": cond("nope", "EQ", 1)},
        {"condition": cond("Person.nope", "EQ", 1)},
        {"condition": {"type": "AND", "items": [cond("uid", "NE", ""), cond("updateDateTime", "GE", "x")]}},
        {"sort": {"nope": "ASC"}},
        {"sort": {"Person.nope": "DESC"}},
    ],
)
def test_unknown_field_mentions_abstract_field(rpc: Rpc, options: dict[str, Any]) -> None:
    err = rpc.svc_error("CandidateService.getListEx", options)
    assert "Abstract_field" in err["message"]
    assert err["code"] == 201


def test_getdetail_with_and_without_what(rpc: Rpc) -> None:
    raw = rpc.sb.tenant.records("VacancyService")[0]
    assert rpc.svc("VacancyService.getDetail", raw["uid"]) == raw
    assert rpc.svc("VacancyService.getDetail", raw["uid"], None) == raw
    assert rpc.svc("VacancyService.getDetail", raw["uid"], {"title": 1}) == {"title": raw["title"]}
    assert rpc.svc("VacancyService.getDetail", raw["uid"], {"title": 1}, None) == {"title": raw["title"]}
    assert "Abstract_field" in rpc.svc_error("VacancyService.getDetail", raw["uid"], {"bogus": 1})["message"]
    user = rpc.sb.tenant.records("UserService")[1]
    assert rpc.svc("UserService.getDetail", user["uid"]) == user
    assert rpc.svc("UserService.getDetail", str(user["uid"])) == user  # int uids may come as strings


def test_getdetail_unknown_uid(rpc: Rpc) -> None:
    for service, uid in (
        ("CandidateService", "f" * 32),
        ("UserService", 99999),
        ("UserService", "abc"),
        ("ProcedureService", "x"),
    ):
        err = rpc.svc_error(f"{service}.getDetail", uid)
        assert err["code"] == 301


# -- conditions -----------------------------------------------------------------------------


def test_eq_ne_on_strings_is_case_insensitive(rpc: Rpc) -> None:
    recs = rpc.sb.tenant.records("CandidateService")
    target = recs[7]["Person"]["lastName"]
    expected = sorted(r["uid"] for r in recs if (r["Person"]["lastName"] or "").lower() == target.lower())
    assert sorted(uids(rpc, "CandidateService", cond("Person.lastName", "EQ", target.upper()))) == expected
    ne = uids(rpc, "CandidateService", cond("Person.lastName", "NE", target))
    assert sorted(ne) == sorted(
        r["uid"] for r in recs if r["Person"]["lastName"] and r["Person"]["lastName"].lower() != target.lower()
    )


@pytest.mark.parametrize(
    ("op", "check"),
    [
        ("GT", lambda a, b: a > b),
        ("GE", lambda a, b: a >= b),
        ("LT", lambda a, b: a < b),
        ("LE", lambda a, b: a <= b),
        ("EQ", lambda a, b: a == b),
        ("NE", lambda a, b: a != b),
    ],
)
def test_numeric_operators(big: Rpc, op: str, check) -> None:  # type: ignore[no-untyped-def]
    recs = big.sb.tenant.records("CandidateService")
    pivot = sorted(r["internalId"] for r in recs)[len(recs) // 3]
    expected = [r["uid"] for r in recs if check(r["internalId"], pivot)]
    got = uids(big, "CandidateService", cond("internalId", op, pivot))
    assert sorted(got) == sorted(expected)
    assert len(got) > 0 or op == "EQ"
    # a numeric string param means the same
    assert sorted(uids(big, "CandidateService", cond("internalId", op, str(pivot)))) == sorted(expected)


@pytest.mark.parametrize(
    ("op", "check"),
    [
        ("GT", lambda a, b: a > b),
        ("GE", lambda a, b: a >= b),
        ("LT", lambda a, b: a < b),
        ("LE", lambda a, b: a <= b),
    ],
)
def test_datetime_comparison_with_iso_z_params(big: Rpc, op: str, check) -> None:  # type: ignore[no-untyped-def]
    recs = big.sb.tenant.records("CandidateService")
    stamps = sorted(AMS.instant(r["lastModified"]) for r in recs)
    pivot = stamps[len(stamps) // 2]
    for param in (iso_z(pivot), iso_z(pivot).replace(".000Z", "Z")):
        expected = [r["uid"] for r in recs if check(AMS.instant(r["lastModified"]), pivot)]
        assert sorted(uids(big, "CandidateService", cond("lastModified", op, param))) == sorted(expected)


def test_iso_z_param_is_an_instant_not_a_local_time(rpc: Rpc) -> None:
    rec = rpc.sb.tenant.records("CandidateService")[0]
    ts = AMS.instant(rec["entryDateTime"])  # stored as Amsterdam local time
    exact = cond("entryDateTime", "EQ", iso_z(ts))
    assert rec["uid"] in uids(rpc, "CandidateService", exact)
    # the same wall-clock digits read as UTC name another instant (1 or 2 hours later)
    naive = rec["entryDateTime"].replace(" ", "T") + "Z"
    assert rec["uid"] not in uids(rpc, "CandidateService", cond("entryDateTime", "EQ", naive))
    # Amsterdam day boundaries as S2 sends them: [day-1 22:00Z or 23:00Z, ...]
    day = rec["entryDateTime"][:10]
    start = AMS.parse_param(day)
    window = {
        "type": "AND",
        "items": [cond("entryDateTime", "GE", iso_z(start)), cond("entryDateTime", "LE", iso_z(start + 86_399.999))],
    }
    got = uids(rpc, "CandidateService", window)
    assert rec["uid"] in got
    assert all(rpc.sb.tenant.get("CandidateService", u)["entryDateTime"][:10] == day for u in got)


def test_date_only_fields_compare_as_dates(rpc: Rpc) -> None:
    recs = rpc.sb.tenant.records("CandidateService")
    expected = sorted(r["uid"] for r in recs if r["Person"]["birthdate"] and r["Person"]["birthdate"] >= "1985-06-01")
    assert sorted(uids(rpc, "CandidateService", cond("Person.birthdate", "GE", "1985-06-01"))) == expected
    # an ISO instant is read as its Amsterdam date (22:00Z in summer = next local day)
    assert sorted(uids(rpc, "CandidateService", cond("Person.birthdate", "GE", "1985-05-31T22:00:00.000Z"))) == expected


def test_like_wildcards_case_insensitive(rpc: Rpc) -> None:
    recs = rpc.sb.tenant.records("CandidateService")
    emails = [r for r in recs if r["Person"]["emailPrimary"]]
    domain = emails[0]["Person"]["emailPrimary"].split("@")[1]
    expected = sorted(r["uid"] for r in emails if r["Person"]["emailPrimary"].lower().endswith("@" + domain))
    assert sorted(uids(rpc, "CandidateService", cond("Person.emailPrimary", "LIKE", f"%@{domain.upper()}"))) == expected
    # without % LIKE is equality (case-insensitive)
    one = emails[0]["Person"]["emailPrimary"]
    got = uids(rpc, "CandidateService", cond("Person.emailPrimary", "LIKE", one.upper()))
    assert emails[0]["uid"] in got
    # % in the middle, _ = one character
    first = recs[0]["Person"]["firstName"]
    pat = first[0] + "_" * (len(first) - 2) + "%"
    want = sorted(
        r["uid"]
        for r in recs
        if re.fullmatch(
            re.escape(first[0]) + "." * (len(first) - 2) + ".*", r["Person"]["firstName"] or "", re.I | re.S
        )
    )
    assert sorted(uids(rpc, "CandidateService", cond("Person.firstName", "LIKE", pat))) == want


def test_and_or_groups_nest(big: Rpc) -> None:
    recs = big.sb.tenant.records("CandidateService")
    tree = {
        "type": "OR",
        "items": [
            {"type": "AND", "items": [cond("statusId", "EQ", 1), cond("source", "EQ", "LinkedIn")]},
            {
                "type": "AND",
                "items": [
                    cond("statusId", "EQ", 3),
                    {"type": "OR", "items": [cond("Person.gender", "EQ", "female"), cond("Person.gender", "EQ", None)]},
                ],
            },
        ],
    }
    expected = [
        r["uid"]
        for r in recs
        if (r["statusId"] == 1 and r["source"] == "LinkedIn")
        or (r["statusId"] == 3 and r["Person"]["gender"] in ("female", None))
    ]
    got = uids(big, "CandidateService", tree)
    assert sorted(got) == sorted(expected) and got
    assert uids(big, "CandidateService", {"type": "AND", "items": []}) == uids(big, "CandidateService", None)
    assert uids(big, "CandidateService", {"type": "OR", "items": []}) == []


def test_list_param_means_in(big: Rpc) -> None:
    recs = big.sb.tenant.records("CandidateService")
    assert sorted(uids(big, "CandidateService", cond("statusId", "EQ", [2, 4]))) == sorted(
        r["uid"] for r in recs if r["statusId"] in (2, 4)
    )
    assert sorted(uids(big, "CandidateService", cond("statusId", "NE", ["2", "4"]))) == sorted(
        r["uid"] for r in recs if r["statusId"] not in (2, 4)
    )
    users = big.sb.tenant.records("UserService")
    blocked = [u["uid"] for u in users if u["blocked"] == "0"]
    assert sorted(uids(big, "UserService", cond("blocked", "EQ", [0]))) == sorted(blocked)
    wanted = [r["uid"] for r in recs[:5]]
    assert sorted(uids(big, "CandidateService", cond("uid", "EQ", wanted))) == sorted(wanted)


def test_null_condition_and_null_param(rpc: Rpc) -> None:
    recs = rpc.sb.tenant.records("CandidateService")
    total = rpc.svc("CandidateService.getListEx", {"condition": None, "getTotalCount": True})["totalCount"]
    assert total == len(recs)
    no_mail = sorted(r["uid"] for r in recs if not r["Person"]["emailPrimary"])
    assert no_mail, "the generator leaves some e-mails empty"
    assert sorted(uids(rpc, "CandidateService", cond("Person.emailPrimary", "EQ", None))) == no_mail
    assert len(uids(rpc, "CandidateService", cond("Person.emailPrimary", "NE", None))) == len(recs) - len(no_mail)
    # GT "" = not empty, as the OTYS plugin uses it
    assert len(uids(rpc, "CandidateService", cond("Person.emailPrimary", "GT", ""))) == len(recs) - len(no_mail)


def test_conditions_on_collections_match_any_element(rpc: Rpc) -> None:
    recs = rpc.sb.tenant.records("CandidateService")
    tagged = sorted(r["uid"] for r in recs if any(t["tag"] == "Talentpool" for t in r["Tags"]))
    assert tagged
    assert sorted(uids(rpc, "CandidateService", cond("Tags.tag", "EQ", "talentpool"))) == tagged
    mobile = sorted(
        r["uid"] for r in recs if any(p["phoneNumber"].startswith("+31") for p in r["Person"]["PhoneNumbers"].values())
    )
    assert sorted(uids(rpc, "CandidateService", cond("Person.PhoneNumbers.phoneNumber", "LIKE", "+31%"))) == mobile


@pytest.mark.parametrize(
    "bad",
    [
        cond("statusId", "CONTAINS", 1),
        cond("statusId", "eqq", 1),
        cond("statusId", 7, 1),
    ],
)
def test_invalid_operator(rpc: Rpc, bad: dict[str, Any]) -> None:
    assert rpc.svc_error("CandidateService.getListEx", {"condition": bad})["code"] == 202


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "XOR", "items": []},
        {"type": "AND", "items": "no list"},
        {"type": "COND", "op": "EQ", "param": 1},
        cond("internalId", "GT", "not a number"),
        cond("internalId", "GT", [1, 2]),
        cond("lastModified", "GE", "yesterday"),
        cond("Person", "EQ", "x"),
        "not an object",
    ],
)
def test_invalid_conditions(rpc: Rpc, bad: Any) -> None:
    assert rpc.svc_error("CandidateService.getListEx", {"condition": bad})["code"] == 203


# -- sort ---------------------------------------------------------------------------------


def test_multi_key_sort_with_uid_tiebreak(big: Rpc) -> None:
    rows = big.list_all(
        "CandidateService",
        {"what": {"uid": 1, "statusId": 1, "lastModified": 1}, "sort": {"statusId": "ASC", "lastModified": "DESC"}},
    )
    assert len(rows) == 600
    keys = [(r["statusId"], -AMS.instant(r["lastModified"]), r["uid"]) for r in rows]
    assert keys == sorted(keys)


def test_ties_are_broken_by_uid_ascending_in_both_directions(big: Rpc) -> None:
    for direction in ("ASC", "DESC"):
        rows = big.list_all(
            "CandidateService", {"what": {"uid": 1, "lastModified": 1}, "sort": {"lastModified": direction}}
        )
        ts = [AMS.instant(r["lastModified"]) for r in rows]
        assert ts == sorted(ts, reverse=direction == "DESC")
        groups: dict[float, list[str]] = {}
        for t, r in zip(ts, rows, strict=True):
            groups.setdefault(t, []).append(r["uid"])
        tied = [g for g in groups.values() if len(g) > 1]
        assert tied, "bulk imports give shared lastModified stamps"
        for g in tied:
            assert g == sorted(g)


def test_sort_strings_case_insensitive_and_nulls_first(rpc: Rpc) -> None:
    rows = rpc.list_all(
        "CandidateService", {"what": {"uid": 1, "Person": {"emailPrimary": 1}}, "sort": {"Person.emailPrimary": "ASC"}}
    )
    mails = [r["Person"]["emailPrimary"] for r in rows]
    nulls = [m for m in mails if m is None]
    assert nulls and mails[: len(nulls)] == nulls
    rest = [m.lower() for m in mails[len(nulls) :]]
    assert rest == sorted(rest)


def test_no_sort_means_uid_order_and_order_alias(rpc: Rpc) -> None:
    got = uids(rpc, "CandidateService", None)
    assert got == sorted(got) == rpc.sb.tenant.uids("CandidateService")
    users = rpc.svc("UserService.getList", {"what": {"uid": 1}, "order": {"uid": "DESC"}})
    assert [u["uid"] for u in users] == sorted((u["uid"] for u in users), reverse=True)


@pytest.mark.parametrize("sort", [{"lastModified": "UP"}, {"Person": "ASC"}, {"Tags.tag": "ASC"}, ["uid"]])
def test_invalid_sort(rpc: Rpc, sort: Any) -> None:
    assert rpc.svc_error("CandidateService.getListEx", {"sort": sort})["code"] == 204


# -- paging and limits --------------------------------------------------------------------


def test_paging_covers_every_row_exactly_once(big: Rpc) -> None:
    expected = big.sb.tenant.uids("CandidateService")
    for page in (7, 199, 200):
        assert [r["uid"] for r in big.list_all("CandidateService", {"what": {"uid": 1}}, page=page)] == expected
    got = []
    for offset in range(0, 600, 37):
        got += [
            r["uid"]
            for r in big.svc("CandidateService.getListEx", {"what": {"uid": 1}, "limit": 37, "offset": offset})[
                "listOutput"
            ]
        ]
    assert got == expected


def test_paging_edges(big: Rpc) -> None:
    def page(**opts: Any) -> dict[str, Any]:
        return big.svc("CandidateService.getListEx", {"what": {"uid": 1}, **opts})

    assert len(page(limit=200, offset=500)["listOutput"]) == 100
    assert page(limit=200, offset=600)["listOutput"] == []
    assert page(limit=200, offset=10_000)["listOutput"] == []
    assert page(limit=0, getTotalCount=True) == {"listOutput": [], "totalCount": 600}
    assert len(page(limit="5", offset="1")["listOutput"]) == 5
    assert len(page()["listOutput"]) == 200  # no limit: the default page of 200


def test_total_count_only_when_asked(rpc: Rpc) -> None:
    assert "totalCount" not in rpc.svc("CandidateService.getListEx", {"limit": 1})
    assert "totalCount" not in rpc.svc("CandidateService.getListEx", {"limit": 1, "getTotalCount": False})
    assert "totalCount" not in rpc.svc("CandidateService.getListEx", {"limit": 1, "getTotalCount": 0})
    res = rpc.svc(
        "CandidateService.getListEx", {"limit": 1, "getTotalCount": 1, "condition": cond("statusId", "EQ", 1)}
    )
    assert res["totalCount"] == sum(1 for r in rpc.sb.tenant.records("CandidateService") if r["statusId"] == 1)


def test_limit_above_200_needs_exclude_limit_check(big: Rpc) -> None:
    err = big.svc_error("CandidateService.getListEx", {"limit": 201})
    assert err["code"] == 205
    assert "200" in err["message"]
    assert len(big.svc("CandidateService.getListEx", {"limit": 200})["listOutput"]) == 200
    rows = big.svc("CandidateService.getListEx", {"limit": 1000, "excludeLimitCheck": True})["listOutput"]
    assert len(rows) == 600


def test_limit_behaviour_cap_setting(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    from unimap_connectors.otys.sandbox import SandboxSettings

    rpc = make_rpc(otys_sandbox_factory(size=300, settings=SandboxSettings(limit_behaviour="cap")))
    assert len(rpc.svc("CandidateService.getListEx", {"limit": 500})["listOutput"]) == 200


def test_getlist_returns_a_bare_array(rpc: Rpc) -> None:
    users = rpc.svc(
        "UserService.getList",
        {
            "what": {"uid": 1, "Person": {"emailPrimary": 1}},
            "condition": {
                "type": "AND",
                "items": [
                    cond("Person.emailPrimary", "GT", ""),
                    cond("blocked", "EQ", "0"),
                    cond("Person.emailPrimary", "LIKE", "%@sandbox-werving.example"),
                ],
            },
            "limit": 10,
        },
    )
    assert isinstance(users, list) and users
    assert all(set(u) == {"uid", "Person"} for u in users)
    assert isinstance(rpc.svc("UserService.getList"), list)
    assert isinstance(rpc.svc("UserService.getListEx", {})["listOutput"], list)


def test_writes_invalidate_cached_selections(rpc: Rpc) -> None:
    options = {
        "what": {"uid": 1, "Person": {"lastName": 1}},
        "condition": cond("Person.lastName", "EQ", "Zwaan"),
        "getTotalCount": True,
    }
    assert rpc.svc("CandidateService.getListEx", options)["totalCount"] == 0
    uid = rpc.svc("CandidateService.add", {"Person": {"firstName": "Kees", "lastName": "Zwaan"}})
    rows = rpc.svc("CandidateService.getListEx", options)["listOutput"]
    assert rows == [{"uid": uid, "Person": {"lastName": "Zwaan"}}]
    rpc.svc("CandidateService.update", uid, {"Person": {"lastName": "Zwaantje"}})
    assert rpc.svc("CandidateService.getListEx", options)["totalCount"] == 0
    rpc.sb.tenant.update("CandidateService", uid, {"Person": {"lastName": "Zwaan"}})
    assert rpc.svc("CandidateService.getListEx", options)["totalCount"] == 1
    rpc.svc("CandidateService.delete", uid)
    assert rpc.svc("CandidateService.getListEx", options)["totalCount"] == 0


def test_wrong_service_method_combinations(rpc: Rpc) -> None:
    assert rpc.error(P + "WebsiteService.getListEx", rpc.sid)["code"] == -32601
    assert rpc.error(P + "UserService.add", rpc.sid, {})["code"] == -32601
