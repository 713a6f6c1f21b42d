"""Talking to vendor APIs: REST and JSON-RPC transports, auth, paginators, rate limits and retries.

``httpx``'s transport is the only seam to the network: pass ``transport=`` to a client to route its
requests elsewhere (unit tests use ``httpx.MockTransport``, end-to-end tests the vendor sandboxes).
"""

from unimap.transport.auth import (
    ApiKeyAuth,
    Auth,
    AuthHost,
    BasicAuth,
    BearerAuth,
    NoAuth,
    OAuth2ClientCredentials,
    SessionAuth,
)
from unimap.transport.client import CallStats, VendorClient, default_functions, default_registry, open_client
from unimap.transport.components import register_builtin_components
from unimap.transport.errorrules import ErrorRule, extract_message
from unimap.transport.jsonrpc import JsonRpcTransport
from unimap.transport.pages import Page, Sender, pages
from unimap.transport.paginators import (
    CursorPaginator,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    Paginator,
    SinglePage,
    parse_link_header,
)
from unimap.transport.ratelimit import RateLimiter, parse_retry_after
from unimap.transport.request import UNSET, Request, Response
from unimap.transport.requests import JsonRpcRequestTemplate, RequestTemplate, RestRequestTemplate
from unimap.transport.rest import RestTransport
from unimap.transport.retry import RetryPolicy

__all__ = [
    "UNSET",
    "ApiKeyAuth",
    "Auth",
    "AuthHost",
    "BasicAuth",
    "BearerAuth",
    "CallStats",
    "CursorPaginator",
    "ErrorRule",
    "JsonRpcRequestTemplate",
    "JsonRpcTransport",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "NoAuth",
    "OAuth2ClientCredentials",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "Paginator",
    "RateLimiter",
    "Request",
    "RequestTemplate",
    "Response",
    "RestRequestTemplate",
    "RestTransport",
    "RetryPolicy",
    "Sender",
    "SessionAuth",
    "SinglePage",
    "VendorClient",
    "default_functions",
    "default_registry",
    "extract_message",
    "open_client",
    "pages",
    "parse_link_header",
    "parse_retry_after",
    "register_builtin_components",
]
