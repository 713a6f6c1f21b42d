"""The hook specifications: documented, strictly checked, and each one exercised by a plugin.

Each hook has a test plugin below. Where the code that calls the hook exists, the hook is
exercised through it and the test says so in its name (``..._through_the_engine``,
``..._through_the_vendor_client``, ``..._through_an_action``, ``..._through_the_cli``). Every hook
is also called directly with the arguments ``docs/plugins.md`` documents (``test_direct_call``),
which needs nothing but the hook specification.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import httpx
import pytest

from unimap import hookimpl, hookspecs
from unimap.calls import VendorCall, VendorResponse
from unimap.config import Config
from unimap.engine import Engine
from unimap.errors import AuthenticationInvalid, PluginError
from unimap.plugins import make_manager

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "plugins.md"
EXTRA = REPO / "tests" / "fixtures" / "specs" / "extra"

HOOKS: dict[str, Callable[..., Any]] = {
    name: func
    for name, func in vars(hookspecs).items()
    if name.startswith("unimap_") and callable(func) and hasattr(func, f"{hookspecs.PROJECT}_spec")
}


def parameters(name: str) -> list[str]:
    return list(inspect.signature(HOOKS[name]).parameters)


def sections() -> dict[str, str]:
    """``docs/plugins.md`` split into ``## unimap_<name>`` sections."""
    text = DOCS.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    parts = re.split(r"^## (unimap_\w+)\s*$", text, flags=re.MULTILINE)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        found[name] = body.split("\n## ", 1)[0]
    return found


# -- documentation ---------------------------------------------------------------------------------


def test_the_hook_list_is_not_empty() -> None:
    assert len(HOOKS) >= 11
    assert all(f.__module__ == "unimap.hookspecs" for f in HOOKS.values())


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_every_hookspec_has_a_docstring(name: str) -> None:
    doc = inspect.getdoc(HOOKS[name])
    assert doc, f"{name} has no docstring"
    assert len(doc.split()) >= 5, f"{name}'s docstring says too little"


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_every_hookspec_has_a_section_in_docs(name: str) -> None:
    assert name in sections(), f"docs/plugins.md has no `## {name}` section"


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_each_section_names_every_argument_and_has_an_example(name: str) -> None:
    body = sections()[name]
    for parameter in parameters(name):
        assert f"`{parameter}" in body, f"## {name} does not describe `{parameter}`"
    assert "**When:**" in body
    assert "**Returns:**" in body
    assert f"def {name}(" in body, f"## {name} has no example implementation"


def test_no_section_documents_a_hook_that_does_not_exist() -> None:
    assert set(sections()) <= set(HOOKS)


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_firstresult_is_stated_where_it_applies(name: str) -> None:
    firstresult = getattr(HOOKS[name], f"{hookspecs.PROJECT}_spec")["firstresult"]
    assert ("firstresult" in (inspect.getdoc(HOOKS[name]) or "")) == firstresult
    assert ("*firstresult*" in sections()[name]) == firstresult


def test_examples_in_the_docs_are_valid_hook_implementations() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks
    implemented = set()
    for block in blocks:
        tree = ast.parse(block)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("unimap_"):
                assert node.name in HOOKS, f"the docs implement unknown hook {node.name}"
                assert {a.arg for a in node.args.args} <= set(parameters(node.name)), node.name
                implemented.add(node.name)
    assert implemented == set(HOOKS)


# -- check_pending: misspelled hooks fail loudly ---------------------------------------------------------


class Misspelled:
    @hookimpl
    def unimap_proces_record(self, record: dict[str, Any]) -> None:
        record["x"] = 1


class UnknownArgument:
    @hookimpl
    def unimap_process_record(self, record: dict[str, Any], extra: Any) -> None:
        record["x"] = extra


def test_a_misspelled_hook_raises_plugin_error() -> None:
    with pytest.raises(PluginError, match="unknown hook") as caught:
        make_manager([Misspelled()], entry_points=False)
    assert "unimap_proces_record" in str(caught.value)


def test_a_misspelled_hook_in_a_module_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "unimap_test_typo_plugin.py").write_text(
        "from unimap import hookimpl\n\n\n@hookimpl\ndef unimap_register_function(register):\n    pass\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("UNIMAP_PLUGINS", "unimap_test_typo_plugin")
    monkeypatch.delitem(sys.modules, "unimap_test_typo_plugin", raising=False)
    with pytest.raises(PluginError, match="unimap_register_function"):
        make_manager(entry_points=False)


def test_an_argument_the_hook_does_not_offer_is_refused() -> None:
    with pytest.raises(PluginError):
        make_manager([UnknownArgument()], entry_points=False)


def test_a_plugin_that_cannot_be_imported_raises_plugin_error() -> None:
    with pytest.raises(PluginError, match="cannot import plugin module 'unimap_no_such_plugin'"):
        make_manager(["unimap_no_such_plugin"], entry_points=False)


def test_the_engine_refuses_a_misspelled_hook(clean_env: Path) -> None:
    with pytest.raises(PluginError):
        Engine(config=Config(), plugins=[Misspelled()], entry_points=False)


# -- every hook, called directly with its documented arguments --------------------------------------------


class Recorder:
    """Implements every hook; records the arguments and returns a recognisable value."""

    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}

    def _seen(self, name: str, **kwargs: Any) -> None:
        self.calls[name] = kwargs

    @hookimpl
    def unimap_register_functions(self, register: Callable[..., None]) -> None:
        self._seen("unimap_register_functions", register=register)
        register("recorder_echo", lambda v: v)

    @hookimpl
    def unimap_register_components(self, register: Callable[..., None]) -> None:
        self._seen("unimap_register_components", register=register)

    @hookimpl
    def unimap_register_connectors(self, register: Callable[..., None]) -> None:
        self._seen("unimap_register_connectors", register=register)

    @hookimpl
    def unimap_register_sandboxes(self, register: Callable[..., None]) -> None:
        self._seen("unimap_register_sandboxes", register=register)

    @hookimpl
    def unimap_register_commands(self, cli: click.Group) -> None:
        self._seen("unimap_register_commands", cli=cli)

    @hookimpl
    def unimap_authenticate(
        self, connector: str, auth: dict[str, Any], credentials: dict[str, Any], login: Callable[[str, list[Any]], Any]
    ) -> str | None:
        self._seen("unimap_authenticate", connector=connector, auth=auth, credentials=credentials, login=login)
        return "recorded-session" if auth.get("type") == "hook" else None

    @hookimpl
    def unimap_before_call(self, call: VendorCall) -> None:
        self._seen("unimap_before_call", call=call)

    @hookimpl
    def unimap_after_call(self, call: VendorCall, response: VendorResponse) -> None:
        self._seen("unimap_after_call", call=call, response=response)

    @hookimpl
    def unimap_process_record(
        self, connector: str, model: str, record: dict[str, Any], raw: dict[str, Any], settings: dict[str, Any]
    ) -> None:
        self._seen("unimap_process_record", connector=connector, model=model, record=record, raw=raw, settings=settings)

    @hookimpl
    def unimap_write_source(
        self, connector: str, context: Any, candidate_remote_id: str, source: dict[str, Any], created: bool
    ) -> list[str] | None:
        self._seen(
            "unimap_write_source",
            connector=connector,
            context=context,
            candidate_remote_id=candidate_remote_id,
            source=source,
            created=created,
        )
        return ["source written"]

    @hookimpl
    def unimap_write_gdpr_consent(
        self, connector: str, context: Any, candidate_remote_id: str, consent: dict[str, Any]
    ) -> list[str] | None:
        self._seen(
            "unimap_write_gdpr_consent",
            connector=connector,
            context=context,
            candidate_remote_id=candidate_remote_id,
            consent=consent,
        )
        return ["consent written"]

    @hookimpl
    def unimap_upload_attachment(
        self, connector: str, context: Any, target: dict[str, Any], attachment: dict[str, Any], content: bytes
    ) -> str | None:
        self._seen(
            "unimap_upload_attachment",
            connector=connector,
            context=context,
            target=target,
            attachment=attachment,
            content=content,
        )
        return "doc-1"

    @hookimpl
    def unimap_place_result_link(
        self, connector: str, context: Any, target: dict[str, Any], link: dict[str, Any]
    ) -> list[str] | None:
        self._seen("unimap_place_result_link", connector=connector, context=context, target=target, link=link)
        return ["link placed"]


def documented_arguments() -> dict[str, dict[str, Any]]:
    """Arguments for every hook, shaped as docs/plugins.md describes them."""
    call = VendorCall("acme", "Svc.get", [1])
    context = SimpleNamespace(settings={}, warnings=[], memo={}, call=lambda method, params: None)
    target = {"candidate_remote_id": "c-1"}
    return {
        "unimap_register_functions": {"register": lambda *a, **k: None},
        "unimap_register_components": {"register": lambda category, name, schema, factory=None, **k: None},
        "unimap_register_connectors": {"register": lambda name, spec_dir: None},
        "unimap_register_sandboxes": {"register": lambda connector, factory, default=False: None},
        "unimap_register_commands": {"cli": click.Group("unimap")},
        "unimap_authenticate": {
            "connector": "acme",
            "auth": {"type": "hook"},
            "credentials": {"key": "s"},
            "login": lambda method, params: None,
        },
        "unimap_before_call": {"call": call},
        "unimap_after_call": {"call": call, "response": VendorResponse(200, {"ok": True})},
        "unimap_process_record": {
            "connector": "acme",
            "model": "user",
            "record": {"remote_id": "1"},
            "raw": {"id": 1},
            "settings": {},
        },
        "unimap_write_source": {
            "connector": "acme",
            "context": context,
            "candidate_remote_id": "c-1",
            "source": {"name": "LinkedIn"},
            "created": True,
        },
        "unimap_write_gdpr_consent": {
            "connector": "acme",
            "context": context,
            "candidate_remote_id": "c-1",
            "consent": {"given": True, "expires_at": "2030-01-01T00:00:00Z"},
        },
        "unimap_upload_attachment": {
            "connector": "acme",
            "context": context,
            "target": target,
            "attachment": {"name": "cv.pdf", "type": "CV", "content_type": "application/pdf"},
            "content": b"%PDF",
        },
        "unimap_place_result_link": {
            "connector": "acme",
            "context": context,
            "target": target,
            "link": {"label": "Score", "url": "https://results.example/1"},
        },
    }


def test_the_documented_arguments_match_the_hookspecs() -> None:
    arguments = documented_arguments()
    assert set(arguments) == set(HOOKS)
    for name, kwargs in arguments.items():
        assert list(kwargs) == parameters(name), name


def test_the_recorder_implements_every_hook_and_passes_check_pending() -> None:
    recorder = Recorder()
    pm = make_manager([recorder], entry_points=False)
    implemented = {caller.name for caller in pm.get_hookcallers(recorder) or []}
    assert implemented == set(HOOKS)


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_direct_call(name: str) -> None:
    recorder = Recorder()
    pm = make_manager([recorder], entry_points=False)
    kwargs = documented_arguments()[name]
    options = getattr(HOOKS[name], f"{hookspecs.PROJECT}_spec")
    if options["historic"]:  # registration hooks every later plugin also receives
        getattr(pm.hook, name).call_historic(kwargs=kwargs)
        assert recorder.calls[name] == kwargs
        return
    result = getattr(pm.hook, name)(**kwargs)
    assert recorder.calls[name] == kwargs
    firstresult = options["firstresult"]
    expected = {
        "unimap_authenticate": "recorded-session",
        "unimap_upload_attachment": "doc-1",
        "unimap_write_source": ["source written"],
        "unimap_write_gdpr_consent": ["consent written"],
        "unimap_place_result_link": ["link placed"],
    }
    if firstresult:
        assert result == expected[name]  # the first non-None value, not a list of them
    else:
        assert isinstance(result, list)  # pluggy collects every implementation's return value


class Decliner:
    @hookimpl(tryfirst=True)
    def unimap_place_result_link(self, connector: str) -> list[str] | None:
        return None if connector != "other" else ["from the decliner"]


def test_firstresult_hooks_skip_implementations_that_return_none() -> None:
    pm = make_manager([Recorder(), Decliner()], entry_points=False)
    kwargs = documented_arguments()["unimap_place_result_link"]
    assert pm.hook.unimap_place_result_link(**kwargs) == ["link placed"]
    assert pm.hook.unimap_place_result_link(**{**kwargs, "connector": "other"}) == ["from the decliner"]


# -- registration hooks, through the engine and the CLI -----------------------------------------------------


def shout(value: Any) -> Any:
    """Upper-case a string."""
    return value.upper() if isinstance(value, str) else value


class AcmePlugin:
    """Registers a function and the fixture connector, and post-processes its users."""

    @hookimpl
    def unimap_register_functions(self, register: Callable[..., None]) -> None:
        register("shout", shout, [["any"]])

    @hookimpl
    def unimap_register_connectors(self, register: Callable[..., None]) -> None:
        register("acme", EXTRA / "acme")

    @hookimpl
    def unimap_process_record(
        self, connector: str, model: str, record: dict[str, Any], raw: dict[str, Any], settings: dict[str, Any]
    ) -> None:
        if connector == "acme" and model == "user":
            record["first_name"] = shout(record["first_name"]) or raw.get("login")


RAW_USER = {"id": 7, "first": "ann", "infix": "van", "last": "Dijk", "mail": "Ann@Acme.example", "disabled": False}


def test_register_functions_through_the_engine(clean_env: Path) -> None:
    engine = Engine(config=Config(), plugins=[AcmePlugin()], entry_points=False)
    info = engine.functions.get("shout")
    assert info is not None and info.doc == "Upper-case a string."
    assert engine.loader().functions is engine.functions


def test_register_connectors_through_the_engine(clean_env: Path) -> None:
    engine = Engine(config=Config(), plugins=[AcmePlugin()], entry_points=False)
    assert "acme" in engine.connector_names()
    assert engine.connector("acme").root == EXTRA / "acme"


def test_process_record_through_the_engine(clean_env: Path) -> None:
    engine = Engine(config=Config(), plugins=[AcmePlugin()], entry_points=False)
    record = engine.map_record("acme", "user", RAW_USER)
    assert record["first_name"] == "ANN"
    assert record["last_name"] == "van Dijk"


def test_process_record_sees_the_merged_settings_through_the_engine(clean_env: Path) -> None:
    recorder = Recorder()
    engine = Engine(config=Config(), plugins=[AcmePlugin(), recorder], entry_points=False)
    engine.map_record("acme", "user", RAW_USER, settings={"timezone": "UTC"})
    seen = recorder.calls["unimap_process_record"]
    assert (seen["connector"], seen["model"], seen["raw"]) == ("acme", "user", RAW_USER)
    assert seen["settings"]["timezone"] == "UTC"
    assert seen["settings"]["default_country"] == "NL"
    assert seen["record"]["id"] and seen["record"]["remote_data"] == {"/users": RAW_USER}


COMMAND_PLUGIN = """
import click

from unimap import hookimpl


@click.command("hello-test")
@click.argument("name")
def hello(name):
    click.echo(f"hello {name}")


@hookimpl
def unimap_register_commands(cli):
    cli.add_command(hello)
"""


def test_register_commands_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from unimap.cli.main import cli, main

    (tmp_path / "unimap_test_command_plugin.py").write_text(COMMAND_PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("UNIMAP_PLUGINS", "unimap_test_command_plugin")
    monkeypatch.delitem(sys.modules, "unimap_test_command_plugin", raising=False)
    try:
        with pytest.raises(SystemExit) as exited:
            main(["hello-test", "acme"])
        assert exited.value.code == 0
        assert capsys.readouterr().out == "hello acme\n"
    finally:
        cli.commands.pop("hello-test", None)


# -- transport hooks, through the vendor client --------------------------------------------------------------


RPC = {
    "transport": {"type": "jsonrpc", "base_url": "https://rpc.example", "path": "/rpc"},
    "retry": {"max_attempts": 3, "initial_backoff_seconds": 0, "retry_on_status": [503]},
}


class Vendor:
    """A JSON-RPC vendor behind ``httpx.MockTransport``; fails the first ``failures`` calls with 503."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, Any], httpx.Headers]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append((body, request.headers))
        if body["method"] == "login":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": "session-1"})
        if self.failures:
            self.failures -= 1
            return httpx.Response(503)
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": {"params": body["params"]}})


def client(spec: dict[str, Any], vendor: Vendor, *plugins: object, credentials: dict[str, Any] | None = None) -> Any:
    from unimap.transport.client import VendorClient

    pm = make_manager(list(plugins), entry_points=False)
    credentials = {"api_key": "secret"} if credentials is None else credentials
    return VendorClient(
        "acme", spec, credentials, hook=pm.hook, transport=httpx.MockTransport(vendor), sleep=lambda seconds: None
    )


class TokenPlugin:
    @hookimpl
    def unimap_authenticate(self, connector: str, auth: dict[str, Any], credentials: dict[str, Any]) -> str | None:
        if auth.get("type") != "hook":
            return None
        if not credentials.get("api_key"):
            raise AuthenticationInvalid("no api_key")
        return f"token-for-{connector}"


def test_authenticate_through_the_vendor_client() -> None:
    vendor = Vendor()
    spec = {**RPC, "auth": {"type": "hook", "session_param": 0}}
    assert client(spec, vendor, TokenPlugin()).call("Svc.get", [1]) == {"params": ["token-for-acme", 1]}
    assert [body["method"] for body, _ in vendor.requests] == ["Svc.get"]


def test_authenticate_errors_reach_the_caller_through_the_vendor_client() -> None:
    spec = {**RPC, "auth": {"type": "hook"}}
    with pytest.raises(AuthenticationInvalid, match="no api_key"):
        client(spec, Vendor(), TokenPlugin(), credentials={}).call("Svc.get", [1])


def test_builtin_session_login_through_the_vendor_client() -> None:
    vendor = Vendor()
    spec = {
        **RPC,
        "auth": {
            "type": "session_login",
            "login_method": "login",
            "credential": "api_key",
            "unauthenticated_methods": ["login"],
        },
    }
    recorder = Recorder()  # declines session_login, so the built-in plugin answers
    assert client(spec, vendor, recorder).call("Svc.get", [1]) == {"params": ["session-1", 1]}
    assert vendor.requests[0][0]["method"] == "login"
    assert vendor.requests[0][0]["params"] == ["secret"]
    assert recorder.calls["unimap_authenticate"]["credentials"] == {"api_key": "secret"}


class CallWatcher:
    def __init__(self) -> None:
        self.before: list[tuple[int, list[Any]]] = []
        self.after: list[tuple[str, int]] = []

    @hookimpl
    def unimap_before_call(self, call: VendorCall) -> None:
        self.before.append((call.attempt, list(call.params)))
        call.headers["X-Trace"] = "t-1"

    @hookimpl
    def unimap_after_call(self, call: VendorCall, response: VendorResponse) -> None:
        self.after.append((call.method, response.status))
        response.data = {"wrapped": response.data}


def test_before_and_after_call_through_the_vendor_client() -> None:
    vendor = Vendor()
    watcher = CallWatcher()
    spec = {
        **RPC,
        "auth": {
            "type": "session_login",
            "login_method": "login",
            "credential": "api_key",
            "unauthenticated_methods": ["login"],
        },
    }
    result = client(spec, vendor, watcher).call("Svc.get", [1])
    assert result == {"wrapped": {"params": ["session-1", 1]}}
    assert watcher.before == [(1, [1])]  # the session is not in the params the hook sees
    assert watcher.after == [("Svc.get", 200)]
    assert vendor.requests[-1][1]["x-trace"] == "t-1"


def test_before_call_runs_once_per_attempt_through_the_vendor_client() -> None:
    watcher = CallWatcher()
    spec = {**RPC, "auth": {"type": "none"}}
    client(spec, Vendor(failures=2), watcher).call("Svc.get", [1])
    assert [attempt for attempt, _ in watcher.before] == [1, 2, 3]
    assert watcher.after == [("Svc.get", 200)]  # only the successful attempt


# -- action hooks, through an action run ------------------------------------------------------------------------


@pytest.fixture
def runner(clean_env: Path) -> Callable[[object], Any]:
    from unimap.actions import ActionRunner
    from unimap.store.base import Integration

    def make(plugin: object) -> Any:
        engine = Engine(config=Config(), spec_dirs=[EXTRA], plugins=[plugin], entry_points=False)
        service = SimpleNamespace(engine=engine, store=None)
        return ActionRunner(service, Integration("acme:1", "acme"), client=object())

    return make


def test_place_result_link_through_an_action(runner: Callable[[object], Any]) -> None:
    recorder = Recorder()
    result = runner(recorder).run(
        "add_candidate_result_link", {"candidate_id": "remote:77", "label": "Score", "url": "https://results.example/1"}
    )
    assert result.warnings == ["link placed"]
    seen = recorder.calls["unimap_place_result_link"]
    assert seen["connector"] == "acme"
    assert seen["target"] == {"candidate_remote_id": "77"}
    assert seen["link"] == {"label": "Score", "url": "https://results.example/1"}
    assert seen["context"].settings["default_country"] == "NL"


def test_upload_attachment_through_an_action(runner: Callable[[object], Any]) -> None:
    recorder = Recorder()
    result = runner(recorder).run(
        "add_candidate_attachment",
        {
            "candidate_id": "remote:77",
            "attachment": {"name": "cv.txt", "type": "CV", "content_type": "text/plain", "data": "aGVsbG8="},
        },
    )
    assert result.warnings == []
    seen = recorder.calls["unimap_upload_attachment"]
    assert seen["target"] == {"candidate_remote_id": "77"}
    assert seen["attachment"] == {"name": "cv.txt", "type": "CV", "content_type": "text/plain"}
    assert seen["content"] == b"hello"


def test_write_source_and_gdpr_consent_through_an_action(runner: Callable[[object], Any]) -> None:
    recorder = Recorder()
    result = runner(recorder).run(
        "create_candidate",
        {
            "candidate": {"first_name": "Ann", "last_name": "Dijk", "email_address": "ann@acme.example"},
            "application": {"job_id": "remote:1"},
            "source": {"name": "LinkedIn"},
            "gdpr_consent": {"given": True},
        },
    )
    assert result.warnings == ["source written", "consent written"]
    source = recorder.calls["unimap_write_source"]
    assert (source["candidate_remote_id"], source["source"], source["created"]) == ("c-1", {"name": "LinkedIn"}, True)
    consent = recorder.calls["unimap_write_gdpr_consent"]
    assert (consent["candidate_remote_id"], consent["consent"]) == ("c-1", {"given": True})
