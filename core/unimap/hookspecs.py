"""Every hook a unimap plugin can implement, grouped by concern.

Plugins implement these with ``@unimap.hookimpl``; built-in behaviour is registered the same
way (see ``unimap.default_plugins``). Hooks marked *firstresult* stop at the first
implementation that returns something other than ``None``; connector-specific hooks receive
the connector name and return ``None`` for connectors they do not serve.
``tests/test_hookspecs.py`` fails when a hook here lacks a docstring or a section in
``docs/plugins.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, overload

import pluggy

if TYPE_CHECKING:
    import click

    from unimap.calls import VendorCall, VendorResponse
    from unimap.store.base import Integration
    from unimap.transport.request import Request, Response


class ActionHookContext(Protocol):
    """What the action hooks (``write_source``, ``upload_attachment``, …) get as ``context``.

    ``call`` is a JSON-RPC call and ``send`` any request of the connector's transport, both with
    the integration's auth, retries and rate limit (pass ``write=True`` / ``Request(write=True)``
    for calls that change vendor data: they are never repeated when their outcome is unknown);
    ``upload(filename, content, content_type)`` is the transport's file upload; ``memo`` keeps
    state across the attempts of one action; ``warnings`` collects what the response reports.
    """

    integration: Integration
    settings: dict[str, Any]
    warnings: list[str]
    memo: dict[Any, Any]

    def call(self, method: str, params: list[Any] | None = None, *, write: bool = False) -> Any: ...

    def send(self, request: Request) -> Response: ...

    @property
    def upload(self) -> Callable[[str, bytes, str], dict[str, Any]]: ...


PROJECT = "unimap"
_F = TypeVar("_F", bound=Callable[..., Any])
_spec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@overload
def hookspec(func: _F) -> _F: ...


@overload
def hookspec(func: None = None, **options: Any) -> Callable[[_F], _F]: ...


def hookspec(func: _F | None = None, **options: Any) -> _F | Callable[[_F], _F]:
    """``pluggy.HookspecMarker`` that keeps the decorated signature for type checkers."""
    if func is None:
        return lambda f: cast(_F, _spec(**options)(f))
    return _spec(func)


# -- registration ------------------------------------------------------------------------


@hookspec
def unimap_register_functions(register: Callable[..., None]) -> None:
    """Register custom JMESPath functions usable in every spec expression.

    Call ``register(name, func, signature, optional=0)`` where ``func(*args)`` computes the
    value, ``signature`` lists the JMESPath types of each required argument (e.g.
    ``[["string", "null"]]``) and ``optional`` says how many more may follow. A function
    callable with one argument may also be named in a field's ``transform:``.
    """


@hookspec(historic=True)
def unimap_register_components(register: Callable[..., None]) -> None:
    """Register spec component types: ``register(category, type, schema, factory, summary=..., aliases=...)``.

    ``category`` is one of ``transport``, ``request``, ``auth``, ``paginator``, ``rate_limit``,
    ``source``, ``incremental``, ``deletion`` or ``step``; ``schema`` is the JSON Schema fragment
    of the component object (without ``type``; mark expression slots with
    ``unimap.registry.expression(...)``), and ``factory(config, *, env)`` builds its runtime
    (``env`` is a :class:`unimap.registry.BuildEnv`). The spec schemas, the linter and the
    runtime all follow the registration: a new paginator is one class, one fragment, one call.
    """


@hookspec
def unimap_register_connectors(register: Callable[..., None]) -> None:
    """Register connectors: ``register(name, spec_dir)`` names a folder of YAML specs.

    The folder holds ``connector.yaml`` plus ``models/*.yaml`` and ``actions/*.yaml``.
    A later registration of the same name (e.g. from config) replaces an earlier one.
    """


@hookspec
def unimap_register_sandboxes(register: Callable[..., None]) -> None:
    """Offer a local sandbox of a vendor for demos: ``register(connector, factory, default=False)``.

    ``factory(seed=..., size=...)`` starts a sandbox tenant and returns a
    :class:`unimap.sandboxes.RunningSandbox` (its base URL, the credentials and settings to
    connect with, and ``stop``). ``unimap demo CONNECTOR`` uses it; the sandbox registered with
    ``default=True`` is the one ``unimap demo`` starts.
    """


@hookspec
def unimap_register_commands(cli: click.Group) -> None:
    """Add commands or sub-commands to the ``unimap`` command line (a click group)."""


# -- transport ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def unimap_authenticate(
    connector: str, auth: dict[str, Any], credentials: dict[str, Any], login: Callable[[str, list[Any]], Any]
) -> str | None:
    """Open a vendor session and return its token (*firstresult*).

    ``auth`` is the connector spec's ``auth`` block, ``credentials`` the integration's
    stored secrets, and ``login(method, params)`` performs an unauthenticated call.
    The built-in plugin implements ``type: session_login``; return ``None`` to decline.
    """


@hookspec
def unimap_before_call(call: VendorCall) -> None:
    """Inspect or change a vendor call (its ``params`` and ``headers``) before it is sent.

    Runs once per attempt, so ``call.attempt`` tells retries apart. Never log secrets: the
    session has not been injected into ``call.params`` yet.
    """


@hookspec
def unimap_after_call(call: VendorCall, response: VendorResponse) -> None:
    """Observe a vendor call's successful response (e.g. for metrics); may edit ``response.data``."""


# -- mapping -----------------------------------------------------------------------------


@hookspec
def unimap_process_record(
    connector: str, model: str, record: dict[str, Any], raw: dict[str, Any], settings: dict[str, Any]
) -> None:
    """Post-process a mapped unified ``record`` in place, with the vendor's ``raw`` record at hand.

    For what expressions cannot express. ``settings`` are the connector's settings merged
    with the integration's.
    """


# -- actions -----------------------------------------------------------------------------


@hookspec(firstresult=True)
def unimap_write_source(
    connector: str, context: ActionHookContext, candidate_remote_id: str, source: dict[str, Any], created: bool
) -> list[str] | None:
    """Write a candidate's source (*firstresult*); return warning messages (or ``[]``).

    ``source`` has ``name``, ``id`` and ``unified_key`` (any may be missing); ``created``
    is false for a candidate that existed before, whose source must not be overwritten.
    """


@hookspec(firstresult=True)
def unimap_write_gdpr_consent(
    connector: str, context: ActionHookContext, candidate_remote_id: str, consent: dict[str, Any]
) -> list[str] | None:
    """Write GDPR consent (``given``, ``expires_at``) for a candidate (*firstresult*).

    Return warning messages (e.g. "the tenant has GDPR consent writing switched off") or ``[]``.
    """


@hookspec(firstresult=True)
def unimap_upload_attachment(
    connector: str, context: ActionHookContext, target: dict[str, Any], attachment: dict[str, Any], content: bytes
) -> str | None:
    """Upload one attachment and attach it to ``target`` (*firstresult*); return its remote id.

    ``target`` has ``candidate_remote_id`` and, for applications, ``application_remote_id``;
    ``attachment`` is the unified attachment (name, type, content_type) and ``content`` its bytes.
    """


@hookspec(firstresult=True)
def unimap_place_result_link(
    connector: str, context: ActionHookContext, target: dict[str, Any], link: dict[str, Any]
) -> list[str] | None:
    """Place a result link (label, url, details) where vendor users see it (*firstresult*).

    Return warning messages or ``[]``.
    """
