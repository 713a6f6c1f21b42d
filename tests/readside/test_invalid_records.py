"""Vendor records that map to something the unified schema refuses are left out, kept, and named."""

from __future__ import annotations

from collections.abc import Callable

from .helpers import Synced


def test_invalid_records_are_skipped_named_and_not_deleted(make_synced: Callable[..., Synced]) -> None:
    synced = make_synced()
    um, iid = synced.um, synced.integration_id
    before = {r["id"]: r for r in um.export("candidate", iid)}
    with_phones = {r["id"] for r in before.values() if r.get("phone_numbers")}
    assert with_phones, "the tenant should have candidates with phone numbers"

    um.configure(iid, {"phone_types": dict.fromkeys(("primary", "mobile", "work", "other", "fax"), 5)})  # not strings
    report = um.sync(iid, full=True)
    candidates = report.models["candidate"]

    assert candidates.skipped == len(with_phones)
    assert candidates.deleted == 0
    assert candidates.warnings and "phone_numbers.0.type" in candidates.warnings[0]
    after = {r["id"]: r for r in um.export("candidate", iid)}
    assert after == before  # the skipped ones keep their stored version; nothing else changed


def test_a_valid_record_again_is_stored_again(make_synced: Callable[..., Synced]) -> None:
    synced = make_synced()
    um, iid = synced.um, synced.integration_id
    um.configure(iid, {"phone_types": dict.fromkeys(("primary", "mobile", "work", "other", "fax"), 5)})
    um.sync(iid, full=True)
    um.configure(iid, {"phone_types": None})
    report = um.sync(iid, full=True)
    assert report.models["candidate"].skipped == 0
    assert report.ok
