"""OTYS write-side hooks: source, GDPR consent, attachments and result links.

Each hook serves only the ``otys`` connector and returns ``None`` for others. Choices that
differ per tenant (document type ids, default source, GDPR period) are connector settings
in ``mappings/otys/connector.yaml``; the reasoning is in ``docs/connect-otys.md``.
"""

from __future__ import annotations

import hashlib
import html
from datetime import UTC, datetime, timedelta
from typing import Any

from unimap.errors import RemoteError
from unimap.hookspecs import hookimpl

CONNECTOR = "otys"
CANDIDATES = "Otys.Services.CandidateService"
DOCUMENTS = "Otys.Services.AttachedDocumentsService"
PORTALS = "Otys.Services.ReferrerPortalService"
GDPR_SETTINGS = ["SE2995", "SE2999", "SE2997"]  # enabled, months when consented, days when not
GDPR_HELP = (
    "GDPR consent was not written: GDPR consent writing is switched off in this OTYS tenant "
    "(setting SE2995). An OTYS admin can switch it on as described in docs/connect-otys.md "
    '("Enable GDPR consent writing"); send the consent again afterwards.'
)


def _portal(context: Any, source: dict[str, Any]) -> dict[str, Any] | None:
    result = context.call(f"{PORTALS}.getListEx", [{"what": {"uid": 1, "portal": 1}, "limit": 200, "offset": 0}])
    portals = result.get("listOutput", []) if isinstance(result, dict) else []
    wanted_id, wanted_name = source.get("id"), (source.get("name") or "").casefold()
    for portal in portals:
        if wanted_id is not None and str(portal.get("uid")) == str(wanted_id):
            return portal
    for portal in portals:
        if wanted_name and str(portal.get("portal", "")).casefold() == wanted_name:
            return portal
    return None


@hookimpl
def unimap_write_source(
    connector: str, context: Any, candidate_remote_id: str, source: dict[str, Any], created: bool
) -> list[str] | None:
    """Write the candidate's source (``source`` text and, when one matches, ``portalId``)."""
    if connector != CONNECTOR:
        return None
    if not created:
        return []  # an existing candidate's source is never overwritten
    source = {k: v for k, v in (source or {}).items() if v not in (None, "")}
    if not source:
        default = context.settings.get("default_source")
        if not default:
            return []
        source = {"name": default}
    portal = _portal(context, source)
    warnings = []
    if source.get("id") is not None and (portal is None or str(portal.get("uid")) != str(source["id"])):
        warnings.append(f"Source id {source['id']!r} is not an OTYS referrer portal; only the source name was written.")
    update: dict[str, Any] = {"source": source.get("name") or (portal or {}).get("portal")}
    if portal is not None:
        update["portalId"] = portal["uid"]
    if update["source"] or "portalId" in update:
        context.call(f"{CANDIDATES}.update", [candidate_remote_id, update], write=True)
    return warnings


def _gdpr_due_date(consent: dict[str, Any], values: dict[str, Any], settings: dict[str, Any]) -> tuple[str, str]:
    given = consent.get("given", True) is not False
    if consent.get("expires_at"):
        return str(consent["expires_at"])[:10], "otherYes" if given else "cron"
    today = datetime.now(UTC).date()
    if given:
        months = int(values.get("SE2999", {}).get("value") or settings.get("gdpr_months_default") or 12)
        return (today + timedelta(days=round(months * 30.44))).isoformat(), "otherYes"
    days = int(values.get("SE2997", {}).get("value") or 30)
    return (today + timedelta(days=days)).isoformat(), "cron"


@hookimpl
def unimap_write_gdpr_consent(
    connector: str, context: Any, candidate_remote_id: str, consent: dict[str, Any]
) -> list[str] | None:
    """Set the candidate's GDPR due date through ``setGdprDueDatePartner`` when the tenant allows it."""
    if connector != CONNECTOR:
        return None
    values = context.call("Otys.Services.CsmService.getValue", [GDPR_SETTINGS])
    if str((values or {}).get("SE2995", {}).get("value")) != "1":
        return [GDPR_HELP]
    due, reason = _gdpr_due_date(consent or {}, values, context.settings)
    try:
        context.call(
            f"{CANDIDATES}.setGdprDueDatePartner", [candidate_remote_id, due, reason, False, False], write=True
        )
    except RemoteError as exc:
        return [f"GDPR consent was not written: {exc.message}. {GDPR_HELP}"]
    return []


def content_mark(content: bytes) -> str:
    """The marker a document's description carries so the same file is recognised by content, not by name."""
    return f"[sha256:{hashlib.sha256(content).hexdigest()[:32]}]"


def _existing_document(
    context: Any, target: dict[str, Any], subject: str, content: bytes, description: str
) -> str | None:
    items = [
        {"type": "COND", "field": "candidateUid", "op": "EQ", "param": target["candidate_remote_id"]},
        {"type": "COND", "field": "subject", "op": "EQ", "param": subject},
    ]
    what = {"uid": 1, "size": 1, "applicationUid": 1, "description": 1}
    result = context.call(
        f"{DOCUMENTS}.getListEx",
        [{"what": what, "condition": {"type": "AND", "items": items}, "limit": 200, "offset": 0}],
    )
    for row in (result or {}).get("listOutput", []):
        same_target = row.get("applicationUid") in (None, "", target.get("application_remote_id"))
        same_content = row.get("size") == len(content) and str(row.get("description") or "") == description
        if same_content and same_target:
            return str(row["uid"])
    return None


def attach_file(
    context: Any,
    target: dict[str, Any],
    name: str,
    content: bytes,
    content_type: str,
    type_id: str,
    description: str = "",
) -> str:
    """Upload ``content`` and attach it to the candidate (and procedure), exactly once per target.

    A document with the same subject and the same content (a hash in its description) already
    on the candidate counts as attached, so a retry after a lost response never attaches the
    file twice, while different files of the same name and size are all attached.
    """
    key = (
        "attachment",
        target.get("candidate_remote_id"),
        target.get("application_remote_id"),
        name,
        hashlib.sha256(content).hexdigest(),
    )
    state = context.memo.setdefault(key, {})
    if "document" in state:
        return state["document"]
    description = description or content_mark(content)  # result links are identified by their description
    existing = _existing_document(context, target, name, content, description)
    if existing:
        state["document"] = existing
        return existing
    if "file" not in state:
        state["file"] = context.client.upload(name, content, content_type)["ouid"]
    document = {
        "subject": name,
        "typeId": type_id,
        "private": False,
        "alwaysOnTop": False,
        "description": description,
        "candidateUid": target["candidate_remote_id"],
        "fileUid": state["file"],
    }
    if target.get("application_remote_id"):
        document["applicationUid"] = target["application_remote_id"]
    state["document"] = str(context.call(f"{DOCUMENTS}.add", [document], write=True))
    return state["document"]


@hookimpl
def unimap_upload_attachment(
    connector: str, context: Any, target: dict[str, Any], attachment: dict[str, Any], content: bytes
) -> str | None:
    """Upload through fileService.php, then ``AttachedDocumentsService.add`` with the mapped type."""
    if connector != CONNECTOR:
        return None
    types = context.settings.get("document_types") or {}
    type_id = str(types.get(attachment.get("type"), types.get("OTHER", "201")))
    return attach_file(
        context,
        target,
        attachment["name"],
        content,
        attachment.get("content_type") or "application/octet-stream",
        type_id,
    )


def result_link_html(link: dict[str, Any]) -> str:
    """The HTML document a result link becomes: the label, the link, and its attributes."""
    label, url = html.escape(link["label"]), html.escape(link["url"], quote=True)
    details = link.get("details") or {}
    prefix = details.get("custom_field_name_prefix") or ""
    rows = "".join(
        f"<tr><th>{html.escape(prefix + str(a.get('key', '')))}</th>"
        f"<td>{html.escape(str(a.get('value', '')))}</td></tr>"
        for a in details.get("attributes") or []
    )
    table = f"<table>{rows}</table>" if rows else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{label}</title></head><body>'
        f'<h1>{label}</h1><p><a href="{url}">{url}</a></p>{table}</body></html>'
    )


@hookimpl
def unimap_place_result_link(
    connector: str, context: Any, target: dict[str, Any], link: dict[str, Any]
) -> list[str] | None:
    """Store the result link as an HTML document on the candidate (and procedure); its description holds the URL."""
    if connector != CONNECTOR:
        return None
    content = result_link_html(link).encode()
    name = f"{link['label']}.html"
    type_id = str(context.settings.get("result_link_document_type") or "201")
    attach_file(context, target, name, content, "text/html", type_id, description=f"{link['label']}: {link['url']}")
    return []
