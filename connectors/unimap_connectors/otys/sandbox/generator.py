"""Seeded tenant generator: users, vacancies, candidates, procedures, documents and catalogues.

Deterministic per (seed, size, settings): every random stream is seeded from the seed and the
dates lie in fixed windows (created 2023-01-01 .. 2025-06-30, modified up to 2025-09-30), so the
wall clock never matters. Sizes: ``small`` = 50 candidates, ``medium`` = 2,000,
``large`` = 20,000, or an int N (up to 100,000): users ≈ N/200+5, vacancies ≈ N/20+5,
≈1.5 procedures per candidate.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import random
import time
import unicodedata
from bisect import bisect
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from . import catalogue as cat
from . import vocab as v
from .schema import TEXT_FIELDS
from .settings import SandboxSettings
from .timefmt import Clockface

SIZES = {"small": 50, "medium": 2_000, "large": 20_000}
MAX_CANDIDATES = 100_000

T_ENTRY_START = calendar.timegm((2023, 1, 1, 7, 0, 0))
T_ENTRY_END = calendar.timegm((2025, 6, 30, 20, 0, 0))
T_MOD_END = calendar.timegm((2025, 9, 30, 20, 0, 0))
T_USERS_START = calendar.timegm((2021, 3, 1, 8, 0, 0))
T_CATALOGUE = calendar.timegm((2022, 11, 14, 9, 30, 0))
#: nightly bulk imports: many candidates share one of these modified stamps (sort tie-breaks)
T_IMPORTS = (
    calendar.timegm((2025, 7, 15, 1, 0, 0)),
    calendar.timegm((2025, 8, 20, 1, 0, 0)),
    calendar.timegm((2025, 9, 10, 1, 0, 0)),
)
DAY = 86_400
CLIENT_DOMAIN = "sandbox-werving.example"

_INFIXES = tuple(name for name, _ in v.NL_INFIX_WEIGHTS)
_INFIX_WEIGHTS = tuple(w for _, w in v.NL_INFIX_WEIGHTS)
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i", "æ": "ae", "đ": "d", "'": "", " ": "", "’": ""}
)


@lru_cache(maxsize=256)
def _cumulative(weights: tuple[float, ...]) -> tuple[list[float], float]:
    cum = list(accumulate(weights))
    return cum, cum[-1]


def pick(r: random.Random, population: tuple[Any, ...], weights: tuple[float, ...]) -> Any:
    """One weighted choice (``random.choices`` without re-accumulating the weights each call)."""
    cum, total = _cumulative(weights)
    return population[bisect(cum, r.random() * total)]


def parse_size(size: str | int) -> int:
    """Number of candidates for a size label or int."""
    if isinstance(size, int) and not isinstance(size, bool):
        n = size
    elif isinstance(size, str) and size.strip().lower() in SIZES:
        n = SIZES[size.strip().lower()]
    elif isinstance(size, str) and size.strip().isdigit():
        n = int(size.strip())
    else:
        raise ValueError(f"size must be small, medium, large or a number of candidates, not {size!r}")
    if not 0 <= n <= MAX_CANDIDATES:
        raise ValueError(f"size must be between 0 and {MAX_CANDIDATES} candidates, not {n}")
    return n


def ascii_fold(text: str) -> str:
    """Lower-case ASCII for e-mail addresses and slugs ("Łukasz Wiśniewski" -> "lukaszwisniewski")."""
    text = text.translate(_FOLD)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def slugify(text: str) -> str:
    """URL slug of a title."""
    out = []
    for ch in unicodedata.normalize("NFKD", text.translate({ord("ł"): "l", ord("ß"): "ss"})).lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif not unicodedata.combining(ch) and (not out or out[-1] != "-"):
            out.append("-")
    return "".join(out).strip("-")


@dataclass
class TenantData:
    """A generated tenant: raw records per service, uploaded files and identity."""

    seed: int
    n_candidates: int
    api_key: str
    api_user_uid: int
    records: dict[str, list[dict[str, Any]]]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def digest(self) -> str:
        """SHA-256 over every record and file (canonical JSON)."""
        h = hashlib.sha256()
        for name in sorted(self.records):
            h.update(name.encode())
            for rec in self.records[name]:
                h.update(json.dumps(rec, sort_keys=True, ensure_ascii=False).encode())
        for ouid in sorted(self.files):
            meta = {k: val for k, val in self.files[ouid].items() if k != "content"}
            h.update(json.dumps(meta, sort_keys=True).encode())
        return h.hexdigest()


class _Gen:
    """One generation run (keeps the random streams and lookups together)."""

    def __init__(self, seed: int, n: int, settings: SandboxSettings) -> None:
        self.seed = seed
        self.n = n
        self.settings = settings
        self.clock = Clockface(
            settings.timezone, settings.datetime_format, settings.date_format, settings.datetime_offset
        )
        self.fmt = self.clock.format
        self.fdate = self.clock.format_date
        self.mod = settings.modified_field

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"otys-sandbox:{self.seed}:{stream}")

    @staticmethod
    def hex_uid(r: random.Random) -> str:
        return f"{r.getrandbits(128):032x}"

    # -- users ---------------------------------------------------------------------------

    def users(self) -> list[dict[str, Any]]:
        r = self.rng("users")
        count = self.n // 200 + 5
        out = []
        span = T_ENTRY_END - T_USERS_START
        for uid in range(1, count + 1):
            entry = T_USERS_START + r.randrange(span)
            modified = entry if r.random() < 0.3 else entry + r.randrange(T_MOD_END - entry)
            if uid == 1:
                first, infix, last, blocked = "API", None, "Koppeling", "0"
            else:
                first = r.choice(v.NL_MALE if r.random() < 0.5 else v.NL_FEMALE)
                infix, last = self._nl_last(r)
                blocked = "1" if r.random() < 0.1 else "0"
            local = ".".join(p for p in (first, infix, last) if p)
            email = f"{ascii_fold(local).replace('..', '.')}@{CLIENT_DOMAIN}"
            if uid > 1 and r.random() < 0.03:
                email = None
            out.append(
                {
                    "uid": uid,
                    "blocked": blocked,
                    "Person": {"firstName": first, "infix": infix, "lastName": last, "emailPrimary": email},
                    "entryDateTime": self.fmt(entry),
                    self.mod: self.fmt(modified),
                }
            )
        return out

    @staticmethod
    def _nl_last(r: random.Random) -> tuple[str | None, str]:
        if r.random() < 0.36:
            infix = pick(r, _INFIXES, _INFIX_WEIGHTS)
            return infix, r.choice(v.NL_INFIX_LAST[infix])
        return None, r.choice(v.NL_PLAIN_LAST)

    # -- vacancies -----------------------------------------------------------------------

    def vacancies(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        r = self.rng("vacancies")
        ur = self.rng("vacancy-uids")
        count = self.n // 20 + 5
        active_users = [u for u in users[1:] if u["blocked"] == "0"] or users
        out = []
        for idx in range(count):
            entry = T_ENTRY_START + r.randrange(T_ENTRY_END - T_ENTRY_START)
            modified = entry if r.random() < 0.25 else entry + r.randrange(T_MOD_END - entry)
            title, category_id = r.choice(v.JOB_TITLES)
            internal = 2001 + idx
            status_id = pick(r, (1, 2, 3, 4, 5), (45, 10, 15, 20, 10))
            published = status_id == 1 and r.random() < 0.85
            if published:
                pub_id = 1
            elif status_id in (3, 4) and r.random() < 0.7:
                pub_id = 3
            else:
                pub_id = 2
            pub_start = None if status_id == 5 else self.fdate(entry + r.randrange(0, 10) * DAY)
            pub_end = None
            if pub_start and (pub_id == 3 or r.random() < 0.5):
                pub_end = self.fdate(entry + r.randrange(30, 120) * DAY)
            owner = r.choice(active_users)
            second = r.choice(active_users) if r.random() < 0.4 else None
            third = r.choice(active_users) if r.random() < 0.1 else None
            client_idx = r.randrange(len(v.CLIENTS))
            client = v.CLIENTS[client_idx]
            place = self._place(r, "NL" if r.random() < 0.9 else r.choice(("BE", "DE")))
            salary_unit = pick(r, ("month", "year", "hour", None), (60, 20, 12, 8))
            smin = smax = sval = None
            currency = None
            if salary_unit is not None and r.random() < 0.8:
                currency = "EUR"
                base = {"month": 2400, "year": 32000, "hour": 15}[salary_unit]
                step = {"month": 100, "year": 1000, "hour": 1}[salary_unit]
                smin = base + step * r.randrange(0, 30)
                smax = smin + step * r.randrange(2, 15)
                if r.random() < 0.3:
                    sval = smin
                    smin = smax = None
            hours = r.choice((16, 24, 32, 36, 38, 40, None))
            p = owner["Person"]
            vac: dict[str, Any] = {
                "uid": self.hex_uid(ur),
                "internalId": internal,
                "title": title,
                "referenceNr": None if r.random() < 0.05 else f"V{time.gmtime(entry).tm_year}-{internal:05d}",
                "status": cat.VACANCY_STATUSES[status_id],
                "statusId": status_id,
                "published": published,
                "publicationStatus": cat.PUBLICATION_STATUSES[pub_id],
                "publicationStatusId": pub_id,
                "publicationStartDate": pub_start,
                "publicationEndDate": pub_end,
                "entryDateTime": self.fmt(entry),
                self.mod: self.fmt(modified),
                "user": " ".join(x for x in (p["firstName"], p["infix"], p["lastName"]) if x),
                "userId": owner["uid"],
                "userId2": second["uid"] if second else None,
                "userId3": third["uid"] if third else None,
                "userEmail": p["emailPrimary"],
                "relation": client,
                "relationId": 501 + client_idx,
                "location": place["city"],
                "locationAddress": place["address"],
                "locationCity": place["city"],
                "locationPostcode": place["postcode"],
                "locationState": place["state"],
                "locationCountry": place["country"],
                "locationCountryCode": place["countryCode"],
                "salaryCurrency": currency,
                "salaryValue": sval,
                "salaryMin": smin,
                "salaryMax": smax,
                "salaryUnit": salary_unit if currency else None,
                "hours": hours,
                "category": cat.CATEGORIES[category_id],
                "categoryId": category_id,
                "slug": {"1": f"{slugify(title)}-{slugify(place['city'] or '')}-{internal}"},
            }
            if r.random() < 0.3:
                vac["slug"]["2"] = f"{slugify(title)}-{internal}"
            vac.update(self._texts(r, title, client, place["city"] or "Nederland"))
            extras = (
                r.choice(v.DEPARTMENTS[category_id]) if r.random() < 0.8 else None,
                r.choice(v.EXPERIENCE_LEVELS) if r.random() < 0.7 else None,
                r.choice(v.REMOTE_OPTIONS) if r.random() < 0.6 else None,
                r.choice(v.EMPLOYMENT_TYPES) if r.random() < 0.75 else None,
                f"KP-{r.randrange(1000, 9999)}" if r.random() < 0.5 else None,
            )
            for num in range(1, self.settings.vacancy_extra_fields + 1):
                vac[f"extraInfo{num}"] = extras[num - 1] if num <= len(extras) else None
            out.append(vac)
        return out

    def _texts(self, r: random.Random, title: str, client: str, city: str) -> dict[str, Any]:
        titles = {
            "description": "Functieomschrijving",
            "requirements": "Functie-eisen",
            "companyProfile": "Bedrijfsprofiel",
            "salary": "Salaris",
            "summary": "Samenvatting",
        }
        chance = {"description": 0.97, "requirements": 0.9, "companyProfile": 0.7, "salary": 0.5, "summary": 0.6}
        out: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            text = None
            if r.random() < chance[name]:
                if name == "description":
                    intro = r.choice(v.INTROS).format(title=title, client=client, city=city)
                    tasks = "".join(f"<li>{t}</li>" for t in r.sample(v.TASKS, 3))
                    text = f"<p>{intro}</p><h3>Wat ga je doen?</h3><ul>{tasks}</ul>"
                elif name == "requirements":
                    reqs = "".join(f"<li>{t}</li>" for t in r.sample(v.REQUIREMENTS, 4))
                    text = f"<ul>{reqs}</ul>"
                elif name == "companyProfile":
                    text = r.choice(v.COMPANY).format(client=client)
                elif name == "salary":
                    low = 2600 + 100 * r.randrange(0, 25)
                    text = (
                        f"<p>Salaris tussen <strong>€&nbsp;{low:,}</strong> en €&nbsp;{low + 900:,} bruto per "
                        f"maand, 8% vakantiegeld en een reiskostenvergoeding.</p>"
                    ).replace(",", ".")
                else:
                    text = f"<p>{title} in {city} — {r.choice(('fulltime', 'parttime', '32–40 uur'))}.</p>"
            out[f"textField_{name}"] = {"title": titles[name], "text": text}
        return out

    # -- places, phones, people ----------------------------------------------------------

    def _place(self, r: random.Random, country: str) -> dict[str, Any]:
        number = r.randrange(1, 250)
        suffix = pick(r, ("", "a", "b", "-2", " bis", "hs"), (80, 7, 3, 5, 2, 3))
        if country == "NL":
            city, prov, lo, hi = r.choice(v.NL_CITIES)
            letters = "ABCDEFGHJKLMNPRTVWXZ"
            pair = r.choice(letters) + r.choice(letters)
            sep = "" if r.random() < 0.1 else " "
            return {
                "address": f"{r.choice(v.STREETS)} {number}{suffix}",
                "city": city,
                "postcode": f"{r.randint(lo, hi)}{sep}{pair}",
                "state": v.NL_PROVINCES[prov],
                "stateCode": prov,
                "countryCode": "NL",
                "country": v.COUNTRY_NAMES["NL"],
            }
        if country == "BE":
            city, code, postcode = r.choice(v.BE_CITIES)
        elif country == "DE":
            city, code, postcode = r.choice(v.DE_CITIES)
        else:
            city, code, postcode = r.choice(v.OTHER_CITIES[country])
        street = r.choice(v.FOREIGN_STREETS[country])
        return {
            "address": f"{street} {number}",
            "city": city,
            "postcode": postcode,
            "state": code,
            "stateCode": code,
            "countryCode": country,
            "country": v.COUNTRY_NAMES[country],
        }

    @staticmethod
    def _phone(r: random.Random, country: str, mobile: bool) -> str:
        if country == "NL":
            if mobile:
                digits = f"{r.randrange(10_000_000, 99_999_999)}"
                return (
                    f"06-{digits}",
                    f"06{digits}",
                    f"+31 6 {digits}",
                    f"+316{digits}",
                    f"06 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}",
                )[r.randrange(5)]
            area = r.choice(v.NL_AREA_CODES)
            rest = f"{r.randrange(10 ** (9 - len(area)), 10 ** (10 - len(area)))}"
            return f"{area}-{rest}" if r.random() < 0.6 else f"+31 {area[1:]} {rest}"
        prefix = v.PHONE_PREFIX[country]
        return f"{prefix}{r.randrange(10, 99)} {r.randrange(100, 999)} {r.randrange(100, 999)}"

    def _person(self, r: random.Random) -> tuple[dict[str, Any], str]:
        country = pick(r, ("NL", "BE", "DE", "PL", "FR", "ES", "DK"), (75, 8, 6, 4, 3, 3, 1))
        female = r.random() < 0.5
        infix: str | None = None
        if country == "NL":
            first = r.choice(v.NL_FEMALE if female else v.NL_MALE)
            infix, last = self._nl_last(r)
        elif country == "BE":
            first, last = r.choice(v.BE_FEMALE if female else v.BE_MALE), r.choice(v.BE_LAST)
        elif country == "DE":
            first, last = r.choice(v.DE_FEMALE if female else v.DE_MALE), r.choice(v.DE_LAST)
            if r.random() < 0.05:
                infix = "von"
        elif country == "PL":
            first = r.choice(v.PL_FEMALE if female else v.PL_MALE)
            last = r.choice(v.PL_LAST_F if female else v.PL_LAST_M)
        elif country == "FR":
            first, last = r.choice(v.FR_FEMALE if female else v.FR_MALE), r.choice(v.FR_LAST)
        elif country == "ES":
            first, last = r.choice(v.ES_FEMALE if female else v.ES_MALE), r.choice(v.ES_LAST)
        else:
            first, last = r.choice(v.NORDIC_FEMALE if female else v.NORDIC_MALE), r.choice(v.NORDIC_LAST)
        initials = "IJ." if first.startswith("IJ") else f"{first[0]}."
        if r.random() < 0.2:
            initials += f"{r.choice('ABCDEFGHJKLMNPRSTW')}."
        email = None
        if r.random() < 0.92:
            f, lname = ascii_fold(first), ascii_fold((infix or "") + last)
            local = r.choice(
                (f"{f}.{lname}", f"{f[0]}.{lname}", f"{f}{lname}{r.randrange(1, 99)}", f"{lname}.{f}", f"{f}_{lname}")
            )
            email = f"{local}@{r.choice(v.EMAIL_DOMAINS[country])}"
            if r.random() < 0.03:
                email = email[0].upper() + email[1:]
        phones: dict[str, Any] = {}
        if r.random() < 0.85:
            if r.random() < 0.75:
                phones["1"] = {"type": "primary", "phoneNumber": self._phone(r, country, r.random() < 0.7)}
            if r.random() < 0.45:
                phones["2"] = {"type": "mobile", "phoneNumber": self._phone(r, country, True)}
            if r.random() < 0.1:
                phones["3"] = {"type": "work", "phoneNumber": self._phone(r, country, False)}
            if r.random() < 0.03:
                phones["4"] = {"type": "other", "phoneNumber": self._phone(r, country, False)}
            if r.random() < 0.01:
                phones["5"] = {"type": "fax", "phoneNumber": self._phone(r, country, False)}
        if r.random() < 0.88:
            place = self._place(r, country)
            address = {k: place[k] for k in ("address", "city", "postcode", "stateCode", "countryCode", "country")}
            if r.random() < 0.05:
                address["postcode"] = None
            if r.random() < 0.05:
                address["address"] = None
        else:
            address = {
                "address": None,
                "city": None,
                "postcode": None,
                "stateCode": None,
                "countryCode": None,
                "country": None,
            }
        birth = None
        if r.random() < 0.85:
            birth = self.fdate(calendar.timegm((1958, 1, 1, 12, 0, 0)) + r.randrange(0, 48 * 365) * DAY)
        gender = None if r.random() < 0.05 else ("female" if female else "male")
        lang = {"NL": "nl", "BE": "nl", "DE": "de", "FR": "fr"}.get(country, "en")
        person = {
            "firstName": first,
            "infix": infix,
            "lastName": last,
            "initials": initials,
            "emailPrimary": email,
            "gender": gender,
            "birthdate": birth,
            "languageCode": lang,
            "PhoneNumbers": phones,
            "AddressPrimary": address,
        }
        return person, country

    # -- candidates ----------------------------------------------------------------------

    def candidates(self) -> list[dict[str, Any]]:
        r = self.rng("candidates")
        ur = self.rng("candidate-uids")
        out = []
        portal_ids = tuple(p[0] for p in cat.PORTALS)
        portal_weights = (30, 20, 18, 8, 6, 5, 3)
        status_ids, status_weights = (1, 2, 3, 4, 5), (50, 25, 10, 3, 12)
        extra_n = self.settings.candidate_extra_fields
        span = T_ENTRY_END - T_ENTRY_START
        for idx in range(self.n):
            entry = T_ENTRY_START + r.randrange(span)
            roll = r.random()
            if roll < 0.35:
                modified = entry
            elif roll < 0.95:
                modified = entry + r.randrange(T_MOD_END - entry)
            else:
                modified = r.choice(T_IMPORTS)
            person, _country = self._person(r)
            status_id = pick(r, status_ids, status_weights)
            portal_id: int | None = None
            source: str | None = None
            if r.random() < 0.9:
                portal_id = pick(r, portal_ids, portal_weights)
                source = cat.PORTALS[portal_id - 1][1]
            web = portal_id == 1
            utm = {"utm_source": None, "utm_medium": None, "utm_campaign": None, "utm_term": None, "utm_content": None}
            if portal_id in (2, 3) and r.random() < 0.7:
                utm = {
                    "utm_source": source.lower() if source else None,
                    "utm_medium": r.choice(("cpc", "organic", "social")),
                    "utm_campaign": f"vacatures-{r.randrange(2023, 2026)}",
                    "utm_term": None,
                    "utm_content": None,
                }
            history = []
            start = entry - r.randrange(2, 20) * 365 * DAY
            for _ in range(pick(r, (0, 1, 2, 3, 4), (20, 30, 25, 15, 10))):
                end = start + r.randrange(120, 2000) * DAY
                history.append((start, end))
                start = end + r.randrange(0, 90) * DAY
            employment = []
            for h, (s0, e0) in enumerate(history):
                current = h == len(history) - 1 and r.random() < 0.6
                employment.append(
                    {
                        "employer": r.choice(v.EMPLOYERS),
                        "function": r.choice(v.JOB_TITLES)[0] if r.random() < 0.9 else None,
                        "startDate": self.fdate(s0),
                        "endDate": None if current else self.fdate(e0),
                        "current": current,
                    }
                )
            tags = [
                {"uid": t, "tag": cat.TAGS[t]}
                for t in sorted(r.sample(list(cat.TAGS), pick(r, (0, 1, 2, 3), (55, 25, 15, 5))))
            ]
            gdpr_due = gdpr_reason = None
            if r.random() < 0.75:
                gdpr_reason = "otherYes" if r.random() < 0.6 else "cron"
                gdpr_due = self.fdate(entry + (730 if gdpr_reason == "otherYes" else 30) * DAY)
            extras = (
                r.choice(("B", "B, BE", "C, CE", "Geen")) if r.random() < 0.5 else None,
                r.choice(("€ 2.800", "€ 3.200 - € 3.600", "€ 4.500", "€ 55.000 per jaar"))
                if r.random() < 0.35
                else None,
                r.choice(("Direct", "1 maand", "2 maanden", "3 maanden")) if r.random() < 0.4 else None,
                r.choice(v.CANDIDATE_NOTES) if r.random() < 0.25 else None,
                f"https://www.linkedin.com/in/{ascii_fold(person['firstName'])}-{ascii_fold(person['lastName'])}"
                f"-{r.randrange(1000, 9999)}"
                if r.random() < 0.3
                else None,
            )
            cand: dict[str, Any] = {
                "uid": self.hex_uid(ur),
                "internalId": 10_001 + idx,
                "status": cat.CANDIDATE_STATUSES[status_id],
                "statusId": status_id,
                "entryDateTime": self.fmt(entry),
                self.mod: self.fmt(modified),
                "source": source,
                "portalId": portal_id,
                "pointOfEntry": "web" if web else None,
                "originSiteId": (1 if r.random() < 0.8 else 2) if web else None,
                "availableAt": self.fdate(entry + r.randrange(0, 400) * DAY) if r.random() < 0.45 else None,
                "UtmTags": utm,
                "EmploymentHistory": employment,
                "Tags": tags,
                "gdprDueDate": gdpr_due,
                "gdprReason": gdpr_reason,
                "acceptTerms": True if web else None,
                "acceptTermsTs": self.fmt(entry).replace("-", "/") if web else None,
                "acceptTermsIp": None,
                "Person": person,
            }
            for num in range(1, extra_n + 1):
                cand[f"extraInfo{num}"] = extras[num - 1] if num <= len(extras) else None
            out.append(cand)
        return out

    # -- procedures ----------------------------------------------------------------------

    def procedures(
        self, candidates: list[dict[str, Any]], vacancies: list[dict[str, Any]], instants: dict[str, int]
    ) -> list[dict[str, Any]]:
        r = self.rng("procedures")
        ur = self.rng("procedure-uids")
        open_vacs = [vac for vac in vacancies if vac["statusId"] != 5] or vacancies
        if not open_vacs:
            return []
        st1 = {u: name for u, _, name, _ in cat.PROCEDURE_STATUSES[1]}
        st2 = {u: name for u, _, name, _ in cat.PROCEDURE_STATUSES[2]}
        st3 = {u: name for u, _, name, _ in cat.PROCEDURE_STATUSES[3]}
        out = []
        nv = len(open_vacs)
        for cand in candidates:
            c_entry = instants[cand["entryDateTime"]]
            for _ in range(pick(r, (0, 1, 2, 3), (15, 35, 35, 15))):
                vac = open_vacs[int(nv * r.random() ** 1.6)]
                start = max(c_entry, instants[vac["entryDateTime"]])
                entry = min(start + r.randrange(0, 45 * DAY), T_MOD_END - DAY)
                modified = entry if r.random() < 0.3 else entry + r.randrange(T_MOD_END - entry)
                s1 = pick(r, (1, 2, 3, 4, 5, 6), (25, 25, 18, 10, 7, 15))
                s2 = 4 if s1 == 6 else pick(r, (1, 2, 3, 5), (60, 25, 10, 5))
                s3 = 1 if r.random() < 0.85 else r.choice((2, 3, 4))
                proc = {
                    "uid": self.hex_uid(ur),
                    "candidateUid": cand["uid"],
                    "vacancyUid": vac["uid"],
                    "entryDateTime": self.fmt(entry),
                    self.mod: self.fmt(modified),
                    "ProcedureStatus1": {"uid": s1, "status": st1[s1]},
                    "ProcedureStatus2": {"uid": s2, "status": st2[s2]},
                    "ProcedureStatus3": {"uid": s3, "status": st3[s3]},
                    "UtmTags": {
                        "utm_source": None,
                        "utm_medium": None,
                        "utm_campaign": None,
                        "utm_term": None,
                        "utm_content": None,
                    },
                    "KillerQuestions": [],
                }
                if r.random() < 0.05:
                    proc["KillerQuestions"] = [
                        {"answer": "Ik ben erg gemotiveerd en direct beschikbaar.", "questionId": "q-motivation"}
                    ]
                out.append(proc)
                if r.random() < 0.01:  # OTYS does not forbid a second procedure on the same pair
                    dup = dict(proc)
                    dup["uid"] = self.hex_uid(ur)
                    dup["ProcedureStatus1"] = {"uid": 1, "status": st1[1]}
                    dup["ProcedureStatus2"] = {"uid": 1, "status": st2[1]}
                    out.append(dup)
        return out

    # -- documents -----------------------------------------------------------------------

    def documents(self, candidates: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        r = self.rng("documents")
        ur = self.rng("document-uids")
        fr = self.rng("file-uids")
        s = self.settings
        kinds = (
            (s.cv_type_id, "CV", 0.4),
            (s.cover_letter_type_id, "Cover letter", 0.1),
            (s.other_type_id, "Other document", 0.05),
        )
        docs: list[dict[str, Any]] = []
        files: dict[str, Any] = {}
        for cand in candidates:
            for type_id, label, chance in kinds:
                if r.random() >= chance:
                    continue
                p = cand["Person"]
                ext, mime = r.choice(
                    (
                        ("pdf", "application/pdf"),
                        ("pdf", "application/pdf"),
                        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                        ("doc", "application/msword"),
                    )
                )
                stem = {"CV": "CV", "Cover letter": "Motivatiebrief", "Other document": "Diploma"}[label]
                name = f"{stem} {p['firstName']} {p['lastName']}.{ext}"
                ouid = self.hex_uid(fr)
                size = r.randrange(18_000, 900_000)
                files[ouid] = {
                    "ouid": ouid,
                    "name": name,
                    "size": size,
                    "mimeType": mime,
                    "entryDateTime": cand["entryDateTime"],
                    "content": None,
                }
                docs.append(
                    {
                        "uid": self.hex_uid(ur),
                        "candidateUid": cand["uid"],
                        "fileUid": ouid,
                        "fileName": name,
                        "mimeType": mime,
                        "size": size,
                        "subject": label,
                        "description": None,
                        "typeId": type_id,
                        "type": label,
                        "private": False,
                        "customerRightsLevel": None,
                        "alwaysOnTop": type_id == s.cv_type_id,
                        "applicationUid": None,
                        "entryDateTime": cand["entryDateTime"],
                        self.mod: cand["entryDateTime"],
                    }
                )
        return docs, files

    # -- fixed catalogues ----------------------------------------------------------------

    def catalogues(self) -> dict[str, list[dict[str, Any]]]:
        stamp = self.fmt(T_CATALOGUE)
        out: dict[str, list[dict[str, Any]]] = {}
        for axis, rows in cat.PROCEDURE_STATUSES.items():
            out[f"ProcedureStatus{axis}Service"] = [
                {"uid": uid, "code": code, "status": name, "automaticallySelectEvent": ase, self.mod: stamp}
                for uid, code, name, ase in rows
            ]
        blank_utm = {
            "utm_source": None,
            "utm_medium": None,
            "utm_campaign": None,
            "utm_term": None,
            "utm_content": None,
        }
        out["ReferrerPortalService"] = [
            {
                "uid": uid,
                "portal": name,
                "domain": domain,
                "alias1": name.lower(),
                "alias2": None,
                "alias3": None,
                "originalId": None,
                "utmTags": {
                    **blank_utm,
                    "utm_source": name.lower().replace(" ", "-"),
                    "utm_medium": "jobboard" if uid > 1 else "website",
                },
                "CustomUtmTags": {"useCustom": False, "utmTags": dict(blank_utm)},
                "entryDateTime": stamp,
                self.mod: stamp,
            }
            for uid, name, domain in cat.PORTALS
        ]
        out["WebsiteService"] = [
            {"uid": uid, "siteId": site, "website": name, "url": url} for uid, site, name, url in cat.WEBSITES
        ]
        out["WebhooksService"] = []
        return out


def generate(seed: int = 1, size: str | int = "small", settings: SandboxSettings | None = None) -> TenantData:
    """Generate a tenant; the same (seed, size, settings) always gives the same data."""
    settings = settings or SandboxSettings()
    n = parse_size(size)
    g = _Gen(seed, n, settings)
    users = g.users()
    vacancies = g.vacancies(users)
    candidates = g.candidates()
    instants: dict[str, int] = {}
    for rec in (*candidates, *vacancies):
        text = rec["entryDateTime"]
        if text not in instants:
            instants[text] = int(g.clock.instant(text))
    procedures = g.procedures(candidates, vacancies, instants)
    documents, files = g.documents(candidates)
    if settings.generate_extended:  # own random streams, after every core value is drawn
        from .extended import extend_candidates, extend_vacancies

        extend_candidates(g, candidates)
        extend_vacancies(g, vacancies, users)
    records = {
        "UserService": users,
        "VacancyService": vacancies,
        "CandidateService": candidates,
        "ProcedureService": procedures,
        "AttachedDocumentsService": documents,
        **g.catalogues(),
    }
    for service in settings.modified_absent:
        for rec in records.get(service, ()):
            rec.pop(g.mod, None)
    api_key = settings.api_key or f"{g.rng('api-key').getrandbits(128):032x}"
    return TenantData(seed=seed, n_candidates=n, api_key=api_key, api_user_uid=1, records=records, files=files)
