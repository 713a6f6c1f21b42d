"""Service-specific write rules: derived display fields, reference checks, status catalogues.

``before_write`` rewrites raw write data (e.g. ``ProcedureStatus1: {uid: "1_3"}``) before the
generic merge; ``after_write`` validates the merged record and fills fields OTYS derives
(``status`` from ``statusId``, ``user`` from ``userId``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import catalogue as cat
from .errors import validation
from .remarks import check_remark
from .tags import resolve_tags_write

if TYPE_CHECKING:
    from .store import Tenant

Record = dict[str, Any]

#: deleting a record of the key service also deletes the child records pointing at it
CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    "CandidateService": (
        ("ProcedureService", "candidateUid"),
        ("AttachedDocumentsService", "candidateUid"),
        ("ProcedureRemarkService", "candidateUid"),
    ),
    "VacancyService": (("ProcedureService", "vacancyUid"), ("ProcedureRemarkService", "vacancyUid")),
    "ProcedureService": (("ProcedureRemarkService", "procedureUid"),),
}


def document_types(tenant: Tenant) -> dict[str, str]:
    """typeId -> label of AttachedDocumentsService."""
    s = tenant.settings
    return {s.cv_type_id: "CV", s.cover_letter_type_id: "Cover letter", s.other_type_id: "Other document"}


def _status_uid(axis: int, value: Any) -> Any:
    """``"1_3"``, ``"3"``, ``3`` or ``{"uid": ...}`` -> 3 (raises for another axis' prefix)."""
    if isinstance(value, dict):
        value = value.get("uid")
    if value is None or value == "":
        return None
    if isinstance(value, str) and "_" in value:
        prefix, _, rest = value.partition("_")
        if prefix != str(axis):
            raise validation(f"ProcedureStatus{axis} uid {value!r} belongs to axis {prefix}")
        value = rest
    try:
        return int(value)
    except (TypeError, ValueError):
        raise validation(f"ProcedureStatus{axis} uid {value!r} is not a status uid") from None


def before_write(tenant: Tenant, service: str, data: Any, current: Record | None) -> Any:
    """Normalise write data that OTYS accepts in a special form."""
    if not isinstance(data, dict):
        return data
    if service == "ProcedureService":
        data = dict(data)
        for axis in (1, 2, 3):
            key = f"ProcedureStatus{axis}"
            if key in data:
                uid = _status_uid(axis, data[key])
                data[key] = {"uid": uid} if uid is not None else None
    if service == "CandidateService" and "Tags" in data:
        data = resolve_tags_write(tenant.tags, data, current)
    if service == "CandidateService" and data.get("statusId") in (-1, "-1"):
        if tenant.settings.reject_status_minus_one:
            raise validation("statusId -1 is not allowed for this tenant")
        data = {**data, "statusId": tenant.settings.web_status_id}
    return data


#: services whose delete anonymises (GDPR) unless asked for a hard delete -> children removed with it
ANONYMISED: dict[str, tuple[tuple[str, str], ...]] = {
    "CandidateService": (("AttachedDocumentsService", "candidateUid"),),
}
#: candidate fields an anonymisation keeps (statistics); every other field is blanked
KEPT_ON_ANONYMISE = frozenset(
    {
        "uid",
        "internalId",
        "status",
        "statusId",
        "entryDateTime",
        "source",
        "portalId",
        "pointOfEntry",
        "originSiteId",
        "UtmTags",
        "gdprDueDate",
        "gdprReason",
        "currencyId",
    }
)


def anonymised(tenant: Tenant, service: str, rec: Record) -> Record:
    """A copy of ``rec`` with every personal field blanked (``Person.lastName`` = the settings' marker)."""
    from .writes import blank_value

    fields = tenant.schemas[service].fields
    mod = tenant.settings.modified_field
    out: Record = {}
    for name, value in rec.items():
        f = fields.get(name)
        out[name] = value if name in KEPT_ON_ANONYMISE or name == mod or f is None else blank_value(f)
    if isinstance(out.get("Person"), dict):
        out["Person"]["lastName"] = tenant.settings.anonymised_last_name
    return out


def _require(tenant: Tenant, service: str, uid: Any, what: str) -> None:
    if uid is None or not tenant.exists(service, uid):
        raise validation(f"{what} {uid!r} does not exist")


def _lookup(table: dict[int, str], value: Any, what: str) -> str | None:
    if value is None:
        return None
    if value not in table:
        raise validation(f"unknown {what} {value!r} (known: {', '.join(map(str, table))})")
    return table[value]


def after_write(tenant: Tenant, service: str, rec: Record, current: Record | None) -> None:
    """Validate a merged record and fill its derived fields (``rec`` is a fresh dict)."""
    new = current is None
    if service == "CandidateService":
        person = rec.get("Person") or {}
        if new and not any(person.get(k) for k in ("firstName", "lastName", "emailPrimary")):
            raise validation("a candidate needs Person.firstName, Person.lastName or Person.emailPrimary")
        if new and rec.get("statusId") is None:
            rec["statusId"] = tenant.settings.web_status_id if rec.get("pointOfEntry") == "web" else 1
        rec["status"] = _lookup(cat.CANDIDATE_STATUSES, rec.get("statusId"), "statusId")
        if rec.get("gdprReason") not in (None, "otherYes", "cron"):
            raise validation("gdprReason must be otherYes or cron")
    elif service == "VacancyService":
        if new and not rec.get("title"):
            raise validation("a vacancy needs a title")
        if new and rec.get("statusId") is None:
            rec["statusId"] = 5
        if rec.get("publicationStatusId") is None:
            rec["publicationStatusId"] = 1 if rec.get("published") else 2
        rec["status"] = _lookup(cat.VACANCY_STATUSES, rec.get("statusId"), "statusId")
        rec["publicationStatus"] = _lookup(
            cat.PUBLICATION_STATUSES, rec.get("publicationStatusId"), "publicationStatusId"
        )
        rec["category"] = _lookup(cat.CATEGORIES, rec.get("categoryId"), "categoryId")
        if rec.get("published") is None:
            rec["published"] = False
        owner = rec.get("userId")
        if owner is not None:
            _require(tenant, "UserService", owner, "userId")
            p = tenant.find("UserService", owner)["Person"]
            rec["user"] = " ".join(x for x in (p.get("firstName"), p.get("infix"), p.get("lastName")) if x)
            rec["userEmail"] = p.get("emailPrimary")
        else:
            rec["user"] = rec["userEmail"] = None
        for key in ("userId2", "userId3"):
            if rec.get(key) is not None:
                _require(tenant, "UserService", rec[key], key)
    elif service == "ProcedureService":
        if new or rec.get("candidateUid") != current.get("candidateUid"):
            _require(tenant, "CandidateService", rec.get("candidateUid"), "candidateUid")
        if new or rec.get("vacancyUid") != current.get("vacancyUid"):
            _require(tenant, "VacancyService", rec.get("vacancyUid"), "vacancyUid")
        rec["candidateUid"] = tenant.find("CandidateService", rec["candidateUid"])["uid"]
        rec["vacancyUid"] = tenant.find("VacancyService", rec["vacancyUid"])["uid"]
        for axis in (1, 2, 3):
            key = f"ProcedureStatus{axis}"
            catalogue = tenant.collection(f"ProcedureStatus{axis}Service").records
            uid = (rec.get(key) or {}).get("uid")
            if uid is None:
                if not new and current.get(key, {}).get("uid") is not None:
                    rec[key] = current[key]
                    continue
                uid = next(
                    (u for u, row in sorted(catalogue.items()) if row.get("automaticallySelectEvent") == 1), None
                )
            if uid is None:
                rec[key] = {"uid": None, "status": None}
                continue
            row = catalogue.get(uid)
            if row is None:
                raise validation(f"{key} uid {uid!r} is not in ProcedureStatus{axis}Service")
            rec[key] = {"uid": uid, "status": row["status"]}
    elif service == "ProcedureRemarkService":
        check_remark(tenant, rec, current)
    elif service == "AttachedDocumentsService":
        _require(tenant, "CandidateService", rec.get("candidateUid"), "candidateUid")
        rec["candidateUid"] = tenant.find("CandidateService", rec["candidateUid"])["uid"]
        fuid = str(rec.get("fileUid") or "").strip().lower()
        meta = tenant.files.get(fuid)
        if meta is None:
            raise validation(f"fileUid {rec.get('fileUid')!r} does not exist (upload it to fileService.php first)")
        rec["fileUid"] = fuid
        types = document_types(tenant)
        if rec.get("typeId") is None:
            rec["typeId"] = tenant.settings.other_type_id
        if rec["typeId"] not in types:
            raise validation(f"unknown typeId {rec['typeId']!r} (known: {', '.join(types)})")
        rec["type"] = types[rec["typeId"]]
        rec["fileName"], rec["mimeType"], rec["size"] = meta["name"], meta["mimeType"], meta["size"]
        if rec.get("private") is None:
            rec["private"] = False
    elif service == "WebhooksService":
        from .webhooks import check_url

        check_url(rec.get("webhookUrl"))
        call = rec.get("serviceCall")
        if not call or "." not in call:
            raise validation("serviceCall must look like 'CandidateService.update'")
        if call.startswith("Otys.Services."):  # OTYS names calls without the prefix (S1, S5)
            raise validation(
                f"serviceCall {call!r}: name the call without the 'Otys.Services.' prefix, "
                f"e.g. {call[len('Otys.Services.') :]!r}"
            )
        rec["klantid"] = tenant.settings.client_id
        rec["userid"] = tenant.api_user_uid
        if rec.get("klantGlobal") is None:
            rec["klantGlobal"] = False
