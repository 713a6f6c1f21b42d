"""Write actions: validate the input, resolve ids, run the spec's steps, return Kombo's shape.

Nothing reaches the vendor before the input validated, every referenced id resolved and
every attachment's content loaded. Attachments are uploaded as a set with bounded retries;
what still fails becomes a warning and a pending attachment for ``unimap retry-attachments``.
"""

from __future__ import annotations

import base64
import logging
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

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
    UnimapError,
)
from unimap.expressions import Expression
from unimap.store.base import Integration
from unimap.store.sqlite import utc_now
from unimap.transport.client import VendorClient

log = logging.getLogger("unimap.actions")
ERRORS: dict[str, type[UnimapError]] = {"ATS.JOB_CLOSED": JobClosed, "ATS.APPLICATION_ALREADY_EXISTS":
                                        ApplicationAlreadyExists, "PLATFORM.INPUT_INVALID": InputInvalid}
_PLACEHOLDER = re.compile(r"\{([a-zA-Z_][\w.]*)\}")


@dataclass
class ActionContext:
    """What hooks get: the integration, its settings, a vendor client, the store and a memo."""

    integration: Integration
    settings: dict[str, Any]
    client: VendorClient
    store: Any
    warnings: list[str] = field(default_factory=list)
    memo: dict[Any, Any] = field(default_factory=dict)

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """A vendor call through the integration's client."""
        return self.client.call(method, params)


@dataclass
class ActionResult:
    """An action's ``data`` and ``warnings``."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def envelope(self) -> dict[str, Any]:
        """Kombo's success envelope."""
        return {"status": "success", "data": self.data, "warnings": [{"message": w} for w in self.warnings]}


def _field_path(error: ValidationError) -> str:
    parts = [str(p) if isinstance(p, str) else f"[{p}]" for p in error.absolute_path]
    text = ".".join(parts).replace(".[", "[")
    if error.validator == "required" and "'" in error.message:
        missing = error.message.split("'")[1]
        text = f"{text}.{missing}" if text else missing
    return text or "(body)"


def validation_errors(action: str, payload: Any) -> list[tuple[str, str]]:
    """``(field, message)`` for every problem of ``payload`` against the action's input schema."""
    problems: list[tuple[str, str]] = []
    for error in unified.validator("actions", action).iter_errors(payload):
        chosen = best_match(error.context) if error.validator in ("oneOf", "anyOf") and error.context else error
        chosen = chosen or error
        message = chosen.message if len(chosen.message) < 300 else chosen.message[:297] + "..."
        if chosen.validator == "not" and chosen.schema.get("title"):
            message = str(chosen.schema["title"])
        problems.append((_field_path(chosen), message))
    return sorted(set(problems))


def _error(code: str, message: str, field: str | None = None) -> UnimapError:
    """The exception for an error ``code`` of a step (``InputInvalid`` takes ``fields``, not ``code``)."""
    cls = ERRORS.get(code, ActionError)
    if issubclass(cls, InputInvalid):
        return cls(message, fields=[field] if field else [])
    return cls(message, code=code)


def _format(message: str, ctx: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        current: Any = ctx
        for part in match.group(1).split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return str(current)

    return _PLACEHOLDER.sub(value, message)


class ActionRunner:
    """Runs one connector's action specs for one integration."""

    def __init__(self, service: Any, integration: Integration, *, client: VendorClient | None = None,
                 sleep: Any = time.sleep) -> None:
        self.service = service
        self.engine = service.engine
        self.store = service.store
        self.integration = integration
        self.specs = self.engine.connector(integration.connector)
        self.settings = self.engine.settings(integration.connector, integration.settings)
        self.client = client or service.client(integration)
        self._owns_client = client is None
        self._sleep = sleep

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

    # -- entry point --------------------------------------------------------------------------

    def run(self, action: str, payload: Any) -> ActionResult:
        """Validate ``payload``, run the action, and return its data and warnings."""
        spec = self.specs.actions.get(action)
        if spec is None:
            raise ConfigError(f"connector {self.specs.name!r} has no action {action!r} "
                              f"(known: {', '.join(sorted(self.specs.actions))})",
                              code="INTEGRATION.ACTION_NOT_AVAILABLE")
        problems = validation_errors(action, payload)
        if problems:
            raise InputInvalid("; ".join(f"{path}: {message}" for path, message in problems),
                               fields=[p for p, _ in problems])
        refs = self._resolve_refs(spec.file, payload)
        contents = self._load_attachments(payload)
        ctx: dict[str, Any] = {"input": payload, "steps": {}, "settings": self.settings, "refs": refs}
        action_ctx = ActionContext(self.integration, self.settings, self.client, self.store)
        for index, step in enumerate(spec.steps):
            if "when" in step and not self._search(spec.file.expr("steps", index, "when"), ctx):
                continue
            self._step(spec.file, index, step, ctx, action_ctx, contents)
        data = self._respond(spec.file, ctx)
        return ActionResult(data, action_ctx.warnings)

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
                refs[name] = value[len("remote:"):]
                continue
            record = self.store.get(self.integration.id, ref["model"], id=value)
            if record is None:
                raise InputInvalid(f"{field}: no {ref['model']} with id {value!r} in the synced data "
                                   f"(sync first, or pass remote:<id>)", fields=[field])
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

    def _step(self, file: Any, index: int, step: dict[str, Any], ctx: dict[str, Any], action_ctx: ActionContext,
              contents: dict[int, tuple[bytes, str]]) -> None:
        kind = step["type"]
        expr = lambda key: file.expr("steps", index, key)  # noqa: E731
        if kind == "call":
            method = step["method"]
            for name, value in self.settings.items():
                method = method.replace("{settings." + name + "}", str(value))
            params = self._search(expr("params"), ctx)
            try:
                result = self.client.call(method, params)
            except RemoteInputInvalid as exc:
                code = step.get("not_found")
                if code:
                    raise _error(code, f"{step['id']}: {exc.message}", step["id"]) from None
                raise
            ctx["steps"][step["id"]] = self._search(expr("result"), {"result": result}) if "result" in step \
                else result
        elif kind == "check":
            if not self._search(expr("assert"), ctx):
                code = step["error"]
                raise _error(code, _format(step["message"], ctx), step.get("id"))
        elif kind == "set":
            ctx["steps"][step["id"]] = self._search(expr("value"), ctx)
        elif kind == "hook":
            args = self._search(expr("args"), ctx) or {}
            hook = getattr(self.engine.hook, f"unimap_{step['hook']}")
            warnings = hook(connector=self.specs.name, context=action_ctx, **args)
            action_ctx.warnings.extend(warnings or [])
            if "id" in step:
                ctx["steps"][step["id"]] = warnings
        elif kind == "warn":
            action_ctx.warnings.append(_format(step["message"], ctx))
        elif kind == "attachments":
            items = self._search(expr("items"), ctx) or []
            target = self._search(expr("target"), ctx) or {}
            self.attach(items, target, action_ctx, contents, int(step.get("max_attempts", 3)))

    def attach(self, items: list[dict[str, Any]], target: dict[str, Any], action_ctx: ActionContext,
               contents: dict[int, tuple[bytes, str]], max_attempts: int = 3, *, remember: bool = True) -> list[int]:
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
                    remote_id = self.engine.hook.unimap_upload_attachment(
                        connector=self.specs.name, context=action_ctx, target=target, attachment=unified_attachment,
                        content=content)
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
                self._sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
        for i, attachment in pending.items():
            if remember:
                content, content_type = contents[id(attachment)]
                stored = {k: v for k, v in attachment.items() if k != "data_url"}
                stored.update(data=base64.b64encode(content).decode(), content_type=content_type)
                self.store.add_pending_attachment(self.integration.id, target, stored, errors.get(i))
                hint = f" It was kept; run `unimap retry-attachments {self.integration.id}` to attach it."
            else:
                hint = ""
            action_ctx.warnings.append(f"Attachment {attachment.get('name')!r} could not be attached after "
                                       f"{max_attempts} attempt(s): {errors.get(i)}.{hint}")
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
        assembler = Assembler(self.store, self.integration.id)
        if response["model"] == "application":
            application = assembler.assemble("application", [dict(main)])[0]
            candidate = self.store.get(self.integration.id, "candidate", id=application.get("candidate_id"))
            if candidate is not None:
                candidate = assembler.assemble("candidate", [candidate])[0]
                candidate.pop("applications", None)
            stage = application.get("current_stage")
            application["current_stage"] = None if stage is None else {
                "id": stage["id"], "name": stage.get("name"), "remote_id": stage.get("remote_id"),
                "index": stage.get("index")}
            application["candidate"] = candidate
            application.pop("interviews", None)
            application.pop("offers", None)
            return application
        return assembler.assemble(response["model"], [dict(main)])[0]

    def fetch_and_store(self, model: str, remote_id: str) -> dict[str, Any]:
        """Fetch one record through the model's detail call, map it, and store it."""
        spec = self.specs.models.get(model)
        if spec is None or spec.file.expr("detail", "params") is None:
            raise ConfigError(f"model {model!r} has no detail call to fetch created records")
        detail = spec.file.data["detail"]
        projection = spec.source.get("projection")
        params = self._search(spec.file.expr("detail", "params"), {"remote_id": remote_id, "projection": projection})
        result = self.client.call(detail["method"], params)
        raw = self._search(spec.file.expr("detail", "record"), {"result": result}) if "record" in detail else result
        if not isinstance(raw, dict):
            raise RemoteError(f"{detail['method']}: no record for {remote_id}", call=detail["method"])
        record = self.engine.mapper(self.specs.name, model).map(raw, self._mapping())
        record["remote_data"] = {detail["method"]: raw}
        with self.store.transaction() as db:
            self.store.upsert(self.integration.id, model, [(record, None)], seen_sync=None, now=utc_now(), db=db)
        return self.store.get(self.integration.id, model, id=record["id"]) or record

    # -- later retries --------------------------------------------------------------------------------

    def retry_pending(self, max_attempts: int = 3) -> tuple[int, list[str]]:
        """Attach every pending attachment of the integration; returns (attached, warnings)."""
        attached = 0
        action_ctx = ActionContext(self.integration, self.settings, self.client, self.store)
        for row in self.store.pending_attachments(self.integration.id):
            item = row["attachment"]
            content = base64.b64decode(item["data"])
            contents = {id(item): (content, item.get("content_type") or "application/octet-stream")}
            if self.attach([item], row["target"], action_ctx, contents, max_attempts, remember=False):
                attached += 1
                self.store.finish_pending_attachment(row["id"])
        return attached, action_ctx.warnings
