"""The JSON-RPC method table: sessions, the generic list/detail/write engine, special methods.

Every ``Otys.Services.*`` method takes the session id as its first param; the top-level
``loginByUid``/``check``/``logout`` and the envelopes ``MultiService.execute`` and
``LanguageService.wrapRequest`` do not. Calls run one at a time under the tenant lock.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import catalogue as cat
from .actonomy import compile_search
from .errors import RpcError, invalid_params, unknown_field
from .faults import FaultInjector
from .remarks import METHODS as REMARK_METHODS
from .sessions import Session, SessionStore
from .settings import SandboxSettings
from .stats import Stats
from .store import Tenant
from .webhooks import WebhookDispatcher

log = logging.getLogger(__name__)

PREFIX = "Otys.Services."
MAX_DEPTH = 4
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: service -> methods served (generic ones come from the engine, special ones from Engine._special)
SERVICE_METHODS: dict[str, tuple[str, ...]] = {
    "UserService": ("getList", "getListEx", "getDetail"),
    "VacancyService": (
        "getListEx",
        "getList",
        "getDetail",
        "getOptionLists",
        "getExtraFieldsList",
        "add",
        "update",
        "updateEx",
        "delete",
    ),
    "CandidateService": (
        "getListEx",
        "getDetail",
        "add",
        "update",
        "updateEx",
        "delete",
        "setGdprDueDatePartner",
        "getExtraFieldsList",
        "getOptionLists",
    ),
    "ProcedureService": ("getListEx", "getDetail", "add", "update", "updateEx", "delete"),
    "ProcedureStatus1Service": ("getList", "getListEx", "getDetail"),
    "ProcedureStatus2Service": ("getList", "getListEx", "getDetail"),
    "ProcedureStatus3Service": ("getList", "getListEx", "getDetail"),
    "AttachedDocumentsService": ("add", "getListEx", "getDetail", "delete"),
    "ReferrerPortalService": ("getListEx", "getList", "getDetail"),
    "WebsiteService": ("getList",),
    "CsmService": ("getValue",),
    "WebhooksService": ("add", "getList", "update", "delete", "getLogs"),
    **REMARK_METHODS,
}
#: getListEx/getList options the engine implements; any other key is refused by name
LIST_OPTIONS = frozenset(
    {
        "what",
        "condition",
        "sort",
        "order",
        "limit",
        "offset",
        "getTotalCount",
        "totalCount",
        "excludeLimitCheck",
        "search",
    }
)

Handler = Callable[["CallContext", list[Any]], Any]


@dataclass
class CallContext:
    """Per-call state: the language of a wrapRequest and the caller's session."""

    lang: str | None = None
    session: Session | None = None
    depth: int = 0


def _arity(params: list[Any], lo: int, hi: int, signature: str) -> None:
    if not lo <= len(params) <= hi:
        raise invalid_params(f"expected [session, {signature}], got {len(params) + 1} params")


def _uid_param(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise invalid_params(f"uid must be a string or an integer, got {value!r}")
    return value


def _data_param(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_params(f"data must be an object, got {type(value).__name__}")
    return value


class Engine:
    """Runs JSON-RPC requests against one tenant."""

    def __init__(
        self,
        tenant: Tenant,
        sessions: SessionStore,
        settings: SandboxSettings,
        stats: Stats,
        faults: FaultInjector,
        webhooks: WebhookDispatcher,
    ) -> None:
        self.tenant = tenant
        self.sessions = sessions
        self.settings = settings
        self.stats = stats
        self.faults = faults
        self.webhooks = webhooks
        self.methods: dict[str, Handler] = {
            "loginByUid": self._login,
            "check": self._check,
            "logout": self._logout,
            PREFIX + "MultiService.execute": self._multi,
            PREFIX + "LanguageService.wrapRequest": self._wrap,
        }
        for service, names in SERVICE_METHODS.items():
            for name in names:
                self.methods[f"{PREFIX}{service}.{name}"] = self._authed(self._handler(service, name))

    # -- envelope ------------------------------------------------------------------------

    def handle(self, request: Any) -> dict[str, Any]:
        """A JSON-RPC response envelope for one decoded request."""
        rid = request.get("id") if isinstance(request, dict) else None
        try:
            if not isinstance(request, dict) or not isinstance(request.get("method"), str):
                raise RpcError("invalid_request", "Invalid Request: expected an object with a 'method' string")
            result = self.call(request["method"], request.get("params"), CallContext())
            return {"jsonrpc": "2.0", "result": result, "id": rid}
        except RpcError as exc:
            return self.error_envelope(exc, rid)

    def error_envelope(self, exc: RpcError, rid: Any) -> dict[str, Any]:
        """``{"jsonrpc","error":{code,message},"id"}`` for an error (counted)."""
        code = self.settings.error_code(exc.kind)
        self.stats.bump("rpc_errors", code)
        return {"jsonrpc": "2.0", "error": {"code": code, "message": exc.message}, "id": rid}

    def call(self, method: str, params: Any, ctx: CallContext) -> Any:
        """Run one method (raises ``RpcError``)."""
        if ctx.depth > MAX_DEPTH:
            raise RpcError("invalid_request", "Requests nested too deeply")
        handler = self.methods.get(method)
        self.stats.bump("calls", method)
        if handler is None:
            raise RpcError("method_not_found", f"Method not found: {method}")
        if params is None:
            params = []
        if not isinstance(params, list):
            raise invalid_params("params must be a positional array")
        with self.tenant.lock:
            try:
                result = handler(ctx, params)
            except RpcError:
                raise
            except Exception as exc:  # a sandbox bug must still answer as JSON-RPC
                log.exception("sandbox error in %s", method)
                raise RpcError("internal_error", f"Internal error: {type(exc).__name__}: {exc}") from exc
            self.webhooks.notify(method, params, result)
        return result

    # -- sessions ------------------------------------------------------------------------

    def _login(self, ctx: CallContext, params: list[Any]) -> str:
        if not params:
            raise invalid_params("loginByUid needs [apiKey]")
        return self.sessions.login(params[0])

    def _check(self, ctx: CallContext, params: list[Any]) -> Any:
        sess = self.sessions.peek(params[0] if params else None)
        if sess is None:
            return False
        return {
            "id": self.tenant.api_user_uid,
            "clientId": self.settings.client_id,
            "client": self.settings.client_name,
            "partnerId": self.settings.partner_id,
            "defaultContentLanguage": self.settings.default_language,
        }

    def _logout(self, ctx: CallContext, params: list[Any]) -> bool:
        return self.sessions.logout(params[0] if params else None)

    def _authed(self, fn: Callable[[CallContext, list[Any]], Any]) -> Handler:
        def run(ctx: CallContext, params: list[Any]) -> Any:
            ctx.session = self.sessions.require(params[0] if params else None)
            return fn(ctx, params[1:])

        return run

    # -- envelopes -----------------------------------------------------------------------

    def _wrap(self, ctx: CallContext, params: list[Any]) -> Any:
        if len(params) != 2:
            raise invalid_params("wrapRequest needs [languageCode, request]")
        lang, inner = params
        if not isinstance(lang, str) or not isinstance(inner, dict) or not isinstance(inner.get("method"), str):
            raise invalid_params("wrapRequest needs a language code and a JSON-RPC request object")
        method = inner["method"]
        fault = self.faults.forced_inner(method)
        if fault is not None:
            raise RpcError("injected", f"Injected fault ({fault.kind}) in {method}")
        return self.call(method, inner.get("params"), CallContext(lang=lang, depth=ctx.depth + 1))

    def _multi(self, ctx: CallContext, params: list[Any]) -> Any:
        if len(params) != 1 or not isinstance(params[0], (list, dict)):
            raise invalid_params("MultiService.execute needs [[{method, args}, ...]] or [{key: {method, args}}]")
        calls = params[0]
        if isinstance(calls, dict):
            return {str(key): self._one(entry, ctx) for key, entry in calls.items()}
        return [self._one(entry, ctx) for entry in calls]

    def _one(self, entry: Any, ctx: CallContext) -> dict[str, Any]:
        try:
            if not isinstance(entry, dict) or not isinstance(entry.get("method"), str):
                raise RpcError("invalid_request", "Each call needs a 'method' string and an 'args' array")
            method = entry["method"]
            fault = self.faults.forced_inner(method)
            if fault is not None:
                raise RpcError("injected", f"Injected fault ({fault.kind}) in {method}")
            args = entry.get("args", entry.get("params"))
            data = self.call(method, args, CallContext(lang=ctx.lang, depth=ctx.depth + 1))
            return {"status": "success", "data": data}
        except RpcError as exc:
            code = self.settings.error_code(exc.kind)
            return {"status": "error", "message": exc.message, "code": code}

    # -- generic engine ------------------------------------------------------------------

    def _handler(self, service: str, name: str) -> Callable[[CallContext, list[Any]], Any]:
        special = getattr(self, f"_{service}_{name}", None) or getattr(self, f"_any_{name}", None)
        if special is not None:
            return lambda ctx, params: special(service, ctx, params)
        generic = getattr(self, f"_generic_{name}")
        return lambda ctx, params: generic(service, ctx, params)

    def _generic_getListEx(self, service: str, ctx: CallContext, params: list[Any]) -> dict[str, Any]:
        _arity(params, 0, 1, "options")
        return self._list(service, params[0] if params else None, bare=False)

    def _generic_getList(self, service: str, ctx: CallContext, params: list[Any]) -> list[Any]:
        _arity(params, 0, 1, "options")
        return self._list(service, params[0] if params else None, bare=True)

    def _list(self, service: str, options: Any, *, bare: bool) -> Any:
        if options is None:
            options = {}
        if not isinstance(options, dict):
            raise invalid_params("options must be an object")
        for key in options:
            if key not in LIST_OPTIONS:
                raise invalid_params(
                    f"unknown {'getList' if bare else 'getListEx'} option '{key}' "
                    f"(the sandbox implements {', '.join(sorted(LIST_OPTIONS))})"
                )
        t = self.tenant
        schema = t.schemas[service]
        comp = t.compilers[service]
        project = comp.what(options.get("what"), schema.default_what)
        sort = options.get("sort", options.get("order"))
        rows = t.select(service, options.get("condition"), sort)
        limit = self._int_option(options, "limit")
        offset = self._int_option(options, "offset") or 0
        search = None
        extras: dict[str, Any] | None = None
        if options.get("search") is not None:
            if bare:
                raise invalid_params("'search' is a getListEx option")
            if self.settings.actonomy != "on":
                raise RpcError("not_implemented", "Actonomy search (option 'search') is not enabled for this tenant")
            search = compile_search(service, options["search"], t.clock)
            rows, extras = search.run(rows)
            if search.limit is not None:  # OPTIONS page the search; the root limit only bounds it
                limit, offset = min(search.limit, limit) if limit is not None else search.limit, search.offset
        if offset < 0:
            raise invalid_params("offset must not be negative")
        if limit is not None and limit < 0:
            raise invalid_params("limit must not be negative")
        exclude = bool(options.get("excludeLimitCheck"))
        s = self.settings
        if limit is None:
            limit = None if bare or exclude else s.default_limit
        elif not exclude and limit > s.max_limit:
            if s.limit_behaviour == "error":
                raise RpcError(
                    "limit_exceeded", f"Limit of {s.max_limit} exceeded (got {limit}); set excludeLimitCheck to bypass"
                )
            if s.limit_behaviour == "cap":
                limit = s.max_limit
        page = rows[offset:] if limit is None else rows[offset : offset + limit]
        out = [project(r) for r in page]
        if bare:
            return out
        if search is not None and search.names:
            for row, rec in zip(out, page, strict=True):
                row["matchCriteriaNames"] = rec.get("matchCriteriaNames")
        result: dict[str, Any] = {"listOutput": out}
        if options.get("getTotalCount") or options.get("totalCount"):
            # with Actonomy the root total is the page size; the real total is in searchExtras (as S1 reads it)
            result["totalCount"] = len(rows) if search is None else len(out)
        if extras is not None:
            result["searchExtras"] = {"ACTONOMY": extras}
        return result

    @staticmethod
    def _int_option(options: dict[str, Any], key: str) -> int | None:
        value = options.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            raise invalid_params(f"{key} must be an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise invalid_params(f"{key} must be an integer, got {value!r}")

    def _generic_getDetail(self, service: str, ctx: CallContext, params: list[Any]) -> Any:
        _arity(params, 1, 3, "uid, what?")
        if len(params) == 3 and params[2] is not None:
            raise invalid_params(f"getDetail takes [session, uid, what]; a 4th param must be null, got {params[2]!r}")
        rec = self.tenant.find(service, _uid_param(params[0]))
        what = params[1] if len(params) > 1 else None
        return self.tenant.compilers[service].what(what, None)(rec)

    def _generic_add(self, service: str, ctx: CallContext, params: list[Any]) -> Any:
        _arity(params, 1, 1, "data")
        uid = self.tenant.write_add(service, _data_param(params[0]))
        # hex-uid services answer the uid string (S1 requires a string); int-uid ones the int getList shows
        return uid if self.tenant.schemas[service].uid_kind == "int" else str(uid)

    def _generic_update(self, service: str, ctx: CallContext, params: list[Any]) -> bool:
        _arity(params, 2, 2, "uid, data")
        self.tenant.write_update(service, _uid_param(params[0]), _data_param(params[1]), ex=False)
        return True

    def _generic_updateEx(self, service: str, ctx: CallContext, params: list[Any]) -> str:
        _arity(params, 2, 2, "uid, data")
        return str(self.tenant.write_update(service, _uid_param(params[0]), _data_param(params[1]), ex=True))

    def _generic_delete(self, service: str, ctx: CallContext, params: list[Any]) -> bool:
        """``true``; a candidate is anonymised or removed per ``delete_mode``, other records removed."""
        _arity(params, 1, 1, "uid")
        self.tenant.write_delete(service, _uid_param(params[0]))
        return True

    # -- special methods -----------------------------------------------------------------

    def _CandidateService_setGdprDueDatePartner(self, service: str, ctx: CallContext, params: list[Any]) -> bool:
        _arity(params, 3, 5, 'uid, "YYYY-MM-DD", "otherYes"|"cron", false, false')
        uid, due, reason = params[0], params[1], params[2]
        for pos, flag in enumerate(params[3:], start=4):
            if flag not in (False, None, 0, "0", "false"):
                raise invalid_params(
                    f"setGdprDueDatePartner param {pos + 1} is only implemented as false, got {flag!r}"
                )
        if not isinstance(due, str) or not _DATE.match(due):
            raise invalid_params(f"due date must be YYYY-MM-DD, got {due!r}")
        if reason not in ("otherYes", "cron"):
            raise invalid_params(f"reason must be 'otherYes' or 'cron', got {reason!r}")
        if not self.settings.gdpr_writes_enabled:
            raise RpcError("not_enabled", "Writing the GDPR due date is not enabled for this client")
        self.tenant.write_update(service, _uid_param(uid), {"gdprDueDate": due, "gdprReason": reason})
        return True

    def _any_getExtraFieldsList(self, service: str, ctx: CallContext, params: list[Any]) -> list[dict[str, Any]]:
        _arity(params, 0, 1, "languageCode")
        lang = params[0] if params and isinstance(params[0], str) else (ctx.lang or self.settings.default_language)
        if service == "VacancyService":
            table, count = cat.VACANCY_EXTRA_FIELDS, self.settings.vacancy_extra_fields
        else:
            table, count = cat.CANDIDATE_EXTRA_FIELDS, self.settings.candidate_extra_fields
        return [{"fieldnum": n, "name": cat.extra_field_label(table, n, lang)} for n in range(1, count + 1)]

    def _any_getOptionLists(self, service: str, ctx: CallContext, params: list[Any]) -> dict[str, Any]:
        _arity(params, 1, 1, "[fieldNames]")
        names = params[0]
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise invalid_params("getOptionLists needs a list of field names")
        users = {
            str(u): " ".join(
                x for x in (r["Person"].get("firstName"), r["Person"].get("infix"), r["Person"].get("lastName")) if x
            )
            for u, r in sorted(self.tenant.collection("UserService").records.items())
        }
        options: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
            "VacancyService": {
                "publishedWebsites": ("publishedWebsites", {str(site): name for _, site, name, _ in cat.WEBSITES}),
                "statusId": ("statusId", {str(k): v for k, v in cat.VACANCY_STATUSES.items()}),
                "publicationStatusId": (
                    "publicationStatusId",
                    {str(k): v for k, v in cat.PUBLICATION_STATUSES.items()},
                ),
                "categoryId": ("categoryId", {str(k): v for k, v in cat.CATEGORIES.items()}),
                "userId": ("userId", users),
            },
            "CandidateService": {
                "Person.languageCode": ("cmsLanguages", dict(cat.LANGUAGES)),
                "statusId": ("statusId", {str(k): v for k, v in cat.CANDIDATE_STATUSES.items()}),
                "portalId": ("portalId", {str(uid): name for uid, name, _ in cat.PORTALS}),
                "Tags": ("Tags", self.tenant.tags.options()),
            },
        }
        known = options[service]
        out: dict[str, Any] = {}
        for name in names:
            if name not in known:
                raise unknown_field(service, name)
            key, values = known[name]
            out[key] = values
        return out

    def _CsmService_getValue(self, service: str, ctx: CallContext, params: list[Any]) -> dict[str, Any]:
        _arity(params, 1, 2, "[codes], clientId")
        codes = params[0]
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list):
            raise invalid_params("getValue needs a list of setting codes")
        s = self.settings
        if len(params) > 1 and params[1] is not None and str(params[1]) != str(s.client_id):
            raise RpcError(
                "validation", f"Validation failed: clientId {params[1]!r} is not this client ({s.client_id})"
            )
        values = {
            "DB103": s.client_code,
            "SE2995": "1" if s.gdpr_writes_enabled else "0",
            "SE3004": "1",
            "SE3348": "1",
            "SE2997": "30",
            "SE2999": "24",
        }
        return {str(code): {"value": values.get(str(code))} for code in codes}

    def _WebhooksService_getLogs(self, service: str, ctx: CallContext, params: list[Any]) -> list[Any]:
        _arity(params, 0, 1, "maxResults")
        if params and params[0] is not None and (isinstance(params[0], bool) or not isinstance(params[0], int)):
            raise invalid_params(f"maxResults must be an integer, got {params[0]!r}")
        n = params[0] if params and params[0] is not None else 100
        return [list(reversed(self.webhooks.log))[:n]]
