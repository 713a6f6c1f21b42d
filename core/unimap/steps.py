"""Action steps: typed spec components, each with its schema fragment and its runtime.

An action spec lists steps run in order over a context ``{input, refs, steps, settings}``:
``request`` (a vendor call of the connector's transport), ``check`` (stop with a Kombo error),
``set`` (compute a value), ``hook`` (plugin code), ``warn`` (a warning in the response) and
``attachments`` (upload a set of files, through a request or a plugin hook, with retries).
Every step may have ``when`` (skipped when false) and ``id`` (its value lands in ``steps.<id>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from unimap.registry import BuildEnv, expression, obj, template

__all__ = [
    "AttachmentsStep",
    "CheckStep",
    "HookStep",
    "RequestStep",
    "SetStep",
    "Step",
    "StepRun",
    "WarnStep",
    "register_step_components",
]

#: keys every step may have besides its own (the rest of a request step is its request)
COMMON_KEYS = ("type", "id", "when", "description")
REQUEST_STEP_KEYS = (*COMMON_KEYS, "result", "not_found")


class StepRun(Protocol):
    """What a step's runtime uses of the running action (implemented by the action runner)."""

    def search(self, expression: Any, data: Mapping[str, Any]) -> Any: ...

    def render(self, template: Any, data: Mapping[str, Any]) -> str: ...

    def request(self, step: RequestStep, ctx: dict[str, Any]) -> Any: ...

    def hook(self, step: HookStep, args: dict[str, Any]) -> list[str] | None: ...

    def warn(self, message: str) -> None: ...

    def attach(self, step: AttachmentsStep, items: list[dict[str, Any]], target: dict[str, Any]) -> None: ...

    def fail(self, code: str, message: str, field: str | None) -> Exception: ...


@dataclass(frozen=True)
class Step:
    """What every step has: an optional ``id`` and ``when``."""

    kind: str
    id: str | None
    when: Any  # Expression | None

    def run(self, run: StepRun, ctx: dict[str, Any]) -> None:
        """Run the step (its value, if any, goes to ``ctx['steps'][id]``)."""
        raise NotImplementedError

    def _keep(self, ctx: dict[str, Any], value: Any) -> None:
        if self.id:
            ctx["steps"][self.id] = value


@dataclass(frozen=True)
class RequestStep(Step):
    """A vendor request; ``result`` picks its value from the response ``{body, headers, status}``."""

    request: Any
    result: Any = None
    not_found: str | None = None

    def run(self, run: StepRun, ctx: dict[str, Any]) -> None:
        """Send the request and keep its result."""
        self._keep(ctx, run.request(self, ctx))


@dataclass(frozen=True)
class CheckStep(Step):
    """Stop with Kombo error ``error`` when ``assert`` is false."""

    condition: Any
    error: str
    message: Any  # Template

    def run(self, run: StepRun, ctx: dict[str, Any]) -> None:
        """Raise the step's error unless its condition holds."""
        if not run.search(self.condition, ctx):
            raise run.fail(self.error, run.render(self.message, ctx), self.id)


@dataclass(frozen=True)
class SetStep(Step):
    """``steps.<id>`` = an expression's value."""

    value: Any

    def run(self, run: StepRun, ctx: dict[str, Any]) -> None:
        """Compute and keep the value."""
        self._keep(ctx, run.search(self.value, ctx))


@dataclass(frozen=True)
class HookStep(Step):
    """Call plugin hook ``unimap_<hook>`` with ``args``; the warnings it returns join the response."""

    hook: str
    args: Any

    def run(self, run: StepRun, ctx: dict[str, Any]) -> None:
        """Call the hook."""
        self._keep(ctx, run.hook(self, run.search(self.args, ctx) or {}))


@dataclass(frozen=True)
class WarnStep(Step):
    """Add a warning to the response."""

    message: Any  # Template

    def run(self, run: StepRun, ctx: dict[str, Any]) -> None:
        """Add the warning."""
        run.warn(run.render(self.message, ctx))


@dataclass(frozen=True)
class AttachmentsStep(Step):
    """Upload a set of attachments to ``target``, retrying failed ones; what still fails is kept pending.

    With ``upload`` (a request of the connector's transport) each attachment is one request whose
    expressions see ``{attachment, target, settings}`` (``attachment.content_base64`` is the file);
    without it the ``unimap_upload_attachment`` plugin hook uploads.
    """

    items: Any
    target: Any
    max_attempts: int = 3
    upload: Any = None  # request template
    result: Any = None  # Expression over the upload response → the attachment's remote id

    def run(self, run: StepRun, ctx: dict[str, Any]) -> None:
        """Upload every item."""
        items = run.search(self.items, ctx) or []
        target = run.search(self.target, ctx) or {}
        run.attach(self, list(items), dict(target))


# -- factories --------------------------------------------------------------------------------------


def _common(config: Mapping[str, Any], env: BuildEnv) -> dict[str, Any]:
    return {"kind": str(config["type"]), "id": config.get("id"), "when": env.expr(config.get("when"))}


def _request_template(config: Mapping[str, Any], env: BuildEnv) -> Any:
    request = {k: v for k, v in config.items() if k not in REQUEST_STEP_KEYS}
    request["type"] = env.options.get("transport", "rest")
    return env.build("request", request)


def build_request_step(config: Mapping[str, Any], *, env: BuildEnv) -> RequestStep:
    """The ``request`` step (alias ``call``)."""
    return RequestStep(
        **{**_common(config, env), "kind": "request"},
        request=_request_template(config, env),
        result=env.expr(config.get("result")),
        not_found=config.get("not_found"),
    )


def build_check_step(config: Mapping[str, Any], *, env: BuildEnv) -> CheckStep:
    """The ``check`` step."""
    return CheckStep(
        **_common(config, env),
        condition=env.expr(config["assert"]),
        error=str(config["error"]),
        message=env.template(config.get("message") or config["error"]),
    )


def build_set_step(config: Mapping[str, Any], *, env: BuildEnv) -> SetStep:
    """The ``set`` step."""
    return SetStep(**_common(config, env), value=env.expr(config["value"]))


def build_hook_step(config: Mapping[str, Any], *, env: BuildEnv) -> HookStep:
    """The ``hook`` step."""
    return HookStep(**_common(config, env), hook=str(config["hook"]), args=env.expr(config.get("args")))


def build_warn_step(config: Mapping[str, Any], *, env: BuildEnv) -> WarnStep:
    """The ``warn`` step."""
    return WarnStep(**_common(config, env), message=env.template(config["message"]))


def build_attachments_step(config: Mapping[str, Any], *, env: BuildEnv) -> AttachmentsStep:
    """The ``attachments`` step."""
    upload = config.get("upload")
    return AttachmentsStep(
        **_common(config, env),
        items=env.expr(config["items"]),
        target=env.expr(config["target"]),
        max_attempts=int(config.get("max_attempts", 3)),
        upload=_request_template(upload, env) if upload else None,
        result=env.expr(config.get("result")),
    )


# -- schema fragments ---------------------------------------------------------------------------------

_ID = {
    "type": "string",
    "pattern": "^[a-z][a-z0-9_]*$",
    "title": "Id",
    "description": "Names the step's value: later steps read it as `steps.<id>`.",
    "examples": ["candidate"],
}
_WHEN = expression(
    "When",
    "The step runs only when this is truthy (an expression over the action context).",
    ["input.gdpr_consent", "!(steps.existing)"],
)
_DESCRIPTION = {
    "type": "string",
    "title": "Description",
    "description": "Why the step is there.",
    "examples": ["The vendor must know the job."],
}
_CODES = [
    "ATS.JOB_CLOSED",
    "ATS.APPLICATION_ALREADY_EXISTS",
    "PLATFORM.INPUT_INVALID",
    "INTEGRATION.ACTION_NOT_AVAILABLE",
    "PLATFORM.UNKNOWN_ERROR",
]
_CODE = {
    "type": "string",
    "pattern": "^[A-Z]+\\.[A-Z_]+$",
    "title": "Kombo error code",
    "description": "The error code the action answers with.",
    "examples": _CODES[:3],
}


def _step(
    title: str, description: str, example: dict[str, Any], properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return obj(
        title,
        description,
        [example],
        {"id": _ID, "when": _WHEN, "description": _DESCRIPTION, **properties},
        required=required,
    )


def register_step_components(register: Callable[..., None]) -> None:
    """Register the built-in action steps."""
    request = _step(
        "Request step",
        "A vendor request of the connector's transport; `result` picks the value kept "
        "as `steps.<id>` from the response `{body, headers, status}` (default: the body).",
        {
            "type": "request",
            "id": "candidate",
            "method": "POST",
            "path": "/v3/candidates",
            "json": "{first_name: input.candidate.first_name}",
            "result": "body.candidate.id",
        },
        {
            "result": expression("Result", "The value kept from the response.", ["body.id", "body.listOutput[0].uid"]),
            "not_found": {
                **_CODE,
                "description": "The error code when the vendor says the record does "
                "not exist (a 404, or a JSON-RPC error).",
            },
        },
        [],
    )
    request["x-unimap-extends"] = "request"
    register("step", "request", request, build_request_step, summary="A vendor request.", aliases=["call"])
    register(
        "step",
        "check",
        _step(
            "Check step",
            "Stops the action with a Kombo error when `assert` is false; nothing after it runs.",
            {
                "type": "check",
                "assert": "steps.job",
                "error": "PLATFORM.INPUT_INVALID",
                "message": "No job {refs.job}.",
            },
            {
                "assert": expression("Assert", "Must be truthy to go on.", ["!(steps.duplicate)"]),
                "error": _CODE,
                "message": template("Message", "The error message.", ["Job {refs.job} is closed."]),
            },
            ["assert", "error"],
        ),
        build_check_step,
        summary="Stop with a Kombo error unless a condition holds.",
    )
    register(
        "step",
        "set",
        _step(
            "Set step",
            "Computes `steps.<id>` from earlier values.",
            {"type": "set", "id": "uid", "value": "steps.existing || steps.created"},
            {"value": expression("Value", "The value.", ["steps.existing || steps.created"])},
            ["id", "value"],
        ),
        build_set_step,
        summary="Compute a value.",
    )
    register(
        "step",
        "hook",
        _step(
            "Hook step",
            "Calls plugin hook `unimap_<hook>(connector, context, **args)`; the warnings it returns join the response.",
            {"type": "hook", "hook": "write_source", "args": "{candidate_remote_id: steps.uid}"},
            {
                "hook": {
                    "type": "string",
                    "pattern": "^[a-z][a-z0-9_]*$",
                    "title": "Hook",
                    "description": "The hook name without `unimap_`.",
                    "examples": ["write_source", "write_gdpr_consent"],
                },
                "args": expression(
                    "Arguments", "An object of keyword arguments.", ["{candidate_remote_id: steps.uid}"]
                ),
            },
            ["hook"],
        ),
        build_hook_step,
        summary="Call a plugin hook.",
    )
    register(
        "step",
        "warn",
        _step(
            "Warn step",
            "Adds a warning to the response.",
            {"type": "warn", "when": "input.sourced_by", "message": "sourced_by is not written."},
            {"message": template("Message", "The warning.", ["sourced_by is not written."])},
            ["message"],
        ),
        build_warn_step,
        summary="Add a warning.",
    )
    register(
        "step",
        "attachments",
        _step(
            "Attachments step",
            "Uploads a set of attachments to `target`, retrying failed ones with backoff; those "
            "still failing are kept for `unimap retry-attachments` and named in a warning.",
            {"type": "attachments", "items": "input.attachments", "target": "{application_remote_id: steps.app}"},
            {
                "items": expression("Items", "The unified attachments.", ["input.attachments || `[]`"]),
                "target": expression(
                    "Target",
                    "Where they go: `candidate_remote_id` and/or `application_remote_id`.",
                    ["{candidate_remote_id: steps.uid}"],
                ),
                "max_attempts": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 10,
                    "title": "Attempts",
                    "description": "Rounds over the failed attachments.",
                    "examples": [3],
                },
                "upload": {
                    "x-unimap-component": "request",
                    "title": "Upload request",
                    "description": "One request per attachment, seeing `{attachment, target, settings, input, steps}` "
                    "(`attachment.content_base64`, `.name`, `.type`, `.content_type`); without it the "
                    "`upload_attachment` plugin hook uploads.",
                    "examples": [
                        {
                            "method": "POST",
                            "path": "/v3/attachments",
                            "json": "{filename: attachment.name, content: attachment.content_base64}",
                        }
                    ],
                },
                "result": expression(
                    "Result", "The uploaded attachment's remote id in the upload response.", ["body.id"]
                ),
            },
            ["items", "target"],
        ),
        build_attachments_step,
        summary="Upload a set of attachments.",
    )
