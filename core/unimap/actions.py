"""Write actions: validate the input, resolve ids, run the spec's steps, return Kombo's shape.

Nothing reaches the vendor before the input validated, every referenced id resolved and
every attachment's content loaded. Attachments are uploaded as a set with bounded retries;
what still fails becomes a warning and a pending attachment for ``unimap retry-attachments``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from unimap import context, unified
from unimap.assemble import Assembler
from unimap.attachments import FetchPolicy, load_content
from unimap.context import MappingContext
from unimap.errors import (
    ActionError,
    ApplicationAlreadyExists,
    ConfigError,
    InputInvalid,
    JobClosed,
    RemoteError,
    RemoteInputInvalid,
    RemoteUnavailable,
    UnimapError,
)
from unimap.expressions import Expression, Template
from unimap.jsoninput import check_value
from unimap.schemaerrors import field_path, problems
from unimap.sources import request_name
from unimap.steps import AttachmentsStep, HookStep, RequestStep
from unimap.store.base import Integration
from unimap.timeutil import utc_now
from unimap.transport.client import VendorClient
from unimap.transport.request import Request
from unimap.transport.retry import RetryPolicy

log = logging.getLogger("unimap.actions")
#: waits between rounds of an attachment set (the transport's own retries happen inside each round)
ATTACHMENT_BACKOFF = RetryPolicy(initial_backoff=0.5, max_backoff=8.0)
ERRORS: dict[str, type[UnimapError]] = {
    "ATS.JOB_CLOSED": JobClosed,
    "ATS.APPLICATION_ALREADY_EXISTS": ApplicationAlreadyExists,
    "PLATFORM.INPUT_INVALID": InputInvalid,
}


@dataclass
class ActionContext:
    """What hooks get: the integration, its settings, a vendor client, the store and a memo."""

    integration: Integration
    settings: dict[str, Any]
    client: VendorClient
    store: Any
    warnings: list[str] = field(default_factory=list)
    memo: dict[Any, Any] = field(default_factory=dict)

    def call(self, method: str, params: list[Any] | None = None, *, write: bool = False) -> Any:
        """A JSON-RPC call through the integration's client (``write``: never repeated when its outcome is unknown)."""
        return self.client.call(method, params, write=write)

    def send(self, request: Request) -> Any:
        """Any request of the connector's transport; returns the :class:`~unimap.transport.request.Response`."""
        return self.client.send(request)

    @property
    def upload(self) -> Any:
        """The client's file upload (for plugins whose vendor takes files on a separate endpoint)."""
        return self.client.upload


@dataclass
class ActionResult:
    """An action's ``data`` and ``warnings``."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def envelope(self) -> dict[str, Any]:
        """Kombo's success envelope."""
        return {"status": "success", "data": self.data, "warnings": [{"message": w} for w in self.warnings]}


def validation_errors(action: str, payload: Any) -> list[tuple[str, str]]:
    """``(field, message)`` for every problem of ``payload`` against the action's input schema."""
    found = {(field_path(p), p.message) for p in problems(unified.validator("actions", action).iter_errors(payload))}
    return sorted(found)


def _error(code: str, message: str, field: str | None = None) -> UnimapError:
    """The exception for an error ``code`` of a step (``InputInvalid`` takes ``fields``, not ``code``)."""
    cls = ERRORS.get(code, ActionError)
    if issubclass(cls, InputInvalid):
        return cls(message, fields=[field] if field else [])
    return cls(message, code=code)


class ActionRunner:
    """Runs one connector's action specs for one integration."""

    def __init__(
        self, service: Any, integration: Integration, *, client: VendorClient | None = None, sleep: Any = time.sleep
    ) -> None:
        self.service = service
        self.engine = service.engine
        self.store = service.store
        self.integration = integration
        self.specs = self.engine.connector(integration.connector)
        self.settings = self.engine.settings(integration.connector, integration.settings)
        self.client = client or service.client(integration)
        self._owns_client = client is None
        self._sleep = sleep
        self._action_ctx = ActionContext(integration, self.settings, self.client, self.store)
        self._contents: dict[int, tuple[bytes, str]] = {}
        self._input: Any = {}
        self._steps: dict[str, Any] = {}

    def close(self) -> None:
        """Close the vendor client if the runner opened it."""
        if self._owns_client:
            self.client.close()

    def _mapping(self) -> MappingContext:
        return MappingContext(self.integration.id, self.settings)

    def _search(self, expression: Expression | None, data: dict[str, Any]) -> Any:
        if expression is None:
            return None
        with context.mapping_context(self._mapping()):
            return expression.search(data)

    # -- what steps use (unimap.steps.StepRun) ------------------------------------------------

    def search(self, expression: Any, data: Any) -> Any:
        """Evaluate an expression of the action spec."""
        return self._search(expression, data)

    def render(self, template: Template | None, data: Any) -> str:
        """Render a message template of the action spec."""
        if template is None:
            return ""
        with context.mapping_context(self._mapping()):
            return template.render(data)

    def request(self, step: RequestStep, ctx: dict[str, Any]) -> Any:
        """Send a request step; a vendor's "not found" becomes the step's ``not_found`` error."""
        with context.mapping_context(self._mapping()):
            request = step.request.build(ctx)
        try:
            response = self.client.send(request)
        except RemoteError as exc:
            if exc.code in ERRORS:  # an error rule named a Kombo code: raise its own class
                raise _error(exc.code, exc.message, step.id) from None
            if step.not_found and isinstance(exc, RemoteInputInvalid):
                raise _error(step.not_found, f"{step.id}: {exc.message}", step.id) from None
            raise
        view = response.view()
        return self._search(step.result, view) if step.result is not None else view["body"]

    def hook(self, step: HookStep, args: dict[str, Any]) -> list[str] | None:
        """Call the step's plugin hook with the action context."""
        caller = getattr(self.engine.hook, f"unimap_{step.hook}", None)
        if caller is None:
            raise ConfigError(f"no hook unimap_{step.hook} (action step {step.id or step.hook})")
        warnings = caller(connector=self.specs.name, context=self._action_ctx, **args)
        self._action_ctx.warnings.extend(warnings or [])
        return warnings

    def warn(self, message: str) -> None:
        """Add a warning to the response."""
        self._action_ctx.warnings.append(message)

    def fail(self, code: str, message: str, field: str | None) -> Exception:
        """The exception for a failed check."""
        return _error(code, message, field)

    # -- entry point --------------------------------------------------------------------------

    def run(self, action: str, payload: Any) -> ActionResult:
        """Validate ``payload``, run the action, and return its data and warnings."""
        spec = self.specs.actions.get(action)
        if spec is None:
            raise ConfigError(
                f"the {action} action is not available for the {self.specs.name} connector "
                f"(its actions: {', '.join(sorted(self.specs.actions)) or 'none'})",
                code="INTEGRATION.ACTION_NOT_AVAILABLE",
            )
        check_value(payload, "(input)")  # the Python API gets the depth and text checks the CLI and HTTP get
        problems = validation_errors(action, payload)
        if problems:
            raise InputInvalid(
                "; ".join(f"{path}: {message}" for path, message in problems), fields=[p for p, _ in problems]
            )
        refs = self._resolve_refs(spec.file, payload)
        contents = self._load_attachments(payload)
        marker = self._marker(action, payload)
        earlier = self.store.checkpoint(self.integration.id, marker)["run"] if self.store is not None else None
        ctx: dict[str, Any] = {
            "input": payload,
            "steps": {},
            "settings": self.settings,
            "refs": refs,
            "retry": {"unknown_outcome": bool(earlier)},
        }
        self._action_ctx = ActionContext(self.integration, self.settings, self.client, self.store)
        self._contents = contents
        self._input, self._steps = payload, ctx["steps"]
        try:
            for step in spec.typed_steps:
                if step.when is not None and not self._search(step.when, ctx):
                    continue
                step.run(self, ctx)
        except RemoteUnavailable as exc:
            if "outcome is unknown" in exc.message and self.store is not None:
                self._remember_unknown_outcome(action, marker, payload, contents, exc)
            raise
        data = self._respond(spec.file, ctx)
        if earlier:
            self._forget_unknown_outcome(marker)
        return ActionResult(data, self._action_ctx.warnings)

    # -- unknown outcomes ---------------------------------------------------------------------

    @staticmethod
    def _marker(action: str, payload: Any) -> str:
        """The checkpoint key of an action call: the action and its exact input."""
        digest = hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
        return f"action:{action}:{digest[:32]}"

    def _remember_unknown_outcome(
        self, action: str, marker: str, payload: Any, contents: dict[int, tuple[bytes, str]], error: RemoteUnavailable
    ) -> None:
        """A write's answer was lost: the same call again completes what it created, and no file is lost.

        The attachments are kept pending (``unimap retry-attachments`` names them) until the
        repeated action attaches them; the spec sees ``retry.unknown_outcome`` on that repeat.
        """
        found = [*(payload.get("attachments") or []), *([payload["attachment"]] if payload.get("attachment") else [])]
        pending = []
        for attachment in found:
            content, content_type = contents[id(attachment)]
            stored = {k: v for k, v in attachment.items() if k != "data_url"}
            stored.update(data=base64.b64encode(content).decode(), content_type=content_type)
            pending.append(
                self.store.add_pending_attachment(
                    self.integration.id, {"unknown_outcome": marker}, stored, error.message
                )
            )
        with self.store.transaction() as db:
            self.store.set_checkpoint(
                self.integration.id,
                marker,
                cursor=None,
                run={"action": action, "at": utc_now(), "pending": pending},
                db=db,
            )

    def _forget_unknown_outcome(self, marker: str) -> None:
        """The repeated action completed: its pending copies of the attachments are done."""
        for row in self.store.pending_attachments(self.integration.id):
            if (row["target"] or {}).get("unknown_outcome") == marker:
                self.store.finish_pending_attachment(row["id"])
        with self.store.transaction() as db:
            self.store.set_checkpoint(self.integration.id, marker, cursor=None, run=None, db=db)

    # -- preparation ----------------------------------------------------------------------------

    def _resolve_refs(self, file: Any, payload: dict[str, Any]) -> dict[str, Any]:
        refs: dict[str, Any] = {}
        for name, ref in (file.data.get("refs") or {}).items():
            value = self._search(file.expr("refs", name, "id"), {"input": payload})
            source = str(ref.get("id") or "")
            field = source.removeprefix("input.") if re.fullmatch(r"input(\.\w+)+", source) else name
            if value in (None, ""):
                if ref.get("required"):
                    raise InputInvalid(f"{field}: an id is required", fields=[field])
                refs[name] = None
                continue
            value = str(value)
            if value.startswith("remote:"):
                refs[name] = value[len("remote:") :]
                continue
            record = self.store.get(self.integration.id, ref["model"], id=value)
            if record is None:
                raise InputInvalid(
                    f"{field}: no {ref['model']} with id {value!r} in the synced data "
                    f"(sync first, or pass remote:<id>)",
                    fields=[field],
                )
            refs[name] = record["remote_id"]
        return refs

    def _load_attachments(self, payload: dict[str, Any]) -> dict[int, tuple[bytes, str]]:
        policy = FetchPolicy.from_settings(self.settings)
        contents: dict[int, tuple[bytes, str]] = {}
        found = [(f"attachments[{i}]", a) for i, a in enumerate(payload.get("attachments") or [])]
        if isinstance(payload.get("attachment"), dict):
            found.append(("attachment", payload["attachment"]))
        for name, attachment in found:
            contents[id(attachment)] = load_content(attachment, name, policy)
        return contents

    # -- steps -------------------------------------------------------------------------------------

    def attach(self, step: AttachmentsStep, items: list[dict[str, Any]], target: dict[str, Any]) -> None:
        """The attachments step: upload ``items`` to ``target`` as a set."""
        self.attach_all(items, target, self._action_ctx, self._contents, step.max_attempts, upload=step)

    def _upload(
        self,
        step: AttachmentsStep | None,
        action_ctx: ActionContext,
        target: dict[str, Any],
        attachment: dict[str, Any],
        content: bytes,
    ) -> str | None:
        """One attachment through the step's upload request, else through the plugin hook."""
        if step is not None and step.upload is not None:
            data = {
                "attachment": {
                    **attachment,
                    "content_base64": base64.b64encode(content).decode(),
                    "content": content,
                    "size": len(content),
                },
                "target": target,
                "settings": self.settings,
                "input": self._input,
                "steps": self._steps,
            }
            with context.mapping_context(self._mapping()):
                request = step.upload.build(data)
            view = self.client.send(request).view()
            found = self._search(step.result, view) if step.result is not None else view["body"]
            return None if found in (None, "") else str(found if not isinstance(found, dict) else found.get("id"))
        remote_id = self.engine.hook.unimap_upload_attachment(
            connector=self.specs.name, context=action_ctx, target=target, attachment=attachment, content=content
        )
        return None if remote_id is None else str(remote_id)

    def attach_all(
        self,
        items: list[dict[str, Any]],
        target: dict[str, Any],
        action_ctx: ActionContext,
        contents: dict[int, tuple[bytes, str]],
        max_attempts: int = 3,
        *,
        remember: bool = True,
        upload: AttachmentsStep | None = None,
    ) -> list[int]:
        """Upload attachments as a set, retrying the failed ones with backoff; returns the indices attached.

        What still fails after ``max_attempts`` becomes a warning and, when ``remember``, a
        pending attachment for ``unimap retry-attachments``.
        """
        pending = dict(enumerate(items))
        errors: dict[int, str] = {}
        for attempt in range(1, max_attempts + 1):
            for i, attachment in list(pending.items()):
                content, content_type = contents[id(attachment)]
                unified_attachment = {k: v for k, v in attachment.items() if k not in ("data", "data_url")}
                unified_attachment["content_type"] = content_type
                try:
                    remote_id = self._upload(upload, action_ctx, target, unified_attachment, content)
                except RemoteError as exc:
                    errors[i] = exc.message
                    continue
                if remote_id is None:
                    errors[i] = "no plugin uploads attachments for this connector"
                    continue
                del pending[i]
            if not pending:
                break
            if attempt < max_attempts:
                self._sleep(ATTACHMENT_BACKOFF.backoff(attempt))
        for i, attachment in pending.items():
            if remember:
                content, content_type = contents[id(attachment)]
                stored = {k: v for k, v in attachment.items() if k != "data_url"}
                stored.update(data=base64.b64encode(content).decode(), content_type=content_type)
                self.store.add_pending_attachment(self.integration.id, target, stored, errors.get(i))
                hint = f" It was kept; run `unimap retry-attachments {self.integration.id}` to attach it."
            else:
                hint = ""
            action_ctx.warnings.append(
                f"Attachment {attachment.get('name')!r} could not be attached after "
                f"{max_attempts} attempt(s): {errors.get(i)}.{hint}"
            )
        return [i for i in range(len(items)) if i not in pending]

    # -- response -----------------------------------------------------------------------------------

    def _respond(self, file: Any, ctx: dict[str, Any]) -> dict[str, Any]:
        response = file.data["response"]
        if response["type"] == "empty":
            return {}
        records: list[tuple[str, Any]] = [(response["model"], self._search(file.expr("response", "remote_id"), ctx))]
        for i, related in enumerate(response.get("related") or []):
            records.append((related["model"], self._search(file.expr("response", "related", i, "remote_id"), ctx)))
        stored: dict[str, dict[str, Any]] = {}
        for model, remote_id in records:
            if remote_id in (None, ""):
                continue
            record = self.fetch_and_store(model, str(remote_id))
            if response.get("track", True):
                self.store.track(self.integration.id, model, str(remote_id))
            stored.setdefault(model, record)
        main = stored.get(response["model"])
        if main is None:
            raise RemoteError("the vendor did not return the created record")
        assembler = Assembler(
            self.store, self.integration.id, stage_position=self.engine.stage_position(self.integration.connector)
        )
        if response["model"] == "application":
            application = assembler.assemble("application", [dict(main)])[0]
            candidate = self.store.get(self.integration.id, "candidate", id=application.get("candidate_id"))
            if candidate is not None:
                candidate = assembler.assemble("candidate", [candidate])[0]
                candidate.pop("applications", None)
            stage = application.get("current_stage")
            application["current_stage"] = (
                None
                if stage is None
                else {
                    "id": stage["id"],
                    "name": stage.get("name"),
                    "remote_id": stage.get("remote_id"),
                    "index": stage.get("index"),
                }
            )
            application["candidate"] = candidate
            application.pop("interviews", None)
            application.pop("offers", None)
            return application
        return assembler.assemble(response["model"], [dict(main)])[0]

    def fetch_and_store(self, model: str, remote_id: str) -> dict[str, Any]:
        """Fetch one record through the model's detail request, map it, and store it."""
        spec = self.specs.models.get(model)
        if spec is None or spec.detail is None:
            raise ConfigError(f"model {model!r} has no detail request to fetch created records")
        source = spec.component
        variables = getattr(getattr(source, "list", source), "vars", {})
        data = {"remote_id": remote_id, "settings": self.settings, "vars": variables}
        with context.mapping_context(self._mapping()):
            request = spec.detail.request.build(data)
        view = self.client.send(request).view()
        raw = self._search(spec.detail.record, view) if spec.detail.record is not None else view["body"]
        if not isinstance(raw, dict):
            raise RemoteError(f"{request.label}: no record for {remote_id}", call=request.label)
        record = self.engine.mapper(self.specs.name, model).map(raw, self._mapping())
        record["remote_data"] = {request_name(spec.detail.request, request, self.settings) or spec.remote_data_key: raw}
        with self.store.transaction() as db:
            self.store.upsert(self.integration.id, model, [(record, None)], seen_sync=None, now=utc_now(), db=db)
        return self.store.get(self.integration.id, model, id=record["id"]) or record

    # -- later retries --------------------------------------------------------------------------------

    def _attachments_step(self, action: str | None) -> AttachmentsStep | None:
        """The attachments step that uploads for this connector (the action's own, else any with an upload)."""
        specs = [self.specs.actions[action]] if action in self.specs.actions else list(self.specs.actions.values())
        for spec in specs:
            for step in spec.typed_steps:
                if isinstance(step, AttachmentsStep) and step.upload is not None:
                    return step
        return None

    def retry_pending(self, max_attempts: int = 3) -> tuple[int, list[str]]:
        """Attach every pending attachment of the integration; returns (attached, warnings)."""
        attached = 0
        action_ctx = ActionContext(self.integration, self.settings, self.client, self.store)
        for row in self.store.pending_attachments(self.integration.id):
            if (row["target"] or {}).get("unknown_outcome"):
                action_ctx.warnings.append(
                    f"Attachment {row['attachment'].get('name')!r} waits for an action whose "
                    "answer was lost; send the same action again to complete it."
                )
                continue
            item = row["attachment"]
            content = base64.b64decode(item["data"])
            contents = {id(item): (content, item.get("content_type") or "application/octet-stream")}
            step = self._attachments_step(row.get("action"))
            if self.attach_all([item], row["target"], action_ctx, contents, max_attempts, remember=False, upload=step):
                attached += 1
                self.store.finish_pending_attachment(row["id"])
        return attached, action_ctx.warnings
