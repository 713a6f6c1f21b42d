"""The seeded tenant generator: determinism, sizes, shapes, realism, integrity (issue item 7)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from unimap_connectors.otys.sandbox import SandboxSettings, generate, parse_size
from unimap_connectors.otys.sandbox.generator import T_ENTRY_START, T_MOD_END, ascii_fold, slugify
from unimap_connectors.otys.sandbox.schema import Field, build_schemas
from unimap_connectors.otys.sandbox.timefmt import Clockface
from unimap_connectors.otys.sandbox.writes import blank

AMS = Clockface("Europe/Amsterdam", "%Y-%m-%d %H:%M:%S")
HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def tenant():  # type: ignore[no-untyped-def]
    return generate(seed=1, size=2000)


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = generate(7, 300), generate(7, 300), generate(8, 300)
    assert a.records == b.records and a.files == b.files and a.api_key == b.api_key
    assert a.digest() == b.digest()
    assert c.digest() != a.digest()
    assert c.api_key != a.api_key


def test_settings_pin_the_api_key() -> None:
    assert generate(1, 5, SandboxSettings(api_key="my-key")).api_key == "my-key"


@pytest.mark.parametrize(
    ("size", "n"), [("small", 50), ("medium", 2000), ("large", 20000), (0, 0), ("123", 123), (100_000, 100_000)]
)
def test_sizes(size: Any, n: int) -> None:
    assert parse_size(size) == n


@pytest.mark.parametrize("size", ["huge", -1, 100_001, "1e3", None, True])
def test_bad_sizes(size: Any) -> None:
    with pytest.raises(ValueError):
        parse_size(size)


def test_proportions(tenant) -> None:  # type: ignore[no-untyped-def]
    r = tenant.records
    assert len(r["CandidateService"]) == 2000
    assert len(r["UserService"]) == 2000 // 200 + 5
    assert len(r["VacancyService"]) == 2000 // 20 + 5
    assert 1.3 <= len(r["ProcedureService"]) / 2000 <= 1.7
    empty = generate(1, 0)
    assert empty.records["CandidateService"] == [] and len(empty.records["UserService"]) == 5


def _same_shape(rec: Any, fields: dict[str, Field], path: str = "") -> None:
    assert set(rec) == set(fields), path
    for name, f in fields.items():
        value = rec[name]
        if f.kind == "obj":
            assert isinstance(value, dict), path + name
            _same_shape(value, f.children or {}, f"{path}{name}.")
        elif f.kind in ("list", "map"):
            assert isinstance(value, list if f.kind == "list" else dict), path + name
            for item in value if f.kind == "list" else value.values():
                if f.item is not None and f.item.children is not None:
                    _same_shape(item, f.item.children, f"{path}{name}[].")
                else:
                    expected = {"str": str, "int": int}[f.item.kind if f.item else "str"]
                    assert isinstance(item, expected), (path + name, item)
        elif f.kind == "any":
            continue
        elif value is not None:
            expected = {"str": str, "int": int, "num": (int, float), "bool": bool, "date": str, "datetime": str}[f.kind]
            assert isinstance(value, expected) and not (f.kind in ("int", "num") and isinstance(value, bool)), (
                path + name,
                value,
            )
            if f.kind == "datetime":
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", value)
            if f.kind == "date":
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)


def test_every_record_matches_its_schema(tenant) -> None:  # type: ignore[no-untyped-def]
    schemas = build_schemas(SandboxSettings())
    for service, rows in tenant.records.items():
        for rec in rows:
            _same_shape(rec, dict(schemas[service].fields))
    # an API-created record has the same shape as a generated one
    assert set(blank(schemas["CandidateService"].fields)) == set(tenant.records["CandidateService"][0])


def test_uid_formats_and_uniqueness(tenant) -> None:  # type: ignore[no-untyped-def]
    for service in ("CandidateService", "VacancyService", "ProcedureService", "AttachedDocumentsService"):
        uids = [r["uid"] for r in tenant.records[service]]
        assert all(HEX32.fullmatch(u) for u in uids)
        assert len(set(uids)) == len(uids)
    assert [u["uid"] for u in tenant.records["UserService"]] == list(range(1, 16))
    assert all(HEX32.fullmatch(o) for o in tenant.files)
    internal = [c["internalId"] for c in tenant.records["CandidateService"]]
    assert len(set(internal)) == len(internal)


def test_dates_are_fixed_windows_not_the_wall_clock(tenant) -> None:  # type: ignore[no-untyped-def]
    for service in ("CandidateService", "VacancyService", "ProcedureService"):
        for rec in tenant.records[service]:
            entry, mod = AMS.instant(rec["entryDateTime"]), AMS.instant(rec["lastModified"])
            assert T_ENTRY_START <= entry <= mod <= T_MOD_END
    stamps = Counter(c["lastModified"] for c in tenant.records["CandidateService"])
    assert stamps.most_common(1)[0][1] >= 20  # bulk-import ties exist


def test_referential_integrity(tenant) -> None:  # type: ignore[no-untyped-def]
    r = tenant.records
    cands = {c["uid"] for c in r["CandidateService"]}
    vacs = {v["uid"]: v for v in r["VacancyService"]}
    users = {u["uid"]: u for u in r["UserService"]}
    axes = {n: {s["uid"]: s["status"] for s in r[f"ProcedureStatus{n}Service"]} for n in (1, 2, 3)}
    pairs = Counter()
    for p in r["ProcedureService"]:
        assert p["candidateUid"] in cands and p["vacancyUid"] in vacs
        for n in (1, 2, 3):
            ref = p[f"ProcedureStatus{n}"]
            assert axes[n][ref["uid"]] == ref["status"]
        if p["ProcedureStatus1"]["status"] == "Placed":
            assert p["ProcedureStatus2"]["status"] == "Hired"
        pairs[(p["candidateUid"], p["vacancyUid"])] += 1
    assert max(pairs.values()) >= 2  # some duplicate applications
    for v in vacs.values():
        owner = users[v["userId"]]
        assert v["userEmail"] == owner["Person"]["emailPrimary"]
        assert v["userId2"] is None or v["userId2"] in users
    for d in r["AttachedDocumentsService"]:
        assert d["candidateUid"] in cands
        assert tenant.files[d["fileUid"]]["name"] == d["fileName"]
    portals = {p["uid"] for p in r["ReferrerPortalService"]}
    assert {c["portalId"] for c in r["CandidateService"]} - {None} <= portals


def test_realistic_dutch_and_european_data(tenant) -> None:  # type: ignore[no-untyped-def]
    cands = tenant.records["CandidateService"]
    persons = [c["Person"] for c in cands]
    infixes = Counter(p["infix"] for p in persons if p["infix"])
    assert {"van", "van der", "de"} <= set(infixes)
    assert any(not p["emailPrimary"] for p in persons) and any(p["emailPrimary"] for p in persons)
    assert any(not p["birthdate"] for p in persons)
    assert any(any(not ch.isascii() for ch in p["firstName"] + p["lastName"]) for p in persons)  # Zoë, Łukasz
    phones = [ph["phoneNumber"] for p in persons for ph in p["PhoneNumbers"].values()]
    assert any(n.startswith("+31") for n in phones) and any(n.startswith("06") for n in phones)
    assert any(re.fullmatch(r"0\d{2,3}-\d{6,7}", n) for n in phones)
    assert any(n.startswith(("+32", "+49")) for n in phones)
    postcodes = [p["AddressPrimary"]["postcode"] for p in persons if p["AddressPrimary"]["countryCode"] == "NL"]
    assert all(re.fullmatch(r"\d{4} ?[A-Z]{2}", pc) for pc in postcodes if pc)
    countries = Counter(p["AddressPrimary"]["countryCode"] for p in persons)
    assert countries["NL"] > len(persons) / 2 and countries["BE"] and countries["DE"] and countries[None]
    texts = [v["textField_description"]["text"] for v in tenant.records["VacancyService"]]
    assert all(t is None or t.startswith("<p>") for t in texts)
    assert any("<ul><li>" in (t or "") for t in texts)
    assert any(v["textField_salary"]["text"] is None for v in tenant.records["VacancyService"])
    emails = [p["emailPrimary"] for p in persons if p["emailPrimary"]]
    assert all(re.fullmatch(r"[A-Za-z0-9._+-]+@[a-z0-9.-]+", e) for e in emails)


def test_helpers() -> None:
    assert ascii_fold("Łukasz Wiśniewski") == "lukaszwisniewski"
    assert ascii_fold("Jürgen Weiß") == "jurgenweiss"
    assert slugify("Kok (m/v/x) — Zoë’s café") == "kok-m-v-x-zoe-s-cafe"
