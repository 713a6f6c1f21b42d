"""``search.ACTONOMY`` in getListEx: the subset the OTYS plugin and connectors use, everything else refused.

Implemented (``DATA`` keys): ``keywords`` (``searchList`` of the names below, ``searchMode``
``one``/``all``, a value in double quotes is one phrase; on ``emailAddress`` a quoted value must
equal the whole address), ``emailAddress``, ``publiceer`` (published), ``p_multi`` (published on a
site), ``public_publish_date`` / ``public_end_date`` (``CustomizedDateRangeField`` from/to), ``owner``,
``category``. ``OPTIONS``: ``limit``, ``offset``, ``getTotalCount``, ``sort``, ``facetsToUse``
(facets below), ``matchCriteriaNames``. ``VERSION`` 2, ``SUB_VERSION`` 0. Any other key, option,
facet or search-list name is an error that names it: the sandbox never pretends to search.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import RpcError
from .timefmt import Clockface

Record = dict[str, Any]
_TAG = re.compile(r"<[^>]+>")

#: keyword search-list name -> record paths, per service
SEARCH_LISTS: dict[str, dict[str, tuple[str, ...]]] = {
    "VacancyService": {
        "title": ("title",),
        "chapo": ("textField_summary.text",),
        "description": ("textField_description.text",),
        "external_reference": ("externalReferenceNr", "referenceNr"),
        "profile_culture": ("textField_companyProfile.text", "textField_companyCulture.text"),
        "refs": ("referenceNr",),
        "salary": ("textField_salary.text",),
        "all_extra_fields": tuple(f"extraInfo{n}" for n in range(1, 101)),
    },
    "CandidateService": {
        "emailAddress": ("Person.emailPrimary",),
        "name": ("Person.firstName", "Person.infix", "Person.lastName"),
        "city": ("Person.AddressPrimary.city",),
        "all_extra_fields": tuple(f"extraInfo{n}" for n in range(1, 101)),
    },
}
#: facet id -> record path (per service); ``C_n`` = keys of ``matchCriteria_n``
FACETS: dict[str, dict[str, str]] = {
    "VacancyService": {
        "category": "categoryId",
        "owner": "userId",
        "relation": "relationId",
        "pubstatus": "publicationStatusId",
        "p_multi": "slug",
    },
    "CandidateService": {"status": "statusId", "portal": "portalId"},
}
#: Actonomy sort keys -> record fields
SORTS: dict[str, str] = {
    "public_publish_date": "publicationStartDate",
    "entryDateFull": "entryDateTime",
    "public_end_date": "publicationEndDate",
}
_DATA_KEYS: dict[str, tuple[str, ...]] = {
    "VacancyService": (
        "keywords",
        "publiceer",
        "p_multi",
        "public_publish_date",
        "public_end_date",
        "owner",
        "category",
    ),
    "CandidateService": ("keywords", "emailAddress"),
}
_OPTION_KEYS = ("limit", "offset", "getTotalCount", "sort", "facetsToUse", "matchCriteriaNames")
_FIELD_KEYS = ("options", "value", "class")


def refuse(what: str) -> RpcError:
    """The error for an Actonomy feature the sandbox does not implement (it names the feature)."""
    return RpcError("not_implemented", f"Actonomy search: {what} is not supported by the OTYS sandbox")


def _get(rec: Any, path: str) -> Any:
    for step in path.split("."):
        if not isinstance(rec, dict):
            return None
        rec = rec.get(step)
    return rec


def _text(value: Any) -> str:
    if value is None:
        return ""
    return _TAG.sub(" ", str(value)).replace("&nbsp;", " ").lower()


@dataclass
class Search:
    """A compiled Actonomy search: a predicate, a sort, paging and facets."""

    service: str
    tests: list[Callable[[Record], bool]] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    total: bool = False
    sort: list[tuple[str, bool]] = field(default_factory=list)
    facets: list[str] = field(default_factory=list)
    names: bool = False  # OPTIONS.matchCriteriaNames: rows also carry matchCriteriaNames

    def matches(self, rec: Record) -> bool:
        """True when every DATA field accepts ``rec``."""
        return all(t(rec) for t in self.tests)

    def run(self, rows: list[Record]) -> tuple[list[Record], dict[str, Any]]:
        """Matching rows (sorted) and the ``searchExtras.ACTONOMY`` block."""
        hits = [r for r in rows if self.matches(r)]
        for name, desc in reversed(self.sort):
            present = [r for r in hits if _get(r, name) not in (None, "")]
            missing = [r for r in hits if _get(r, name) in (None, "")]
            present.sort(key=lambda r, n=name: str(_get(r, n)).lower(), reverse=desc)
            hits = present + missing if desc else missing + present
        extras: dict[str, Any] = {"totalCount": len(hits)}
        if self.facets:
            extras["facets"] = {fid: self._facet(fid, hits) for fid in self.facets}
        return hits, extras

    def _facet(self, fid: str, rows: list[Record]) -> list[dict[str, Any]]:
        counts: dict[str, int] = {}
        for rec in rows:
            if fid.startswith("C_"):
                keys = list((rec.get(f"matchCriteria_{fid[2:]}") or {}).keys())
            else:
                value = _get(rec, FACETS[self.service][fid])
                keys = list(value.keys()) if isinstance(value, dict) else [] if value is None else [value]
            for key in keys:
                counts[str(key)] = counts.get(str(key), 0) + 1
        return [{"id": k, "frequency": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def compile_search(service: str, search: Any, clock: Clockface) -> Search:
    """Compile ``options.search`` (``{"ACTONOMY": {...}}``) for ``service`` or raise naming the unsupported part."""
    if not isinstance(search, dict):
        raise RpcError("invalid_params", "Invalid params: 'search' must be an object")
    for engine in search:
        if engine != "ACTONOMY":
            raise refuse(f"search engine {engine!r}")
    spec = search.get("ACTONOMY")
    if not isinstance(spec, dict):
        raise RpcError("invalid_params", "Invalid params: search.ACTONOMY must be an object")
    if service not in _DATA_KEYS:
        raise refuse(f"searching {service}")
    for key in spec:
        if key not in ("DATA", "OPTIONS", "VERSION", "SUB_VERSION"):
            raise refuse(f"search.ACTONOMY.{key}")
    if spec.get("VERSION", 2) not in (2, "2") or spec.get("SUB_VERSION", 0) not in (0, "0"):
        raise refuse(f"VERSION {spec.get('VERSION')!r}.{spec.get('SUB_VERSION')!r} (only 2.0)")
    out = Search(service)
    data = spec.get("DATA") or {}
    if not isinstance(data, dict):
        raise RpcError("invalid_params", "Invalid params: search.ACTONOMY.DATA must be an object")
    for key, fld in data.items():
        if key not in _DATA_KEYS[service]:
            raise refuse(f"DATA field {key!r} on {service}")
        out.tests.append(_data_field(service, key, fld, clock))
    _options(out, spec.get("OPTIONS") or {})
    return out


def _data_field(service: str, key: str, fld: Any, clock: Clockface) -> Callable[[Record], bool]:
    if not isinstance(fld, dict):
        raise RpcError("invalid_params", f"Invalid params: search.ACTONOMY.DATA.{key} must be an object")
    for part in fld:
        if part not in _FIELD_KEYS:
            raise refuse(f"DATA.{key}.{part}")
    opts = fld.get("options") or {}
    for opt, val in opts.items():
        if opt == "required" and val is False:
            raise refuse(f"DATA.{key}.options.required false (scoring-only fields)")
        if opt == "enableExpansion" and val:
            raise refuse(f"DATA.{key}.options.enableExpansion")
        if opt not in ("required", "persistent", "enableExpansion", "searchList", "searchMode"):
            raise refuse(f"DATA.{key}.options.{opt}")
    value = fld.get("value")
    if key == "keywords":
        return _keywords(service, value, opts)
    if key == "emailAddress":
        return _keywords(service, value, {"searchList": ["emailAddress"]})
    if key == "publiceer":
        want = str(value) in ("1", "true", "True")
        return lambda r: bool(r.get("published")) == want
    if key in ("p_multi", "owner", "category"):
        wanted = _required_list(key, value)
        if key == "p_multi":
            return lambda r: bool(r.get("published")) and any(str(s) in (r.get("slug") or {}) for s in wanted)
        path = "userId" if key == "owner" else "categoryId"
        return lambda r: str(r.get(path)) in wanted
    return _date_range(key, fld, clock)


def _required_list(key: str, value: Any) -> set[str]:
    if not isinstance(value, dict) or set(value) - {"required"} or not isinstance(value.get("required"), list):
        raise refuse(f"DATA.{key}.value other than {{'required': [ids]}}")
    return {str(x) for x in value["required"]}


def _date_range(key: str, fld: dict[str, Any], clock: Clockface) -> Callable[[Record], bool]:
    if fld.get("class", "CustomizedDateRangeField") != "CustomizedDateRangeField":
        raise refuse(f"DATA.{key}.class {fld.get('class')!r}")
    value = fld.get("value")
    if not isinstance(value, dict):
        raise RpcError("invalid_params", f"Invalid params: DATA.{key}.value must be an object with from/to")
    if value.get("periodType", "custom") != "custom":
        raise refuse(f"DATA.{key}.value.periodType {value.get('periodType')!r} (only 'custom')")
    lo = clock.local_date(str(value["from"])) if value.get("from") else None
    hi = clock.local_date(str(value["to"])) if value.get("to") else None
    path = "publicationStartDate" if key == "public_publish_date" else "publicationEndDate"
    open_ended = key == "public_end_date"  # no end date = still running

    def test(r: Record) -> bool:
        day = r.get(path)
        if not day:
            return open_ended and hi is None
        return (lo is None or day >= lo) and (hi is None or day <= hi)

    return test


def _keywords(service: str, value: Any, opts: dict[str, Any]) -> Callable[[Record], bool]:
    if not isinstance(value, str):
        raise RpcError("invalid_params", "Invalid params: keywords value must be a string")
    lists = SEARCH_LISTS[service]
    names = opts.get("searchList") or list(lists)
    for name in names:
        if name not in lists:
            raise refuse(f"keyword searchList entry {name!r} on {service}")
    mode = opts.get("searchMode", "one")
    if mode not in ("one", "all"):
        raise refuse(f"keyword searchMode {mode!r}")
    paths = [p for name in names for p in lists[name]]
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        phrase = text[1:-1].strip().lower()
        if names == ["emailAddress"]:
            return lambda r: any(_text(_get(r, p)).strip() == phrase for p in paths)
        terms = [phrase]
    else:
        terms = [t for t in text.lower().split() if t]
    if not terms:
        return lambda r: True

    def test(r: Record) -> bool:
        haystack = " ".join(_text(_get(r, p)) for p in paths)
        found = [t in haystack for t in terms]
        return all(found) if mode == "all" else any(found)

    return test


def _options(out: Search, opts: Any) -> None:
    if not isinstance(opts, dict):
        raise RpcError("invalid_params", "Invalid params: search.ACTONOMY.OPTIONS must be an object")
    for key in opts:
        if key not in _OPTION_KEYS:
            raise refuse(f"OPTIONS.{key}")
    for key in ("limit", "offset"):
        if opts.get(key) is not None:
            try:
                number = int(opts[key])
            except (TypeError, ValueError) as exc:
                raise RpcError("invalid_params", f"Invalid params: OPTIONS.{key} must be an integer") from exc
            if number < 0:
                raise RpcError("invalid_params", f"Invalid params: OPTIONS.{key} must not be negative")
            setattr(out, key, number)
    out.total = bool(opts.get("getTotalCount"))
    out.names = bool(opts.get("matchCriteriaNames"))
    if out.names and out.service != "VacancyService":
        raise refuse("OPTIONS.matchCriteriaNames outside VacancyService")
    sort = opts.get("sort") or {}
    if not isinstance(sort, dict):
        raise RpcError("invalid_params", "Invalid params: OPTIONS.sort must be a map key -> ASC|DESC")
    for key, direction in sort.items():
        if key not in SORTS or str(direction).upper() not in ("ASC", "DESC"):
            raise refuse(f"OPTIONS.sort {key!r}: {direction!r}")
        out.sort.append((SORTS[key], str(direction).upper() == "DESC"))
    facets = opts.get("facetsToUse") or []
    known = FACETS[out.service]
    for fid in facets:
        if not (fid in known or (out.service == "VacancyService" and re.fullmatch(r"C_([1-9]|1[0-8])", str(fid)))):
            raise refuse(f"facet {fid!r}")
        out.facets.append(str(fid))
