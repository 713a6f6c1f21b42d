"""Static tenant configuration: status catalogues, categories, custom-field labels, portals.

Every generated tenant carries these (the procedure-status axes are documented in
docs/otys-sandbox.md); labels are English except where a Dutch tenant would show Dutch.
"""

from __future__ import annotations

CANDIDATE_STATUSES: dict[int, str] = {
    1: "Active",
    2: "Passive",
    3: "Placed",
    4: "Do not contact",
    5: "New (website)",
}
VACANCY_STATUSES: dict[int, str] = {1: "Open", 2: "On hold", 3: "Filled", 4: "Closed", 5: "Draft"}
PUBLICATION_STATUSES: dict[int, str] = {1: "Published", 2: "Not published", 3: "Expired"}
CATEGORIES: dict[int, str] = {
    1: "ICT",
    2: "Finance & Administratie",
    3: "Logistiek",
    4: "Zorg & Welzijn",
    5: "Techniek",
    6: "Sales & Marketing",
    7: "HR",
    8: "Productie",
    9: "Horeca",
    10: "Onderwijs",
}

#: (uid, code, status, automaticallySelectEvent) per axis. Axis 1 = pipeline stage,
#: axis 2 = outcome, axis 3 = miscellaneous follow-up. automaticallySelectEvent: 1 = default
#: when joined via website, 2 = joined via match, 0 = none.
PROCEDURE_STATUSES: dict[int, list[tuple[int, str, str, int]]] = {
    1: [
        (1, "NEW", "New", 1),
        (2, "SCR", "Screening", 2),
        (3, "INT1", "First interview", 0),
        (4, "INT2", "Second interview", 0),
        (5, "OFF", "Offer", 0),
        (6, "PLC", "Placed", 0),
    ],
    2: [
        (1, "ACT", "Active", 1),
        (2, "REJ", "Rejected by client", 0),
        (3, "WDR", "Withdrawn by candidate", 0),
        (4, "HIR", "Hired", 0),
        (5, "HLD", "On hold", 2),
    ],
    3: [
        (1, "NONE", "-", 1),
        (2, "REF", "Reference check", 0),
        (3, "CSENT", "Contract sent", 0),
        (4, "CSIGN", "Contract signed", 0),
    ],
}

TAGS: dict[int, str] = {
    1: "Talentpool",
    2: "Herintreder",
    3: "Rijbewijs B",
    4: "Spreekt Duits",
    5: "Flexibel inzetbaar",
    6: "Topkandidaat",
    7: "Niet bellen",
    8: "Oud-medewerker",
}

#: extraInfo<N> labels per language; fields beyond these get a generic label.
CANDIDATE_EXTRA_FIELDS: dict[int, dict[str, str]] = {
    1: {"nl": "Rijbewijs", "en": "Driving licence"},
    2: {"nl": "Salarisindicatie", "en": "Salary indication"},
    3: {"nl": "Opzegtermijn", "en": "Notice period"},
    4: {"nl": "Interne notitie", "en": "Internal note"},
    5: {"nl": "LinkedIn-profiel", "en": "LinkedIn profile"},
}
VACANCY_EXTRA_FIELDS: dict[int, dict[str, str]] = {
    1: {"nl": "Afdeling", "en": "Department"},
    2: {"nl": "Ervaringsniveau", "en": "Experience level"},
    3: {"nl": "Werklocatie", "en": "Remote work"},
    4: {"nl": "Dienstverband", "en": "Employment type"},
    5: {"nl": "Kostenplaats", "en": "Cost centre"},
}


def extra_field_label(table: dict[int, dict[str, str]], num: int, lang: str) -> str:
    """Label of extraInfo<num> in ``lang`` (Dutch, then English, then a generic one)."""
    labels = table.get(num)
    if labels:
        return labels.get(lang) or labels.get("en") or labels["nl"]
    return f"Extra veld {num}" if lang == "nl" else f"Extra field {num}"


#: (uid, portal, domain) of ReferrerPortalService.
PORTALS: list[tuple[int, str, str | None]] = [
    (1, "Website", "werkenbij.sandbox-werving.example"),
    (2, "LinkedIn", "linkedin.com"),
    (3, "Indeed", "indeed.nl"),
    (4, "Nationale Vacaturebank", "nationalevacaturebank.nl"),
    (5, "Werk.nl", "werk.nl"),
    (6, "Referral", None),
    (7, "Monsterboard", "monsterboard.nl"),
]

#: (uid, siteId, website, url) of WebsiteService.
WEBSITES: list[tuple[int, int, str, str]] = [
    (1, 1, "Werken bij Sandbox", "https://werkenbij.sandbox-werving.example"),
    (2, 2, "Sandbox Careers (EN)", "https://careers.sandbox-werving.example"),
]

LANGUAGES: dict[str, str] = {"nl": "Nederlands", "en": "English", "de": "Deutsch", "fr": "Français"}
