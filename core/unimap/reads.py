"""On-demand reads: a connector's ``reads/`` specs run when the API asks (a candidate's files, one download).

A read resolves its ``refs``, runs its steps (the step components of action specs), then maps its
``records`` through ``fields`` into Kombo's attachment shape, or opens its ``download`` as a
stream. An application's files fall back to its candidate's when the connector reads files per
candidate only (Kombo does the same), with a warning saying so.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any

from unimap import ids
from unimap.actions import ActionRunner
from unimap.downloads import FileStream
from unimap.errors import ConfigError, InputInvalid
from unimap.jsoninput import check_value

__all__ = ["ATTACHMENT_TYPES", "AttachmentList", "ReadRunner", "list_attachments", "open_attachment"]

ATTACHMENT_TYPES = ("CV", "COVER_LETTER", "OTHER")
NOT_AVAILABLE = "INTEGRATION.MODEL_NOT_AVAILABLE"


@dataclass
class AttachmentList:
    """The attachments a list read returned (without ``data_url``, which the API adds) and its warnings."""

    results: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


class ReadRunner(ActionRunner):
    """Runs one connector's read specs for one integration (the step machinery of actions)."""

    client_transport: Any = None  # an httpx transport for URL downloads (tests); None: the network

    def _spec(self, read: str) -> Any:
        spec = self.specs.reads.get(read)
        if spec is None:
            raise ConfigError(f"connector {self.specs.name!r} has no read {read!r}", code=NOT_AVAILABLE)
        return spec

    def _run(self, read: str, payload: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        spec = self._spec(read)
        check_value(payload, "(input)")
        ctx: dict[str, Any] = {
            "input": payload,
            "steps": {},
            "settings": self.settings,
            "refs": self._resolve_refs(spec.file, payload),
        }
        self._input, self._steps = payload, ctx["steps"]
        for step in spec.typed_steps:
            if step.when is not None and not self._search(step.when, ctx):
                continue
            step.run(self, ctx)
        return spec, ctx

    def records(self, read: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of list read ``read``, mapped through its ``fields`` (remote ids, not unified ids yet)."""
        spec, ctx = self._run(read, payload)
        rows = self._search(spec.file.expr("records"), ctx)
        out = []
        for row in rows if isinstance(rows, list) else []:
            mapped = {
                name: self._search(spec.file.expr("fields", name), row) for name in spec.file.data.get("fields") or {}
            }
            if mapped.get("remote_id") not in (None, ""):
                out.append(mapped)
        return out

    def attachments(self, read: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Kombo's attachment objects from list read ``read`` (``data_url`` left to the caller)."""
        iid = self.integration.id
        out = []
        for row in self.records(read, payload):
            remote_id, candidate, application = (
                _text(row.get("remote_id")),
                _text(row.get("candidate_remote_id")),
                _text(row.get("application_remote_id")),
            )
            name = _text(row.get("file_name")) or f"attachment-{remote_id}"
            kind = _text(row.get("type"))
            out.append(
                {
                    "id": ids.unified_id(iid, "attachment", remote_id),
                    "application_id": ids.unified_id(iid, "application", application) if application else None,
                    "candidate_id": ids.unified_id(iid, "candidate", candidate) if candidate else None,
                    "type": kind if kind in ATTACHMENT_TYPES else "OTHER",
                    "remote_id": remote_id,
                    "file_name": name,
                    "content_type": _text(row.get("content_type"))
                    or mimetypes.guess_type(name)[0]
                    or "application/octet-stream",
                    "remote_created_at": row.get("remote_created_at"),
                    "remote_updated_at": row.get("remote_updated_at"),
                }
            )
        return out

    def download(self, remote_id: str) -> FileStream:
        """Open the file of attachment ``remote_id``; the stream closes this runner's client when closed."""
        spec, ctx = self._run("attachment_download", {"remote_id": remote_id})
        if spec.download is None:
            raise ConfigError(f"connector {self.specs.name!r}: attachment_download has no `download`")
        stream = spec.download.open(self, ctx)
        inner = stream.close

        def close() -> None:
            try:
                inner()
            finally:
                self.close()

        stream.close = close
        return stream


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _runner(service: Any, integration_id: str) -> ReadRunner:
    return ReadRunner(service, service.store.integration(integration_id))


def list_attachments(service: Any, integration_id: str, owner: str, owner_id: str) -> AttachmentList:
    """The files of candidate or application ``owner_id`` (a unified id or ``remote:<id>``), from the vendor."""
    runner = _runner(service, integration_id)
    try:
        reads = runner.specs.reads
        if owner == "candidate":
            if "candidate_attachments" not in reads:
                raise ConfigError(
                    f"the {runner.specs.name} connector does not read candidate attachments", code=NOT_AVAILABLE
                )
            return AttachmentList(runner.attachments("candidate_attachments", {"candidate_id": owner_id}))
        if "application_attachments" in reads:
            return AttachmentList(runner.attachments("application_attachments", {"application_id": owner_id}))
        if "candidate_attachments" not in reads:
            raise ConfigError(
                f"the {runner.specs.name} connector does not read application attachments", code=NOT_AVAILABLE
            )
        application = _application(service, integration_id, owner_id)
        found = runner.attachments("candidate_attachments", {"candidate_id": application["candidate_id"]})
        return AttachmentList(
            found,
            [
                f"The {runner.specs.name} connector keeps files per candidate: these are the files of the "
                "application's candidate."
            ],
        )
    finally:
        runner.close()


def _application(service: Any, integration_id: str, application_id: str) -> dict[str, Any]:
    """The synced application (by unified id or ``remote:<id>``), for its candidate."""
    if application_id.startswith("remote:"):
        record = service.store.get(integration_id, "application", remote_id=application_id[len("remote:") :])
    else:
        record = service.store.get(integration_id, "application", id=application_id)
    if record is None or not record.get("candidate_id"):
        raise InputInvalid(
            f"application_id: no application {application_id!r} with a candidate in the synced data "
            "(sync first, or pass remote:<id>)",
            fields=["application_id"],
        )
    return record


def open_attachment(service: Any, integration_id: str, remote_id: str) -> FileStream:
    """Open the download of attachment ``remote_id``; close the stream when done."""
    runner = _runner(service, integration_id)
    try:
        return runner.download(remote_id)
    except BaseException:
        runner.close()
        raise
