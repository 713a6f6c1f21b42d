"""A vendor record whose fields do not have the types the spec reads is refused, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from unimap.engine import Engine
from unimap.errors import MappingError

GOOD = {
    "uid": "c1",
    "lastModified": "2026-01-02 10:00:00",
    "entryDateTime": "2026-01-01 09:00:00",
    "Person": {
        "firstName": "Ann",
        "lastName": "Ek",
        "emailPrimary": "ann@example.com",
        "PhoneNumbers": {"1": {"type": "mobile", "phoneNumber": "0612345678"}},
    },
    "Tags": [{"uid": 3, "tag": "Java"}],
    "EmploymentHistory": [],
}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"Person": "Ann Ek"}, "Person"),
        ({"Person": ["Ann", "Ek"]}, "Person"),
        ({"lastModified": "not a date"}, "remote_updated_at"),
        ({"Person": {**GOOD["Person"], "PhoneNumbers": "0612345678"}}, "phone_numbers"),
        ({"Tags": {"uid": 3, "tag": "Java"}}, "tags"),
    ],
)
def test_a_record_of_the_wrong_shape_is_refused_naming_the_field(
    engine: Engine, change: dict[str, Any], named: str
) -> None:
    assert engine.map_record("otys", "candidate", GOOD)["first_name"] == "Ann"
    with pytest.raises(MappingError) as refused:
        engine.map_record("otys", "candidate", {**GOOD, **change})
    assert named in refused.value.message
