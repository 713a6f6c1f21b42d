"""Hand-written Python mappers for the OTYS candidate, job and application specs: the baselines.

Each function does by hand what ``mappings/otys/models/<model>s.yaml`` says, field for field, and
returns what ``Engine().mapper("otys", model).map(raw, ctx)`` returns (``id`` and ``remote_data``
included) for the records the OTYS sandbox generates: ``tests/test_baselines.py`` checks that.
They call the same value functions the specs call (``iso_datetime``, ``phone``, ``ref``, ...),
so a benchmark against them measures what the expression layer costs, not the functions.
``TIGHT`` holds the same mappers for a caller already in the mapping context (a page at once, no
context switch per record): the tightest Python mapping of these specs.

JMESPath's rules the specs rely on are spelled out where they matter: a field of a non-object
is null, ``a || b`` takes ``b`` when ``a`` is '', [], {}, null or false, filters keep elements
whose value is not one of those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unimap import context, ids
from unimap.context import MappingContext
from unimap.default_plugins.functions import (
    as_list,
    country_code,
    email,
    enum_map,
    integration_fields,
    iso_datetime,
    join_nonempty,
    labelled_fields,
    lower,
    nullif_empty,
    number,
    phone,
    ref,
    to_text,
)

CANDIDATES = "Otys.Services.CandidateService.getListEx"
JOBS = "Otys.Services.VacancyService.getListEx"
APPLICATIONS = "Otys.Services.ProcedureService.getListEx"


def _falsy(value: Any) -> bool:
    """JMESPath's false values: '', [], {}, null and false (0 is true)."""
    return value is None or value is False or (type(value) in (str, list, dict) and not value)


def _or_null(value: Any) -> Any:
    """``value || null``."""
    return None if _falsy(value) else value


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one (a field of a non-object is null)."""
    return value if type(value) is dict else {}


def _current_job(raw: dict[str, Any]) -> dict[str, Any]:
    for item in as_list(raw.get("EmploymentHistory")):
        if type(item) is dict and not _falsy(item.get("current")):
            return item
    return {}


def _remote_id(value: Any) -> str:
    if value is None or value == "":
        raise ValueError("record without remote_id")
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _link(app_url: Any, path: str, uid: Any) -> str:
    return "".join([app_url, path, uid])


def tight_candidate(raw: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
    """A candidate from ``CandidateService.getListEx``, the caller being in ``ctx`` already."""
    settings = ctx.settings
    zone = settings.get("timezone")
    person = _obj(raw.get("Person"))
    phone_types = settings.get("phone_types")
    phones = []
    for entry in as_list(person.get("PhoneNumbers")):
        if type(entry) is dict and not _falsy(entry.get("phoneNumber")):
            kind = entry.get("type")
            phones.append(
                {
                    "phone_number": phone(entry["phoneNumber"], settings.get("default_country")),
                    "type": enum_map(kind, phone_types, kind),
                }
            )
    address = person.get("AddressPrimary")
    location = None
    if not _falsy(address):
        address = _obj(address)
        country = address.get("countryCode")
        location = {
            "street_1": nullif_empty(address.get("address")),
            "city": nullif_empty(address.get("city")),
            "zip_code": nullif_empty(address.get("postcode")),
            "state": nullif_empty(address.get("stateCode")),
            "country": country_code(address.get("country") if _falsy(country) else country),
        }
    mail = email(person.get("emailPrimary"))
    current = _current_job(raw)
    uid = raw.get("uid")
    remote_id = _remote_id(uid)
    custom = labelled_fields(raw, "extraInfo", "candidate_extra_fields")  # these read the context
    passthrough = integration_fields(raw, settings.get("candidate_integration_fields"))
    tags = [
        {"id": ref("tag", tag["uid"]), "name": tag.get("tag"), "remote_id": to_text(tag["uid"])}
        for tag in as_list(raw.get("Tags"))
        if type(tag) is dict and not _falsy(tag.get("uid"))
    ]
    return {
        "remote_id": remote_id,
        "first_name": nullif_empty(person.get("firstName")),
        "last_name": join_nonempty(" ", [person.get("infix"), person.get("lastName")]),
        "company": _or_null(current.get("employer")),
        "title": _or_null(current.get("function")),
        "source": nullif_empty(raw.get("source")),
        "phone_numbers": phones,
        "email_addresses": [] if _falsy(mail) else [{"email_address": mail, "type": None}],
        "location": location,
        "custom_fields": custom,
        "integration_fields": passthrough,
        "remote_url": _link(settings.get("app_url"), "/us/modular.html#/candidates/", uid),
        "remote_created_at": iso_datetime(raw.get("entryDateTime"), zone),
        "remote_updated_at": iso_datetime(raw.get("lastModified"), zone),
        "social_media": [],
        "confidential": None,
        "tags": tags,
        "id": ids.unified_id(ctx.integration_id, "candidate", remote_id),
        "remote_data": {CANDIDATES: raw},
    }


def tight_job(raw: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
    """A job from ``VacancyService.getListEx``, the caller being in ``ctx`` already."""
    settings = ctx.settings
    zone = settings.get("timezone")
    status, publication, unit = raw.get("status"), raw.get("publicationStatus"), raw.get("salaryUnit")
    prefix = settings.get("vacancy_url_prefix")
    slug = raw.get("slug")
    post_url = None
    if not _falsy(prefix) and type(slug) is dict and slug:
        first = next(iter(slug.values()))
        post_url = prefix + first if not _falsy(first) else None
    country = raw.get("locationCountryCode")
    uid = raw.get("uid")
    remote_id = _remote_id(uid)
    custom = labelled_fields(raw, "extraInfo", "vacancy_extra_fields")
    passthrough = integration_fields(raw, settings.get("job_integration_fields"))
    contact = ref("user", raw.get("userId"))
    return {
        "remote_id": remote_id,
        "name": nullif_empty(raw.get("title")),
        "job_code": nullif_empty(raw.get("referenceNr")),
        "description": nullif_empty(_obj(raw.get("textField_description")).get("text")),
        "status": enum_map(status, settings.get("job_status_map"), status),
        "visibility": enum_map(publication, settings.get("visibility_map"), publication),
        "category": nullif_empty(raw.get("category")),
        "post_url": post_url,
        "weekly_hours": number(raw.get("hours")),
        "salary_amount": number(raw.get("salaryValue")),
        "salary_amount_from": number(raw.get("salaryMin")),
        "salary_amount_to": number(raw.get("salaryMax")),
        "salary_currency": nullif_empty(raw.get("salaryCurrency")),
        "salary_period": enum_map(lower(unit), settings.get("salary_periods"), unit),
        "location": {
            "street_1": nullif_empty(raw.get("locationAddress")),
            "city": nullif_empty(raw.get("locationCity")),
            "zip_code": nullif_empty(raw.get("locationPostcode")),
            "state": nullif_empty(raw.get("locationState")),
            "country": country_code(raw.get("locationCountry") if _falsy(country) else country),
            "raw": nullif_empty(raw.get("location")),
        },
        "custom_fields": custom,
        "integration_fields": passthrough,
        "remote_url": _link(settings.get("app_url"), "/us/modular.html#/vacancies/", uid),
        "opened_at": iso_datetime(raw.get("publicationStartDate"), zone),
        "closed_at": iso_datetime(raw.get("publicationEndDate"), zone),
        "remote_created_at": iso_datetime(raw.get("entryDateTime"), zone),
        "remote_updated_at": iso_datetime(raw.get("lastModified"), zone),
        "contact_id": contact,
        "confidential": None,
        "department": None,
        "experience_level": None,
        "id": ids.unified_id(ctx.integration_id, "job", remote_id),
        "remote_data": {JOBS: raw},
    }


def tight_application(raw: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
    """An application from ``ProcedureService.getListEx``, the caller being in ``ctx`` already."""
    settings = ctx.settings
    zone = settings.get("timezone")
    stage = _obj(raw.get(settings.get("stage_field")))
    outcome_status = _obj(raw.get(settings.get("outcome_field"))).get("status")
    mapped = enum_map(outcome_status, settings.get("outcome_map"))
    hired = stage.get("status") in settings.get("hired_stages")
    outcome = "HIRED" if hired else enum_map(outcome_status, settings.get("outcome_map"), "PENDING")
    declined = not hired and mapped == "DECLINED" and not _falsy(outcome_status)
    uid = raw.get("uid")
    remote_id = _remote_id(uid)
    stage_id = ref("application_stage", stage.get("uid"))
    job_id = ref("job", raw.get("vacancyUid"))
    candidate_id = ref("candidate", raw.get("candidateUid"))
    return {
        "remote_id": remote_id,
        "outcome": outcome,
        "rejection_reason_name": outcome_status if declined else None,
        "current_stage_id": stage_id,
        "job_id": job_id,
        "candidate_id": candidate_id,
        "remote_url": _link(settings.get("app_url"), "/us/modular.html#/procedures/", uid),
        "remote_created_at": iso_datetime(raw.get("entryDateTime"), zone),
        "remote_updated_at": iso_datetime(raw.get("lastModified"), zone),
        "rejected_at": None,
        "custom_fields": {},
        "integration_fields": [],
        "id": ids.unified_id(ctx.integration_id, "application", remote_id),
        "remote_data": {APPLICATIONS: raw},
    }


def _in_context(tight: Callable[[dict[str, Any], MappingContext], dict[str, Any]]) -> Mapper:
    """``tight`` entering the mapping context for each record, as ``RecordMapper.map`` does on its own."""

    def mapper(raw: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
        with context.mapping_context(ctx):
            return tight(raw, ctx)

    mapper.__doc__ = tight.__doc__
    return mapper


Mapper = Callable[[dict[str, Any], MappingContext], dict[str, Any]]
#: plain dict access and the same value functions, for callers already in the mapping context
#: (a page mapped at once: no context switch per record)
TIGHT: dict[str, Mapper] = {"candidate": tight_candidate, "job": tight_job, "application": tight_application}
map_candidate, map_job, map_application = (_in_context(TIGHT[m]) for m in ("candidate", "job", "application"))
#: the baseline each record enters its own mapping context in, like ``RecordMapper.map`` called alone
MAPPERS: dict[str, Mapper] = {"candidate": map_candidate, "job": map_job, "application": map_application}
SERVICES = {"candidate": "CandidateService", "job": "VacancyService", "application": "ProcedureService"}
