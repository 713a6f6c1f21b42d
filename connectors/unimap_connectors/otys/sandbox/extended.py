"""Generated values for the fields beyond the core set: candidate collections, extra Person and vacancy fields.

Everything here draws from its own random streams (``extended-*``), after the core records are
built, so switching it on or off (``SandboxSettings.generate_extended``) never moves a core value.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from . import vocab as v
from .generator import DAY, ascii_fold
from .schema import CANDIDATE_COLLECTIONS, EXTRA_TEXT_FIELDS, MATCH_CRITERIA

if TYPE_CHECKING:
    from .generator import _Gen

INSTITUTES = (
    "Hogeschool Utrecht",
    "Universiteit van Amsterdam",
    "ROC Midden Nederland",
    "TU Delft",
    "Fontys Hogescholen",
    "Hanzehogeschool Groningen",
    "KU Leuven",
    "Erasmus Universiteit",
)
EDUCATIONS = (
    ("Bedrijfskunde", "HBO"),
    ("Informatica", "WO"),
    ("Verpleegkunde", "MBO"),
    ("Logistiek", "MBO"),
    ("Rechten", "WO"),
    ("Werktuigbouwkunde", "HBO"),
    ("Commerciële Economie", "HBO"),
)
LANGUAGES = (("Nederlands", "nl"), ("Engels", "en"), ("Duits", "de"), ("Frans", "fr"), ("Pools", "pl"))
LEVELS = ("basis", "goed", "uitstekend", "moedertaal")
COMPUTER = ("Microsoft Excel", "SAP", "Python", "AutoCAD", "Salesforce", "Exact Online", "Photoshop")
SOFT = ("Communicatief", "Zelfstandig", "Teamspeler", "Stressbestendig", "Klantgericht")
HOBBIES = ("Hardlopen", "Voetbal", "Koken", "Lezen", "Fotografie", "Zeilen", "Muziek")
NATIONALITIES = {
    "NL": "Nederlandse",
    "BE": "Belgische",
    "DE": "Duitse",
    "PL": "Poolse",
    "FR": "Franse",
    "ES": "Spaanse",
    "DK": "Deense",
}
UNITS = ((1, "Vestiging Utrecht"), (2, "Vestiging Rotterdam"), (3, "Detachering"), (4, "Werving & Selectie"))
CRITERIA_NAMES = ("Opleidingsniveau", "Branche", "Regio", "Vakgebied", "Dienstverband", "Uren per week")


def _maybe(r: random.Random, chance: float, value: Any) -> Any:
    return value if r.random() < chance else None


def _some(r: random.Random, chance: float, most: int) -> int:
    return r.randint(1, most) if r.random() < chance else 0


def extend_candidates(g: _Gen, candidates: list[dict[str, Any]]) -> None:
    """Add the extended candidate fields in place (stream ``extended-candidates``)."""
    r = g.rng("extended-candidates")
    for cand in candidates:
        p = cand["Person"]
        country = p["AddressPrimary"].get("countryCode") or "NL"
        mobile = next((x["phoneNumber"] for x in p["PhoneNumbers"].values() if x.get("type") == "mobile"), None)
        p.update(
            {
                "title": _maybe(r, 0.1, r.choice(("ing.", "drs.", "mr.", "dr.", "bc."))),
                "suffix": _maybe(r, 0.03, r.choice(("MSc", "MBA", "BSc"))),
                "age": None,
                "nationality": NATIONALITIES.get(country, "Nederlandse"),
                "nationalityCode": country,
                "nationalityCodes": [country],
                "skype": None,
                "placeOfBirth": _maybe(r, 0.5, r.choice(v.NL_CITIES)[0]),
                "married": _maybe(r, 0.4, r.random() < 0.5),
                "passPortNumber": None,
                "passPortExpirationDate": None,
                "bankAccountNumber": None,
                "religion": None,
                "phoneMobile": mobile,
            }
        )
        if p["birthdate"]:
            p["age"] = 2025 - int(p["birthdate"][:4])
        name = ascii_fold(f"{p['firstName']}{p['lastName']}")
        entry = g.clock.instant(cand["entryDateTime"])
        cand.update(
            {
                "currencyId": 1,
                "varCopy": None,
                "vcaCopy": None,
                "Linkedin": _maybe(r, 0.3, f"https://www.linkedin.com/in/{name}"),
                "website": None,
                "promoText": None,
                "personalNr": _maybe(r, 0.1, f"P{r.randrange(10000, 99999)}"),
                "noticeTerm": _maybe(r, 0.4, r.choice(("1 maand", "2 maanden", "Direct"))),
                "willRelocate": _maybe(r, 0.5, r.random() < 0.3),
                "ownsCar": _maybe(r, 0.6, r.random() < 0.7),
                "handicapped": None,
                "vatNr": None,
            }
        )
        cols: dict[str, list[dict[str, Any]]] = {name: [] for name in CANDIDATE_COLLECTIONS}
        for _ in range(_some(r, 0.15, 1)):
            place = g._place(r, country)
            cols["Addresses"].append(
                {
                    "type": "postal",
                    "address": place["address"],
                    "city": place["city"],
                    "postcode": place["postcode"],
                    "countryCode": place["countryCode"],
                }
            )
        for _ in range(_some(r, 0.2, 2)):
            cols["ExtraPhoneNumbers"].append(
                {"type": r.choice(("home", "work", "other")), "phoneNumber": g._phone(r, country, r.random() < 0.5)}
            )
        if p["emailPrimary"] and r.random() < 0.15:
            cols["Emails"].append({"type": "work", "email": f"{name}@werk.example"})
        for _ in range(_some(r, 0.7, 3)):
            education, level = r.choice(EDUCATIONS)
            start = entry - r.randrange(4, 25) * 365 * DAY
            cols["EducationHistory"].append(
                {
                    "institute": r.choice(INSTITUTES),
                    "education": education,
                    "level": level,
                    "startDate": g.fdate(start),
                    "endDate": g.fdate(start + r.randrange(2, 5) * 365 * DAY),
                    "diploma": r.random() < 0.85,
                }
            )
        for language, code in r.sample(LANGUAGES, _some(r, 0.6, 3)):
            cols["LanguageSkills"].append(
                {"language": language, "languageCode": code, "speaking": r.choice(LEVELS), "writing": r.choice(LEVELS)}
            )
        for skill in r.sample(COMPUTER, _some(r, 0.5, 3)):
            cols["ComputerSkills"].append({"skill": skill, "level": r.choice(LEVELS[:3])})
        cols["SoftSkills"] = [{"skill": x} for x in r.sample(SOFT, _some(r, 0.4, 2))]
        cols["Hobbies"] = [{"hobby": x} for x in r.sample(HOBBIES, _some(r, 0.3, 2))]
        if r.random() < 0.1:
            cols["References"].append(
                {
                    "name": f"{r.choice(v.NL_MALE)} {r.choice(v.NL_PLAIN_LAST)}",
                    "company": r.choice(v.EMPLOYERS),
                    "phoneNumber": g._phone(r, "NL", True),
                    "email": None,
                }
            )
        if r.random() < 0.05:
            cols["BankAccounts"].append(
                {
                    "iban": f"NL{r.randrange(10, 99)}INGB0{r.randrange(100000000, 999999999)}",
                    "bic": "INGBNL2A",
                    "accountHolder": f"{p['initials']} {p['lastName']}",
                }
            )
        if r.random() < 0.05:
            cols["HrmItems"].append({"name": "VOG", "value": r.choice(("aangevraagd", "ontvangen"))})
        cols["ConfigurableOrganisationUnits"] = [{"uid": u, "name": n} for u, n in r.sample(UNITS, _some(r, 0.5, 2))]
        cand.update(cols)
        for num in range(1, MATCH_CRITERIA + 1):
            cand[f"matchCriteria_{num}"] = (
                {str(r.randrange(1, 9)): 1} if num <= len(CRITERIA_NAMES) and r.random() < 0.3 else {}
            )


def extend_vacancies(g: _Gen, vacancies: list[dict[str, Any]], users: list[dict[str, Any]]) -> None:
    """Add the extended vacancy fields in place (stream ``extended-vacancies``)."""
    r = g.rng("extended-vacancies")
    by_uid = {u["uid"]: u for u in users}
    for vac in vacancies:
        owner = by_uid.get(vac["userId"]) or {}
        person = owner.get("Person") or {}
        initials = "".join(x[0] for x in (person.get("firstName"), person.get("lastName")) if x) or None
        sites = sorted(int(k) for k in vac["slug"])
        published = bool(vac["published"])
        vac.update(
            {
                "copyTitle": None,
                "extraTitle": _maybe(r, 0.2, r.choice(("Fulltime", "32-40 uur", "Direct starten"))),
                "externalReferenceNr": _maybe(r, 0.3, f"EXT-{r.randrange(10000, 99999)}"),
                "publicationFirstDate": vac["publicationStartDate"],
                "publishedWebsites": sites if published else [],
                "publishLanguages": ["nl"] + (["en"] if 2 in sites else []),
                "publishedInShortlist": published and r.random() < 0.2,
                "premiumPublish": published and r.random() < 0.1,
                "passive": False,
                "stopDate": vac["publicationEndDate"],
                "createdByUser": vac["user"],
                "modifiedByUser": vac["user"],
                "defaultConsultant": vac["user"],
                "userInitials": initials,
                "userPhoneMobile": _maybe(r, 0.7, g._phone(r, "NL", True)),
                "listAllEmails": vac["userEmail"],
                "relationContact": _maybe(r, 0.6, f"{r.choice(v.NL_FEMALE)} {r.choice(v.NL_PLAIN_LAST)}"),
                "relationContact2": None,
                "relationContactId": None,
                "relationContactId2": None,
                "showEmployer": r.random() < 0.6,
                "blockScanners": False,
                "removeApplyButton": False,
                "locationCityId": None,
                "locationLatitude": None,
                "locationLongitude": None,
                "workPlaceAddress": vac["locationAddress"],
                "workPlacePostalCode": vac["locationPostcode"],
                "workPlaceCity": vac["locationCity"],
                "workPlacePhone": None,
                "workPlaceFax": None,
                "hoursUnit": "week" if vac["hours"] else None,
                "hoursType": _maybe(r, 0.5, r.choice(("fulltime", "parttime"))),
                "housTotal": vac["hours"],
                "tariff": None,
                "tariffUnit": None,
                "currencyId": 1 if vac["salaryCurrency"] else None,
                "alternativeCategories": {},
                "jobType": _maybe(r, 0.6, r.choice(v.EMPLOYMENT_TYPES)),
                "assignmentType": None,
                "matchCriteriaNames": {f"matchCriteria_{n}": label for n, label in enumerate(CRITERIA_NAMES, 1)},
                "applyCount": r.randrange(0, 60),
                "applyCountToday": 0,
                "viewCount": r.randrange(0, 2500),
                "applyUrls": {
                    str(s): f"https://werkenbij.sandbox-werving.example/solliciteren/{vac['internalId']}" for s in sites
                },
                "customApplyUrl": None,
                "customDetailUrl": None,
                "questionSetId": _maybe(r, 0.5, 1),
                "photoFileName": None,
                "photoThumbFileName": None,
                "relationLogoFileName": None,
                "PhotoGallery": [],
                "Video": None,
                "assignmentStartDate": None,
                "assignmentEndDate": None,
                "endDateUnknown": None,
                "candidatesNeeded": r.choice((1, 1, 1, 2, 3)),
                "candidatesPlaced": 0,
                "responsibleContact": None,
                "responsibleCustomerOfficeName": None,
                "responsibleCustomerOfficeContactPersonName": None,
                "responsibleWorkplaceName": None,
                "responsibleWorkplaceContactPersonName": None,
            }
        )
        for name in EXTRA_TEXT_FIELDS:
            vac[f"textField_{name}"] = {"title": None, "text": None}
        if r.random() < 0.4:
            vac["textField_companyCulture"] = {
                "title": "Bedrijfscultuur",
                "text": "<p>Informeel, betrokken en met ruimte voor groei.</p>",
            }
        for num in range(1, MATCH_CRITERIA + 1):
            vac[f"matchCriteria_{num}"] = (
                {str(r.randrange(1, 9)): 1} if num <= len(CRITERIA_NAMES) and r.random() < 0.5 else {}
            )
