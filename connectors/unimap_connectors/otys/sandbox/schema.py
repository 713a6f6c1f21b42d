"""Field schemas of every sandbox service: what may be asked for, filtered on and written.

Kinds: ``str``, ``int``, ``num``, ``bool``, ``date`` (``YYYY-MM-DD``), ``datetime`` (settings'
output format), ``obj`` (fixed members), ``list`` (array of items), ``map`` (object keyed by
string ids, e.g. ``Person.PhoneNumbers`` or ``slug``), ``any`` (free-form JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .settings import SandboxSettings

SCALAR_KINDS = frozenset({"str", "int", "num", "bool", "date", "datetime"})


@dataclass(frozen=True)
class Field:
    """One field: its kind, members (obj) or item (list/map), and write rules."""

    kind: str
    children: Mapping[str, Field] | None = None  # members of an obj
    item: Field | None = None  # element of a list/map
    readonly: bool = False  # server-maintained; ignored in writes
    enum: tuple[str, ...] | None = None  # allowed str values on write

    @property
    def scalar(self) -> bool:
        """True for a leaf value."""
        return self.kind in SCALAR_KINDS


def s(**kw: Any) -> Field:
    return Field("str", **kw)


def i(**kw: Any) -> Field:
    return Field("int", **kw)


def n() -> Field:
    return Field("num")


def b() -> Field:
    return Field("bool")


def d() -> Field:
    return Field("date")


def dt(readonly: bool = False) -> Field:
    return Field("datetime", readonly=readonly)


def obj(**members: Field) -> Field:
    return Field("obj", children=members)


def lst(item: Field) -> Field:
    return Field("list", item=item)


def mp(item: Field) -> Field:
    return Field("map", item=item)


PHONE_TYPES = ("primary", "mobile", "work", "other", "fax")
UTM = obj(utm_source=s(), utm_medium=s(), utm_campaign=s(), utm_term=s(), utm_content=s())
TEXT_FIELDS = ("description", "requirements", "companyProfile", "salary", "summary")
#: text fields beyond the generated five (the OTYS plugin's vacancy list asks for all of them)
EXTRA_TEXT_FIELDS = ("companyCulture", *(f"extra{n}" for n in range(1, 11)))
MATCH_CRITERIA = 18


def any_() -> Field:
    return Field("any")


def vacancy_extended() -> dict[str, Field]:
    """Vacancy fields of the reference (§5.2) and of the OTYS plugin's list ``what`` beyond the core set."""
    out: dict[str, Field] = {
        "copyTitle": s(),
        "extraTitle": s(),
        "externalReferenceNr": s(),
        "publicationFirstDate": d(),
        "publishedWebsites": lst(i()),
        "publishLanguages": lst(s()),
        "publishedInShortlist": b(),
        "premiumPublish": b(),
        "passive": b(),
        "stopDate": d(),
        "createdByUser": s(readonly=True),
        "modifiedByUser": s(readonly=True),
        "defaultConsultant": s(),
        "userInitials": s(readonly=True),
        "userPhoneMobile": s(readonly=True),
        "listAllEmails": s(readonly=True),
        "relationContact": s(),
        "relationContact2": s(),
        "relationContactId": i(),
        "relationContactId2": i(),
        "showEmployer": b(),
        "blockScanners": b(),
        "removeApplyButton": b(),
        "locationCityId": i(),
        "locationLatitude": n(),
        "locationLongitude": n(),
        "workPlaceAddress": s(),
        "workPlacePostalCode": s(),
        "workPlaceCity": s(),
        "workPlacePhone": s(),
        "workPlaceFax": s(),
        "hoursUnit": s(),
        "hoursType": s(),
        "housTotal": n(),
        "tariff": n(),
        "tariffUnit": s(),
        "currencyId": i(),
        "alternativeCategories": mp(s()),
        "jobType": s(),
        "assignmentType": s(),
        "matchCriteriaNames": mp(s()),
        "applyCount": i(readonly=True),
        "applyCountToday": i(readonly=True),
        "viewCount": i(readonly=True),
        "applyUrls": mp(s()),
        "customApplyUrl": s(),
        "customDetailUrl": s(),
        "questionSetId": i(),
        "photoFileName": s(),
        "photoThumbFileName": s(),
        "relationLogoFileName": s(),
        "PhotoGallery": lst(obj(photo=s(), thumbnail=s())),
        "Video": any_(),
        "assignmentStartDate": d(),
        "assignmentEndDate": d(),
        "endDateUnknown": b(),
        "candidatesNeeded": i(),
        "candidatesPlaced": i(),
        "responsibleContact": s(),
        "responsibleCustomerOfficeName": s(),
        "responsibleCustomerOfficeContactPersonName": s(),
        "responsibleWorkplaceName": s(),
        "responsibleWorkplaceContactPersonName": s(),
    }
    for name in EXTRA_TEXT_FIELDS:
        out[f"textField_{name}"] = obj(title=s(), text=s())
    for num in range(1, MATCH_CRITERIA + 1):
        out[f"matchCriteria_{num}"] = mp(i())
    return out


#: candidate collections of the reference (§5.1); member names are the sandbox's guess
CANDIDATE_COLLECTIONS: dict[str, dict[str, str]] = {
    "Addresses": {"type": "str", "address": "str", "city": "str", "postcode": "str", "countryCode": "str"},
    "ExtraPhoneNumbers": {"type": "str", "phoneNumber": "str"},
    "Emails": {"type": "str", "email": "str"},
    "EducationHistory": {
        "institute": "str",
        "education": "str",
        "level": "str",
        "startDate": "date",
        "endDate": "date",
        "diploma": "bool",
    },
    "LanguageSkills": {"language": "str", "languageCode": "str", "speaking": "str", "writing": "str"},
    "ComputerSkills": {"skill": "str", "level": "str"},
    "SoftSkills": {"skill": "str"},
    "Hobbies": {"hobby": "str"},
    "References": {"name": "str", "company": "str", "phoneNumber": "str", "email": "str"},
    "BankAccounts": {"iban": "str", "bic": "str", "accountHolder": "str"},
    "HrmItems": {"name": "str", "value": "str"},
    "ConfigurableOrganisationUnits": {"uid": "int", "name": "str"},
}


def candidate_extended() -> dict[str, Field]:
    """Candidate scalars and collections of the reference (§5.1) and of the plugin's ``add`` payload."""
    out: dict[str, Field] = {
        "currencyId": i(),
        "varCopy": s(),
        "vcaCopy": s(),
        "Linkedin": s(),
        "website": s(),
        "promoText": s(),
        "personalNr": s(),
        "noticeTerm": s(),
        "willRelocate": b(),
        "ownsCar": b(),
        "handicapped": b(),
        "vatNr": s(),
    }
    for name, members in CANDIDATE_COLLECTIONS.items():
        out[name] = lst(obj(**{m: Field(kind) for m, kind in members.items()}))
    for num in range(1, MATCH_CRITERIA + 1):
        out[f"matchCriteria_{num}"] = mp(i())
    return out


def person_extended() -> dict[str, Field]:
    """``Person`` members of the reference beyond the core set."""
    return {
        "title": s(),
        "suffix": s(),
        "age": i(readonly=True),
        "nationality": s(),
        "nationalityCode": s(),
        "nationalityCodes": lst(s()),
        "skype": s(),
        "placeOfBirth": s(),
        "married": b(),
        "passPortNumber": s(),
        "passPortExpirationDate": d(),
        "bankAccountNumber": s(),
        "religion": s(),
        "phoneMobile": s(),
    }


@dataclass
class ServiceSchema:
    """Fields of one service plus its uid kind and default ``what``."""

    name: str
    fields: dict[str, Field]
    uid_kind: str  # "hex" | "int"
    default_what: dict[str, Any] | None = None  # None: every field
    indexed: tuple[str, ...] = ()  # fields with an equality index
    writable: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def remark_schema(stamps: dict[str, Field]) -> ServiceSchema:
    """``ProcedureRemarkService``: notes on a procedure (the sandbox's reading, see remarks.py)."""
    fields = {
        "uid": s(readonly=True),
        "procedureUid": s(),
        "candidateUid": s(readonly=True),
        "vacancyUid": s(readonly=True),
        "remark": s(),
        "userId": i(readonly=True),
        **stamps,
    }
    default = {"uid": 1, "procedureUid": 1, "remark": 1, "entryDateTime": 1}
    return ServiceSchema("ProcedureRemarkService", fields, "hex", default, indexed=("procedureUid",))


def _person_basic() -> Field:
    return obj(firstName=s(), infix=s(), lastName=s(), emailPrimary=s())


def build_schemas(settings: SandboxSettings) -> dict[str, ServiceSchema]:
    """Every service schema, using the settings' modified-field name and extra-field counts."""
    mod = settings.modified_field
    stamps = {"entryDateTime": dt(readonly=True), mod: dt(readonly=True)}
    created_only = {"entryDateTime": dt(readonly=True)}

    def stamps_of(service: str) -> dict[str, Field]:
        return stamps if settings.has_modified(service) else created_only

    user = {
        "uid": i(readonly=True),
        "blocked": s(enum=("0", "1")),
        "Person": _person_basic(),
        **stamps,
    }
    vacancy: dict[str, Field] = {
        "uid": s(readonly=True),
        "internalId": i(readonly=True),
        "title": s(),
        "referenceNr": s(),
        "status": s(readonly=True),
        "statusId": i(),
        "published": b(),
        "publicationStatus": s(readonly=True),
        "publicationStatusId": i(),
        "publicationStartDate": d(),
        "publicationEndDate": d(),
        **stamps,
        "user": s(readonly=True),
        "userId": i(),
        "userId2": i(),
        "userId3": i(),
        "userEmail": s(readonly=True),
        "relation": s(),
        "relationId": i(),
        "location": s(),
        "locationAddress": s(),
        "locationCity": s(),
        "locationPostcode": s(),
        "locationState": s(),
        "locationCountry": s(),
        "locationCountryCode": s(),
        "salaryCurrency": s(),
        "salaryValue": n(),
        "salaryMin": n(),
        "salaryMax": n(),
        "salaryUnit": s(),
        "hours": n(),
        "category": s(readonly=True),
        "categoryId": i(),
        "slug": mp(s()),
    }
    for name in TEXT_FIELDS:
        vacancy[f"textField_{name}"] = obj(title=s(), text=s())
    for num in range(1, settings.vacancy_extra_fields + 1):
        vacancy[f"extraInfo{num}"] = s()
    vacancy.update(vacancy_extended())

    phone = obj(type=s(enum=PHONE_TYPES), phoneNumber=s())
    address = obj(address=s(), city=s(), postcode=s(), stateCode=s(), countryCode=s(), country=s())
    candidate: dict[str, Field] = {
        "uid": s(readonly=True),
        "internalId": i(readonly=True),
        "status": s(readonly=True),
        "statusId": i(),
        **stamps_of("CandidateService"),
        "source": s(),
        "portalId": i(),
        "pointOfEntry": s(),
        "originSiteId": i(),
        "availableAt": d(),
        "UtmTags": UTM,
        "EmploymentHistory": lst(obj(employer=s(), function=s(), startDate=d(), endDate=d(), current=b())),
        "Tags": lst(obj(uid=i(), tag=s())),
        "gdprDueDate": d(),
        "gdprReason": s(),
        "acceptTerms": b(),
        "acceptTermsTs": s(),
        "acceptTermsIp": s(),
        "Person": obj(
            firstName=s(),
            infix=s(),
            lastName=s(),
            initials=s(),
            emailPrimary=s(),
            gender=s(),
            birthdate=d(),
            languageCode=s(),
            PhoneNumbers=mp(phone),
            AddressPrimary=address,
            **person_extended(),
        ),
    }
    for num in range(1, settings.candidate_extra_fields + 1):
        candidate[f"extraInfo{num}"] = s()
    candidate.update(candidate_extended())

    status_ref = obj(uid=i(), status=s())
    procedure = {
        "uid": s(readonly=True),
        "candidateUid": s(),
        "vacancyUid": s(),
        **stamps_of("ProcedureService"),
        "ProcedureStatus1": status_ref,
        "ProcedureStatus2": status_ref,
        "ProcedureStatus3": status_ref,
        "UtmTags": UTM,
        "KillerQuestions": lst(obj(answer=s(), questionId=s())),
    }
    document = {
        "uid": s(readonly=True),
        "candidateUid": s(),
        "fileUid": s(),
        "fileName": s(readonly=True),
        "mimeType": s(readonly=True),
        "size": i(readonly=True),
        "subject": s(),
        "description": s(),
        "typeId": s(),
        "type": s(readonly=True),
        "private": b(),
        "customerRightsLevel": i(),
        "alwaysOnTop": b(),
        "applicationUid": s(),
        **stamps,
    }
    portal = {
        "uid": i(readonly=True),
        "portal": s(),
        "domain": s(),
        "alias1": s(),
        "alias2": s(),
        "alias3": s(),
        "originalId": s(),
        "utmTags": UTM,
        "CustomUtmTags": obj(useCustom=b(), utmTags=UTM),
        **stamps,
    }
    website = {"uid": i(readonly=True), "siteId": i(), "website": s(), "url": s()}
    status_row = {
        "uid": i(readonly=True),
        "code": s(),
        "status": s(),
        "automaticallySelectEvent": i(),
        mod: dt(readonly=True),
    }
    webhook = {
        "uid": i(readonly=True),
        "webhookUrl": s(),
        "serviceCall": s(),
        "klantid": i(readonly=True),
        "userid": i(readonly=True),
        "klantGlobal": b(),
    }

    defaults = {
        "UserService": {
            "uid": 1,
            "blocked": 1,
            "Person": {"firstName": 1, "infix": 1, "lastName": 1, "emailPrimary": 1},
        },
        "VacancyService": {
            "uid": 1,
            "internalId": 1,
            "title": 1,
            "referenceNr": 1,
            "status": 1,
            "statusId": 1,
            "entryDateTime": 1,
            mod: 1,
        },
        "CandidateService": {
            "uid": 1,
            "internalId": 1,
            "status": 1,
            "statusId": 1,
            "entryDateTime": 1,
            mod: 1,
            "Person": {"firstName": 1, "infix": 1, "lastName": 1, "emailPrimary": 1},
        },
        "ProcedureService": {
            "uid": 1,
            "candidateUid": 1,
            "vacancyUid": 1,
            "entryDateTime": 1,
            mod: 1,
            "ProcedureStatus1": {"uid": 1, "status": 1},
        },
        "AttachedDocumentsService": {
            "uid": 1,
            "candidateUid": 1,
            "fileUid": 1,
            "fileName": 1,
            "typeId": 1,
            "type": 1,
            "entryDateTime": 1,
        },
    }
    for name in settings.modified_absent:
        if name in defaults:
            defaults[name] = {k: v for k, v in defaults[name].items() if k != mod}
    if settings.default_what:
        defaults.update(settings.default_what)

    schemas = [
        ServiceSchema("UserService", user, "int", defaults["UserService"]),
        ServiceSchema("VacancyService", vacancy, "hex", defaults["VacancyService"]),
        ServiceSchema("CandidateService", candidate, "hex", defaults["CandidateService"]),
        ServiceSchema(
            "ProcedureService", procedure, "hex", defaults["ProcedureService"], indexed=("candidateUid", "vacancyUid")
        ),
        ServiceSchema(
            "AttachedDocumentsService", document, "hex", defaults["AttachedDocumentsService"], indexed=("candidateUid",)
        ),
        ServiceSchema("ReferrerPortalService", portal, "int", defaults.get("ReferrerPortalService")),
        ServiceSchema("WebsiteService", website, "int", defaults.get("WebsiteService"), writable=False),
        ServiceSchema("WebhooksService", webhook, "int", defaults.get("WebhooksService")),
    ]
    for axis in (1, 2, 3):
        name = f"ProcedureStatus{axis}Service"
        schemas.append(ServiceSchema(name, dict(status_row), "int", defaults.get(name), writable=False))
    schemas.append(remark_schema(stamps))
    return {sc.name: sc for sc in schemas}


def resolve(fields: Mapping[str, Field], path: str) -> tuple[Field, list[str], list[str]]:
    """The field at a dotted ``path`` and, for each step, which steps fan out (list/map).

    Returns ``(field, steps, fanout)`` where ``fanout`` holds ``"obj" | "list" | "map"`` per
    step taken *into* a container. Raises ``KeyError`` with the offending name.
    """
    steps = path.split(".")
    current: Mapping[str, Field] | None = fields
    kinds: list[str] = []
    f: Field | None = None
    for idx, step in enumerate(steps):
        if current is None or step not in current:
            raise KeyError(step)
        f = current[step]
        if idx == len(steps) - 1:
            break
        if f.kind == "obj":
            kinds.append("obj")
            current = f.children
        elif f.kind in ("list", "map") and f.item is not None:
            kinds.append(f.kind)
            current = f.item.children
        else:
            raise KeyError(steps[idx + 1])
    assert f is not None
    return f, steps, kinds
