"""The built-in transport components: schema fragments and factories, registered by category and ``type``.

``register_builtin_components(registry)`` fills the ``transport``, ``request``, ``auth``,
``paginator`` and ``rate_limit`` categories; the default plugin calls it from
``unimap_register_components``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from unimap.errors import ConfigError
from unimap.registry import BuildEnv, ComponentRegistry, expression, expression_map, obj, template
from unimap.transport.auth import ApiKeyAuth, BasicAuth, BearerAuth, NoAuth, OAuth2ClientCredentials, SessionAuth
from unimap.transport.errorrules import parse_rules
from unimap.transport.jsonrpc import JsonRpcTransport
from unimap.transport.paginators import (
    CursorPaginator,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    SinglePage,
)
from unimap.transport.ratelimit import RateLimiter
from unimap.transport.requests import JsonRpcRequestTemplate, RestRequestTemplate

__all__ = ["register_builtin_components"]


# -- schema helpers -----------------------------------------------------------------------------


def _plain(kind: str | list[str], title: str, description: str, examples: list[Any], **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


def _string(title: str, description: str, examples: list[Any], **extra: Any) -> dict[str, Any]:
    return _plain("string", title, description, examples, **extra)


def _integer(title: str, description: str, examples: list[Any], **extra: Any) -> dict[str, Any]:
    return _plain("integer", title, description, examples, **extra)


def _number(title: str, description: str, examples: list[Any], **extra: Any) -> dict[str, Any]:
    return _plain("number", title, description, examples, **extra)


def _boolean(title: str, description: str, examples: list[Any]) -> dict[str, Any]:
    return _plain("boolean", title, description, examples)


def _strings(title: str, description: str, examples: list[Any]) -> dict[str, Any]:
    return _plain(
        "array",
        title,
        description,
        examples,
        items=_string("Entry", "One entry.", [examples[0][0] if examples and examples[0] else "x"]),
    )


ERROR_RULES = _plain(
    "array",
    "Error rules",
    "How responses become errors, checked in order before the built-in mapping: a response matching `status` "
    "(and `when`) raises an error with `code` and `message`, or is retried when `retry` is true (a transient "
    "answer: the vendor did not run the call).",
    [
        [
            {"status": 404, "code": "REMOTE.INPUT_INVALID", "message": "body.message"},
            {"when": "contains(error.message, 'temporarily unavailable')", "retry": True},
        ]
    ],
    items=obj(
        "Error rule",
        "One rule: which responses it matches and what they become.",
        [{"status": [409, 422], "message": "body.errors[0].message"}],
        {
            "status": {
                "title": "Status",
                "description": "The HTTP status (or statuses) the rule matches.",
                "examples": [404, [409, 422]],
                "anyOf": [
                    _integer("One status", "One HTTP status.", [404]),
                    _plain(
                        "array",
                        "Statuses",
                        "Several HTTP statuses.",
                        [[409, 422]],
                        items=_integer("Status", "An HTTP status.", [422]),
                    ),
                ],
            },
            "when": expression(
                "When",
                "A condition over the response `{status, headers, body}` (JSON-RPC: "
                "also `error`, the RPC error object); the rule matches when it is truthy.",
                ["body.success == `false`", "contains(error.message, 'temporarily')"],
            ),
            "code": _string(
                "Code",
                "The Kombo error code of the raised error.",
                ["PLATFORM.INPUT_INVALID", "REMOTE.SERVICE_UNAVAILABLE"],
            ),
            "message": expression(
                "Message", "The error message, over the same view as `when`.", ["body.errors[0].message"]
            ),
            "retry": _boolean("Retry", "The response is transient: retry the call (even a write).", [True]),
            "relogin": _boolean(
                "Re-login", "The response means the credential was refused: renew it and retry.", [True]
            ),
        },
    ),
)

TIMEOUT = _number("Timeout", "Seconds to wait for each response.", [30], exclusiveMinimum=0)


# -- transports --------------------------------------------------------------------------------------

JSONRPC_TRANSPORT = obj(
    "JSON-RPC transport",
    "JSON-RPC 2.0 over HTTP POST with positional params.",
    [{"type": "jsonrpc", "base_url": "https://rpc.vendor.example", "path": "/jservice.php"}],
    {
        "base_url": template(
            "Base URL",
            "Scheme and host of the API (may read `{settings.x}`); an integration may override it.",
            ["https://rpc.vendor.example"],
        ),
        "path": _string("Path", "The RPC endpoint below `base_url`.", ["/jservice.php"]),
        "upload_path": _string(
            "Upload path",
            "Where files are uploaded as multipart (a vendor's separate file endpoint).",
            ["/fileService.php"],
        ),
        "timeout_seconds": TIMEOUT,
        "error_status_ok": _boolean(
            "Errors with HTTP 200",
            "The vendor answers RPC errors with HTTP 200; when "
            "false, an error envelope sent with an HTTP error status is read as that RPC "
            "error.",
            [True],
        ),
        "errors": ERROR_RULES,
    },
    required=["base_url"],
)

REST_TRANSPORT = obj(
    "REST transport",
    "HTTP requests to paths under `base_url`, JSON bodies, errors by status.",
    [{"type": "rest", "base_url": "https://harvest.greenhouse.io", "headers": {"Accept": "'application/json'"}}],
    {
        "base_url": template(
            "Base URL",
            "Scheme, host and optional path prefix (may read `{settings.x}`).",
            ["https://harvest.greenhouse.io", "https://{settings.subdomain}.example.com/api"],
        ),
        "headers": expression_map(
            "Headers",
            "Headers sent with every request (expressions over `{settings}`).",
            [{"Accept": "'application/json'"}],
        ),
        "timeout_seconds": TIMEOUT,
        "errors": ERROR_RULES,
    },
    required=["base_url"],
)


def _jsonrpc_transport(config: Mapping[str, Any], *, env: BuildEnv) -> JsonRpcTransport:
    return JsonRpcTransport(
        env.template(config.get("base_url")),
        path=str(config.get("path", "")),
        timeout_seconds=float(config.get("timeout_seconds", 30)),
        error_status_ok=bool(config.get("error_status_ok", True)),
        errors=parse_rules(config.get("errors"), env),
        upload_path=config.get("upload_path"),
    )


def _rest_transport(config: Mapping[str, Any], *, env: BuildEnv) -> Any:
    from unimap.transport.rest import RestTransport

    return RestTransport(
        env.template(config.get("base_url")),
        headers=env.expr_map(config.get("headers")),
        timeout_seconds=float(config.get("timeout_seconds", 30)),
        errors=parse_rules(config.get("errors"), env),
    )


# -- requests ----------------------------------------------------------------------------------------

WRITE = _boolean(
    "Write",
    "The call changes vendor data: when its outcome is unknown (a timeout, a 500, a garbled "
    "answer) it is never repeated.",
    [True],
)
RESULT = expression(
    "Result",
    "What the call returns, over the response `{status, headers, body}` (default: the body; JSON-RPC: the RPC result).",
    ["body.items", "body[0]"],
)

JSONRPC_REQUEST = obj(
    "JSON-RPC request",
    "One RPC call: its method and positional params.",
    [{"method": "Candidates.getDetail", "params": "[input.id, `{}`]"}],
    {
        "method": template("Method", "The RPC method.", ["Candidates.getList"]),
        "params": expression(
            "Params", "The positional params (an array; the session is injected by auth).", ["[input.id]"]
        ),
        "write": WRITE,
        "errors": ERROR_RULES,
        "result": RESULT,
    },
    required=["method"],
)

FILE_PART = obj(
    "File part",
    "One file of a multipart body.",
    [{"filename": "input.name", "content": "input.content", "content_type": "input.content_type"}],
    {
        "filename": expression("File name", "The file name.", ["input.name"]),
        "content": expression("Content", "The bytes (or text).", ["input.content"]),
        "content_type": expression("Content type", "The media type.", ["'application/pdf'"]),
    },
    required=["content"],
)

REST_REQUEST = obj(
    "REST request",
    "One HTTP request: method, path, query, headers and body.",
    [{"method": "GET", "path": "/v3/candidates", "query": {"per_page": "`500`"}}],
    {
        "method": _string(
            "HTTP method", "The HTTP method.", ["GET", "POST"], enum=["GET", "POST", "PUT", "PATCH", "DELETE"]
        ),
        "path": template(
            "Path", "The path below `base_url` (placeholders are expressions).", ["/v3/jobs/{parent.id}/stages"]
        ),
        "query": expression_map(
            "Query",
            "Query parameters; `null` values are left out, arrays repeat the parameter.",
            [{"updated_at": "join('', ['gte|', cursor.since])"}],
        ),
        "headers": expression_map("Headers", "Request headers.", [{"Content-Type": "'application/json'"}]),
        "json": expression("JSON body", "The JSON body.", ["{first_name: input.first_name}"]),
        "form": expression_map(
            "Form", "Form fields (url-encoded, or multipart beside `multipart`).", [{"name": "input.name"}]
        ),
        "multipart": {
            "type": "object",
            "title": "Multipart",
            "description": "Multipart parts: a file part object, "
            "or an expression giving a form value (or a `{filename, content, content_type}` object).",
            "examples": [{"file": {"filename": "input.name", "content": "input.content"}}],
            "additionalProperties": {
                "title": "Part",
                "description": "A file part or an expression.",
                "examples": ["input.note"],
                "anyOf": [FILE_PART, expression("Expression", "A form value or a file object.", ["input.file"])],
            },
        },
        "write": {
            **WRITE,
            "description": "The call changes vendor data (default: any method but GET and HEAD); a "
            "write whose outcome is unknown is never repeated.",
        },
        "errors": ERROR_RULES,
        "result": RESULT,
    },
    required=["path"],
)


def _jsonrpc_request(config: Mapping[str, Any], *, env: BuildEnv) -> JsonRpcRequestTemplate:
    if not config.get("method"):
        raise ConfigError("a JSON-RPC request needs a `method`")
    return JsonRpcRequestTemplate(
        env.template(config["method"]),
        params=env.expr(config.get("params")),
        write=bool(config.get("write", False)),
        errors=parse_rules(config.get("errors"), env),
        result=env.expr(config.get("result")),
    )


def _rest_request(config: Mapping[str, Any], *, env: BuildEnv) -> RestRequestTemplate:
    multipart: dict[str, Any] | None = None
    if config.get("multipart") is not None:
        multipart = {}
        for name, part in dict(config["multipart"]).items():
            multipart[str(name)] = env.expr_map(part) if isinstance(part, Mapping) else env.expr(part)
    form = config.get("form")
    write = config.get("write")
    return RestRequestTemplate(
        env.template(config.get("path", "")),
        method=str(config.get("method", "GET")),
        query=env.expr_map(config.get("query")),
        headers=env.expr_map(config.get("headers")),
        json=env.expr(config.get("json")),
        form=env.expr_map(form) if form is not None else None,
        multipart=multipart,
        write=None if write is None else bool(write),
        errors=parse_rules(config.get("errors"), env),
        result=env.expr(config.get("result")),
    )


# -- auth --------------------------------------------------------------------------------------------

CHECK = {
    "x-unimap-component": "request",
    "title": "Check request",
    "description": "A cheap request that proves the credentials work (sent when the integration connects).",
    "examples": [{"path": "/v3/users", "query": {"per_page": "`1`"}}],
}
CREDENTIAL = "Templates read `{credentials.x}` and `{settings.x}`."


def _auth(
    title: str, description: str, examples: list[Any], properties: dict[str, Any], required: list[str] | None = None
) -> dict[str, Any]:
    return obj(title, description, examples, {**properties, "check": CHECK}, required=required)


NONE_AUTH = _auth("No auth", "Requests go out without credentials.", [{"type": "none"}], {})
BASIC_AUTH = _auth(
    "HTTP Basic",
    "HTTP Basic authentication. " + CREDENTIAL,
    [{"type": "basic", "username": "{credentials.api_key}", "password": ""}],
    {
        "username": template("Username", "The user name.", ["{credentials.username}"]),
        "password": template("Password", "The password (may be empty).", ["{credentials.password}"]),
    },
    required=["username"],
)
BEARER_AUTH = _auth(
    "Bearer token",
    "A static token in `Authorization: Bearer …`. " + CREDENTIAL,
    [{"type": "bearer", "token": "{credentials.token}"}],
    {
        "token": template("Token", "The token.", ["{credentials.token}"]),
        "header": _string("Header", "The header carrying the token.", ["Authorization"]),
        "scheme": _string("Scheme", "The word before the token (empty: none).", ["Bearer", "Token"]),
    },
    required=["token"],
)
API_KEY_AUTH = _auth(
    "API key",
    "A key in a header or a query parameter. " + CREDENTIAL,
    [{"type": "api_key", "in": "header", "name": "X-Api-Key", "value": "{credentials.api_key}"}],
    {
        "in": _string("Placement", "Where the key goes.", ["header", "query"], enum=["header", "query"]),
        "name": _string("Name", "The header or query parameter name.", ["X-Api-Key", "api_key"]),
        "value": template("Value", "The key.", ["{credentials.api_key}"]),
    },
    required=["name", "value"],
)
OAUTH2_AUTH = _auth(
    "OAuth2 client credentials",
    "A bearer token minted with the client-credentials grant, renewed before it "
    "expires and once on a 401. " + CREDENTIAL,
    [
        {
            "type": "oauth2_client_credentials",
            "token_url": "https://auth.greenhouse.io/token",
            "client_id": "{credentials.client_id}",
            "client_secret": "{credentials.client_secret}",
            "extra": {"sub": "credentials.user_id"},
        }
    ],
    {
        "token_url": template("Token URL", "The token endpoint (any host).", ["https://auth.greenhouse.io/token"]),
        "client_id": template("Client id", "The client id.", ["{credentials.client_id}"]),
        "client_secret": template("Client secret", "The client secret.", ["{credentials.client_secret}"]),
        "client_auth": _string(
            "Client authentication", "HTTP Basic (`basic`) or form fields (`body`).", ["basic"], enum=["basic", "body"]
        ),
        "scope": {
            "title": "Scope",
            "description": "Scopes requested (a space-separated text or a list).",
            "examples": ["harvest:candidates:list"],
            "anyOf": [
                _string("Scope text", "Space-separated scopes.", ["a b"]),
                _strings("Scope list", "Scopes.", [["harvest:jobs:list"]]),
            ],
        },
        "extra": expression_map(
            "Extra fields",
            "More form fields of the token request (expressions over "
            "`{credentials, settings}`); `null` ones are left out.",
            [{"sub": "credentials.user_id"}],
        ),
        "access_token": expression("Access token", "The token in the token response.", ["access_token"]),
        "expires_in": expression("Expires in", "Seconds the token lives, from the token response.", ["expires_in"]),
        "expires_at": expression("Expires at", "When the token expires (RFC 3339 or epoch seconds).", ["expires_at"]),
        "refresh_margin_seconds": _number(
            "Refresh margin", "Renew the token this many seconds before it expires.", [60], minimum=0
        ),
        "header": _string("Header", "The header carrying the token.", ["Authorization"]),
        "scheme": _string("Scheme", "The word before the token.", ["Bearer"]),
    },
    required=["token_url", "client_id", "client_secret"],
)

INJECT = obj(
    "Inject",
    "Where the session goes: JSON-RPC params, a header, a query parameter or a form field.",
    [{"params_index": 0}, {"header": "X-Session", "prefix": ""}],
    {
        "params_index": _integer(
            "Params index", "Insert the session at this position of JSON-RPC params.", [0], minimum=0
        ),
        "header": _string("Header", "Send the session in this header.", ["X-Session-Id"]),
        "prefix": _string("Prefix", "Text before the session in the header.", ["Bearer "]),
        "query": _string("Query parameter", "Send the session as this query parameter.", ["session"]),
        "form": _string("Form field", "Send the session as this form field (uploads).", ["sessionId"]),
    },
)
RPC_CALL = obj(
    "Call",
    "A JSON-RPC call of the auth flow.",
    [{"method": "loginByUid", "params": "[credentials.api_key]"}],
    {
        "method": _string("Method", "The RPC method.", ["loginByUid"]),
        "params": expression(
            "Params", "Its params, over `{credentials, settings}` (logout: also `session`).", ["[credentials.api_key]"]
        ),
    },
    required=["method"],
)
SESSION_COMMON = {
    "inject": INJECT,
    "relogin_on": _strings(
        "Re-login on",
        "Error messages (substrings) meaning the session was refused.",
        [["Access denied; please login first"]],
    ),
    "lifetime_seconds": _number("Lifetime", "Log in again after this many seconds (0: never).", [28800], minimum=0),
    "unauthenticated_methods": _strings(
        "Unauthenticated methods", "Methods sent without the session.", [["loginByUid"]]
    ),
    "logout": {
        "title": "Logout",
        "description": "The call that ends the session on close (a method name or `{method, params}`).",
        "examples": ["logout"],
        "anyOf": [_string("Method", "The logout method (params: `[session]`).", ["logout"]), RPC_CALL],
    },
    # the classic keys, kept as aliases
    "login_method": _string(
        "Login method (classic)",
        "The login method, called with the `credential` through the `unimap_authenticate` hook; same as `login`.",
        ["loginByUid"],
    ),
    "credential": _string("Credential (classic)", "The credential passed to `login_method`.", ["api_key"]),
    "session_param": _integer("Session param (classic)", "Same as `inject: {params_index: N}`.", [0], minimum=0),
    "logout_method": _string("Logout method (classic)", "Same as `logout`.", ["logout"]),
    "session_lifetime_seconds": _number(
        "Session lifetime (classic)", "Same as `lifetime_seconds`.", [28800], minimum=0
    ),
}
SESSION_AUTH = _auth(
    "Session login",
    "Log in once with a call, then inject the session into every request; log in again when the vendor refuses it.",
    [
        {
            "type": "session_login",
            "login": {"method": "loginByUid", "params": "[credentials.api_key]"},
            "inject": {"params_index": 0},
            "relogin_on": ["Access denied; please login first"],
        }
    ],
    {
        "login": RPC_CALL,
        "session": expression("Session", "The session in the login result.", ["@", "sessionId"]),
        **SESSION_COMMON,
    },
)
HOOK_AUTH = _auth(
    "Plugin auth",
    "A plugin's `unimap_authenticate` returns the session; injected like `session_login`.",
    [{"type": "hook", "inject": {"header": "Authorization", "prefix": "Token "}}],
    dict(SESSION_COMMON),
)


def _none(config: Mapping[str, Any], *, env: BuildEnv) -> NoAuth:
    return NoAuth()


def _basic(config: Mapping[str, Any], *, env: BuildEnv) -> BasicAuth:
    return BasicAuth(env.template(config.get("username")), env.template(config.get("password", "")))


def _bearer(config: Mapping[str, Any], *, env: BuildEnv) -> BearerAuth:
    return BearerAuth(
        env.template(config.get("token")),
        str(config.get("header", "Authorization")),
        str(config.get("scheme", "Bearer")),
    )


def _api_key(config: Mapping[str, Any], *, env: BuildEnv) -> ApiKeyAuth:
    if not config.get("name"):
        raise ConfigError("auth api_key needs a `name`")
    return ApiKeyAuth(str(config["name"]), env.template(config.get("value")), str(config.get("in", "header")))


def _oauth2(config: Mapping[str, Any], *, env: BuildEnv) -> OAuth2ClientCredentials:
    clock = env.options.get("wall_clock", time.time)
    return OAuth2ClientCredentials(
        env.template(config.get("token_url")),
        env.template(config.get("client_id")),
        env.template(config.get("client_secret")),
        client_auth=str(config.get("client_auth", "basic")),
        scope=config.get("scope"),
        extra=env.expr_map(config.get("extra")),
        access_token=env.expr(config.get("access_token")),
        expires_in=env.expr(config.get("expires_in")),
        expires_at=env.expr(config.get("expires_at")),
        refresh_margin_seconds=float(config.get("refresh_margin_seconds", 60)),
        header=str(config.get("header", "Authorization")),
        scheme=str(config.get("scheme", "Bearer")),
        clock=clock,
    )


def _session(kind: str) -> Any:
    def factory(config: Mapping[str, Any], *, env: BuildEnv) -> SessionAuth:
        login = config.get("login")
        logout = config.get("logout")
        return SessionAuth(
            config,
            kind=kind,
            login_params=env.expr(login.get("params")) if isinstance(login, Mapping) else None,
            session=env.expr(config.get("session")),
            logout_params=env.expr(logout.get("params")) if isinstance(logout, Mapping) else None,
        )

    return factory


# -- paginators --------------------------------------------------------------------------------------

PAGE_SIZE = _integer("Page size", "Records per page (also how a short, last page is recognised).", [100], minimum=1)
SHORT = _boolean("Stop on a short page", "A page with fewer records than `page_size` is the last one.", [True])
SIZE_PARAM = _string("Size parameter", "The query parameter carrying the page size.", ["per_page", "limit"])
NEXT = expression(
    "Next",
    "The next cursor or URL, over the response `{status, headers, body}`; missing ends the pagination.",
    ["body.meta.next_cursor", 'headers."x-next-cursor"'],
)

NONE_PAGINATOR = obj(
    "Single page",
    "No pagination: one request.",
    [{"type": "none"}],
    {"page_size": PAGE_SIZE, "stop_on_short_page": SHORT},
)
OFFSET_PAGINATOR = obj(
    "Offset",
    "Offset and limit. REST: `offset_param`/`limit_param` query parameters; JSON-RPC: the request's "
    "params read `page.offset`, `page.limit` and `page.first`.",
    [
        {"type": "offset", "page_size": 200},
        {"type": "offset", "page_size": 100, "limit_param": "limit", "offset_param": "offset"},
    ],
    {
        "page_size": PAGE_SIZE,
        "limit_param": _string("Limit parameter", "The query parameter carrying the page size.", ["limit"]),
        "offset_param": _string("Offset parameter", "The query parameter carrying the offset.", ["offset"]),
        "start": _integer("First offset", "The offset of the first page.", [0], minimum=0),
        "stop_on_short_page": SHORT,
    },
    required=["page_size"],
)
PAGE_NUMBER_PAGINATOR = obj(
    "Page number",
    "Numbered pages: `page_param` from `start`, `size_param` with `page_size`.",
    [{"type": "page_number", "page_param": "page", "size_param": "per_page", "page_size": 100}],
    {
        "page_param": _string("Page parameter", "The query parameter carrying the page number.", ["page"]),
        "size_param": SIZE_PARAM,
        "start": _integer("First page", "The number of the first page.", [1], minimum=0),
        "page_size": PAGE_SIZE,
        "total_pages": expression("Total pages", "The number of pages, over the response.", ["body.meta.pages"]),
        "stop_on_short_page": SHORT,
    },
)
CURSOR_PAGINATOR = obj(
    "Cursor",
    "An opaque cursor from each response, sent as `cursor_param` with the next request.",
    [
        {
            "type": "cursor",
            "next": "body.next_cursor",
            "cursor_param": "cursor",
            "size_param": "per_page",
            "page_size": 100,
        }
    ],
    {
        "next": NEXT,
        "cursor_param": _string("Cursor parameter", "The query parameter carrying the cursor.", ["cursor"]),
        "size_param": SIZE_PARAM,
        "page_size": PAGE_SIZE,
        "send_only_cursor": _boolean(
            "Send only the cursor",
            "Follow-up requests carry the cursor and nothing else "
            "(for vendors that refuse other parameters next to it).",
            [True],
        ),
        "stop_on_short_page": SHORT,
    },
    required=["next"],
)
LINK_HEADER_PAGINATOR = obj(
    "Link header",
    'Follow the RFC 8288 `Link: <…>; rel="next"` URL as given.',
    [{"type": "link_header", "size_param": "per_page", "page_size": 500}],
    {
        "size_param": {
            **SIZE_PARAM,
            "description": "The page-size query parameter, sent on the first request only (the link carries it).",
        },
        "page_size": PAGE_SIZE,
        "header": _string("Header", "The header holding the links.", ["Link"]),
        "rel": _string("Relation", "The link relation to follow.", ["next"]),
        "stop_on_short_page": SHORT,
    },
)
NEXT_URL_PAGINATOR = obj(
    "Next URL",
    "Follow the next page's URL found in the response, as given.",
    [{"type": "next_url", "next": "body.links.next"}],
    {
        "next": NEXT,
        "size_param": {**SIZE_PARAM, "description": "The page-size query parameter, sent on the first request only."},
        "page_size": PAGE_SIZE,
        "stop_on_short_page": SHORT,
    },
    required=["next"],
)


def _opt_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _short(paginator: Any, config: Mapping[str, Any]) -> Any:
    paginator.stop_on_short_page = bool(config.get("stop_on_short_page", True))
    return paginator


def _single(config: Mapping[str, Any], *, env: BuildEnv) -> SinglePage:
    return _short(SinglePage(_opt_int(config.get("page_size"))), config)


def _offset(config: Mapping[str, Any], *, env: BuildEnv) -> OffsetPaginator:
    if config.get("page_size") is None:
        raise ConfigError("paginator offset needs a `page_size`")
    return _short(
        OffsetPaginator(
            int(config["page_size"]),
            limit_param=config.get("limit_param"),
            offset_param=config.get("offset_param"),
            start=int(config.get("start", 0)),
        ),
        config,
    )


def _page_number(config: Mapping[str, Any], *, env: BuildEnv) -> PageNumberPaginator:
    return _short(
        PageNumberPaginator(
            page_param=config.get("page_param", "page"),
            size_param=config.get("size_param"),
            start=int(config.get("start", 1)),
            page_size=_opt_int(config.get("page_size")),
            total_pages=env.expr(config.get("total_pages")),
        ),
        config,
    )


def _cursor(config: Mapping[str, Any], *, env: BuildEnv) -> CursorPaginator:
    return _short(
        CursorPaginator(
            env.expr(config.get("next")),
            cursor_param=config.get("cursor_param", "cursor"),
            size_param=config.get("size_param"),
            page_size=_opt_int(config.get("page_size")),
            send_only_cursor=bool(config.get("send_only_cursor", False)),
        ),
        config,
    )


def _link_header(config: Mapping[str, Any], *, env: BuildEnv) -> LinkHeaderPaginator:
    return _short(
        LinkHeaderPaginator(
            size_param=config.get("size_param"),
            page_size=_opt_int(config.get("page_size")),
            header=str(config.get("header", "Link")),
            rel=str(config.get("rel", "next")).lower(),
        ),
        config,
    )


def _next_url(config: Mapping[str, Any], *, env: BuildEnv) -> NextUrlPaginator:
    return _short(
        NextUrlPaginator(
            env.expr(config.get("next")),
            size_param=config.get("size_param"),
            page_size=_opt_int(config.get("page_size")),
        ),
        config,
    )


# -- rate limits -------------------------------------------------------------------------------------

WINDOW_RATE_LIMIT = obj(
    "Rate limit",
    "A client-side window plus the vendor's rate-limit headers (names match case-insensitively).",
    [
        {
            "requests_per_minute": 350,
            "remaining_header": "X-Orl-Requests-Remaining",
            "reset_header": "X-Orl-Remaining-Timeframe",
            "pause_below": 5,
        },
        {
            "type": "window",
            "requests": 50,
            "window_seconds": 10,
            "limit_header": "X-RateLimit-Limit",
            "remaining_header": "X-RateLimit-Remaining",
            "reset_header": "X-RateLimit-Reset",
            "reset": "epoch",
        },
    ],
    {
        "requests_per_minute": _number("Requests per minute", "The client-side budget (0: none).", [350], minimum=0),
        "requests": _number(
            "Requests", "Requests allowed per `window_seconds` (instead of `requests_per_minute`).", [50], minimum=0
        ),
        "window_seconds": _number(
            "Window",
            "The window of `requests` and of the vendor's `limit_header`, in seconds.",
            [10],
            exclusiveMinimum=0,
        ),
        "remaining_header": _string(
            "Remaining header", "The header with the requests left in the window.", ["X-RateLimit-Remaining"]
        ),
        "limit_header": _string(
            "Limit header", "The header with the requests allowed per window.", ["X-RateLimit-Limit"]
        ),
        "reset_header": _string("Reset header", "The header saying when the window resets.", ["X-RateLimit-Reset"]),
        "reset": _string(
            "Reset format",
            "How the reset header reads: seconds from now, epoch seconds, or an HTTP date.",
            ["seconds", "epoch"],
            enum=["seconds", "epoch", "http_date"],
        ),
        "retry_after": _boolean("Honour Retry-After", "Wait as long as a 429's (or 503's) `Retry-After` says.", [True]),
        "pause_below": _integer(
            "Pause below", "Pause until the reset when this few requests (or fewer) remain.", [5], minimum=0
        ),
        "concurrency": _integer(
            "Concurrency", "Requests in flight at once (also the sync's worker count).", [4], minimum=1
        ),
    },
)


def _window(config: Mapping[str, Any], *, env: BuildEnv) -> RateLimiter:
    spec = {k: v for k, v in config.items() if k != "type"}
    return RateLimiter.from_spec(
        spec,
        requests_per_minute=env.options.get("requests_per_minute"),
        sleep=env.options.get("sleep", time.sleep),
        clock=env.options.get("clock", time.monotonic),
        wall=env.options.get("wall_clock", time.time),
        budget=env.options.get("budget"),
    )


# -- registration ------------------------------------------------------------------------------------


def register_builtin_components(registry: ComponentRegistry) -> None:
    """Register every built-in transport, request, auth, paginator and rate-limit type into ``registry``."""
    add = registry.register
    add("transport", "jsonrpc", JSONRPC_TRANSPORT, _jsonrpc_transport, summary="JSON-RPC 2.0 over HTTP POST.")
    add("transport", "rest", REST_TRANSPORT, _rest_transport, summary="REST over HTTP.")
    add("request", "jsonrpc", JSONRPC_REQUEST, _jsonrpc_request, summary="A JSON-RPC call.")
    add("request", "rest", REST_REQUEST, _rest_request, summary="A REST request.")
    add("auth", "none", NONE_AUTH, _none, summary="No credentials.")
    add("auth", "basic", BASIC_AUTH, _basic, summary="HTTP Basic.")
    add("auth", "bearer", BEARER_AUTH, _bearer, summary="A static bearer token.")
    add("auth", "api_key", API_KEY_AUTH, _api_key, summary="An API key in a header or the query.")
    add("auth", "oauth2_client_credentials", OAUTH2_AUTH, _oauth2, summary="OAuth2 client credentials.")
    add("auth", "session_login", SESSION_AUTH, _session("session_login"), summary="Log in, inject the session.")
    add("auth", "hook", HOOK_AUTH, _session("hook"), summary="A plugin's `unimap_authenticate` gives the session.")
    add("paginator", "none", NONE_PAGINATOR, _single, summary="One page.", aliases=["single_page"])
    add("paginator", "offset", OFFSET_PAGINATOR, _offset, summary="Offset and limit.")
    add("paginator", "page_number", PAGE_NUMBER_PAGINATOR, _page_number, summary="Numbered pages.")
    add("paginator", "cursor", CURSOR_PAGINATOR, _cursor, summary="An opaque cursor.")
    add("paginator", "link_header", LINK_HEADER_PAGINATOR, _link_header, summary="RFC 8288 Link header.")
    add("paginator", "next_url", NEXT_URL_PAGINATOR, _next_url, summary="A next-page URL in the response.")
    add("rate_limit", "window", WINDOW_RATE_LIMIT, _window, summary="A window plus the vendor's headers.")
