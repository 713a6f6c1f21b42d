"""Write endpoints (§6): validation with 422 ``{"message":"Validation error","errors":[{field,message}]}``
and the row changes they make. Ids in a request *path* that do not exist give 404; ids inside a
*body* that do not exist are validation errors (422).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlsplit

from . import timefmt, vocab
from .errors import HttpError, not_found, validation
from .tenant import Tenant

Errors = list[tuple[str | None, str]]
VISIBILITY = {"admin_only": "admin_only_visible", "private": "privately_visible", "public": "publicly_visible"}
NOTE_TYPES = ("NOTE", "ACTIVITY", "EMAIL")
APP_JOB_KEYS = {
    "job_id",
    "initial_stage_id",
    "source_id",
    "recruiter_id",
    "coordinator_id",
    "referrer_id",
    "created_at",
    "custom_fields",
}
APP_PROSPECT_KEYS = {
    "prospect",
    "job_ids",
    "prospect_pool_id",
    "prospect_pool_stage_id",
    "prospect_owner_id",
    "prospective_department_id",
    "prospective_office_id",
    "source_id",
    "recruiter_id",
    "coordinator_id",
    "referrer_id",
    "created_at",
    "custom_fields",
}
CANDIDATE_KEYS = {
    "first_name",
    "last_name",
    "preferred_name",
    "company",
    "title",
    "can_email",
    "time_zone",
    "phone_numbers",
    "addresses",
    "email_addresses",
    "website_addresses",
    "social_media_addresses",
    "tags",
    "linked_user_ids",
    "custom_fields",
    "application",
}
CONTACT_TYPES = {
    "phone_numbers": vocab.PHONE_TYPES,
    "addresses": vocab.ADDRESS_TYPES,
    "email_addresses": vocab.EMAIL_TYPES,
    "website_addresses": vocab.WEBSITE_TYPES,
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def body_object(body: Any) -> dict[str, Any]:
    """The JSON body as an object, or 422."""
    if not isinstance(body, dict):
        raise validation((None, "the request body must be a JSON object"))
    return body


def _unknown(body: dict[str, Any], allowed: set[str], errors: Errors, prefix: str = "") -> None:
    for key in sorted(set(body) - allowed):
        errors.append((prefix + key, "is not a permitted field"))


def _string(
    body: dict[str, Any], key: str, errors: Errors, *, required: bool = False, limit: int = 255, prefix: str = ""
) -> None:
    value = body.get(key)
    if value is None:
        if required:
            errors.append((prefix + key, "is required"))
        return
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append((prefix + key, "must be a non-empty string" if required else "must be a string"))
    elif len(value) > limit:
        errors.append((prefix + key, f"must be at most {limit} characters"))


def _ref(
    tenant: Tenant,
    resource: str,
    body: dict[str, Any],
    key: str,
    errors: Errors,
    *,
    required: bool = False,
    prefix: str = "",
) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        if required:
            errors.append((prefix + key, "is required"))
        return None
    if not _is_int(value):
        errors.append((prefix + key, "must be an integer id"))
        return None
    row = tenant.get(resource, value)
    if row is None:
        errors.append((prefix + key, f"{resource[:-1]} {value} does not exist"))
    return row


def _user(tenant: Tenant, body: dict[str, Any], key: str, errors: Errors, prefix: str = "") -> None:
    row = _ref(tenant, "users", body, key, errors, prefix=prefix)
    if row is not None and row["deactivated"]:
        errors.append((prefix + key, f"user {row['id']} is deactivated"))


def custom_field_values(
    tenant: Tenant, items: Any, field_type: str, errors: Errors, prefix: str = "custom_fields"
) -> tuple[dict[str, Any], dict[str, set[int]]]:
    """§6.6 items -> ``{name_key: {name,type,value}}`` (value None = clear) and select option ids per key."""
    out: dict[str, Any] = {}
    options: dict[str, set[int]] = {}
    if items is None:
        return out, options
    if not isinstance(items, list):
        errors.append((prefix, "must be an array"))
        return out, options
    by_key = {f["name_key"]: f for f in tenant.tables["custom_fields"].values()}
    for idx, item in enumerate(items):
        where = f"{prefix}[{idx}]"
        if not isinstance(item, dict):
            errors.append((where, "must be an object"))
            continue
        _unknown(item, {"name_key", "custom_field_id", "value"}, errors, where + ".")
        if ("name_key" in item) == ("custom_field_id" in item):
            errors.append((where, "give exactly one of name_key and custom_field_id"))
            continue
        cf = (
            by_key.get(item["name_key"]) if "name_key" in item else tenant.get("custom_fields", item["custom_field_id"])
        )
        if cf is None or cf["field_type"] != field_type or not cf["active"]:
            errors.append((where, f"no active {field_type} custom field matches"))
            continue
        if "value" not in item:
            errors.append((where + ".value", "is required"))
            continue
        value = item["value"]
        key = cf["name_key"]
        if value is None:
            out[key] = None
            continue
        vtype = cf["value_type"]
        opts = {
            o["id"]: o
            for o in tenant.tables["custom_field_options"].values()
            if o["custom_field_id"] == cf["id"] and o["active"]
        }
        names = {o["name"]: o for o in opts.values()}

        def option(
            v: Any, where: str = where, opts: dict[int, Any] = opts, names: dict[str, Any] = names, key: str = key
        ) -> dict[str, Any] | None:
            got = opts.get(v) if _is_int(v) else names.get(v) if isinstance(v, str) else None
            if got is None:
                errors.append((where + ".value", f"{v!r} is not an option of {key}"))
            return got

        ok = True
        if vtype in ("short_text", "long_text", "url", "rich_text"):
            ok = isinstance(value, str)
        elif vtype in ("date", "date_of_birth"):
            try:
                ok = isinstance(value, str) and len(value) == 10 and bool(timefmt.parse(value))
            except ValueError:
                ok = False
        elif vtype == "yes_no":
            ok = isinstance(value, bool)
        elif vtype == "number":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif vtype == "user":
            ok = _is_int(value) and tenant.get("users", value) is not None
        elif vtype == "single_select":
            opt = option(value)
            if opt is None:
                continue
            value, options[key] = opt["name"], {opt["id"]}
        elif vtype == "multi_select":
            if not isinstance(value, list):
                ok = False
            else:
                picked = [option(v) for v in value]
                if None in picked:
                    continue
                value = [o["name"] for o in picked]  # type: ignore[index]
                options[key] = {o["id"] for o in picked}  # type: ignore[union-attr]
        elif vtype == "currency":
            ok = isinstance(value, dict) and set(value) == {"amount", "currency_code"}
        elif vtype == "currency_range":
            ok = isinstance(value, dict) and set(value) == {"min_amount", "max_amount", "currency_code"}
        elif vtype == "number_range":
            ok = isinstance(value, dict) and set(value) == {"min_value", "max_value"}
        if not ok:
            errors.append((where + ".value", f"is not a valid {vtype} value"))
            continue
        out[key] = {"name": cf["name"], "type": vtype, "value": value}
    return out, options


def apply_custom_fields(
    row: dict[str, Any], values: dict[str, Any], options: dict[str, set[int]], tenant: Tenant
) -> None:
    """Merge custom-field values into a row (None clears) and refresh its option-id index."""
    fields = dict(row.get("custom_fields") or {})
    for key, value in values.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    row["custom_fields"] = fields
    cfo: set[int] = set()
    for key, value in fields.items():
        if key in options:
            cfo |= options[key]
        else:  # keep the ids of untouched select values
            cfo |= {
                o["id"]
                for o in tenant.tables["custom_field_options"].values()
                if o["name"] in (value["value"] if isinstance(value["value"], list) else [value["value"]])
                and tenant.tables["custom_fields"].get(o["custom_field_id"], {}).get("name_key") == key
            }
    row["_cfo"] = cfo


# -- applications ------------------------------------------------------------------------


def check_application(
    tenant: Tenant, body: dict[str, Any], errors: Errors, *, candidate_id: int | None, prefix: str = ""
) -> dict[str, Any]:
    """Validate an application body (job or prospect form); returns the parsed pieces."""
    parsed: dict[str, Any] = {}
    prospect = body.get("prospect")
    if prospect is not None and prospect is not True:
        errors.append((prefix + "prospect", "must be true when given"))
        return parsed
    _unknown(body, APP_PROSPECT_KEYS if prospect else APP_JOB_KEYS, errors, prefix)
    for key in ("recruiter_id", "coordinator_id", "referrer_id", "prospect_owner_id"):
        _user(tenant, body, key, errors, prefix)
    _ref(tenant, "sources", body, "source_id", errors, prefix=prefix)
    if body.get("created_at") is not None:
        try:
            parsed["created_at"] = timefmt.parse(str(body["created_at"]))
        except ValueError:
            errors.append((prefix + "created_at", "must be an ISO-8601 timestamp"))
    parsed["custom_fields"] = custom_field_values(
        tenant, body.get("custom_fields"), "application", errors, prefix + "custom_fields"
    )
    if prospect:
        job_ids = body.get("job_ids") or []
        if not isinstance(job_ids, list) or not all(_is_int(j) for j in job_ids):
            errors.append((prefix + "job_ids", "must be an array of job ids"))
            job_ids = []
        for jid in job_ids:
            job = tenant.get("jobs", jid)
            if job is None or job["is_template"]:
                errors.append((prefix + "job_ids", f"job {jid} does not exist or is a template"))
        parsed["job_ids"] = job_ids
        parsed["prospect"] = True
        return parsed
    job = _ref(tenant, "jobs", body, "job_id", errors, required=True, prefix=prefix)
    if job is None:
        return parsed
    if job["is_template"]:
        errors.append((prefix + "job_id", f"job {job['id']} is a template and takes no applications"))
        return parsed
    stages = sorted(
        (s for s in tenant.rows("job_interview_stages", job_id=job["id"]) if s["active"]), key=lambda s: s["sort_order"]
    )
    stage = stages[0] if stages else None
    if body.get("initial_stage_id") is not None:
        stage = _ref(tenant, "job_interview_stages", body, "initial_stage_id", errors, prefix=prefix)
        if stage is not None and (stage["job_id"] != job["id"] or not stage["active"]):
            errors.append(
                (prefix + "initial_stage_id", f"stage {stage['id']} is not an active stage of job {job['id']}")
            )
            stage = None
    if candidate_id is not None and any(
        a["job_id"] == job["id"] and not a["prospect"] for a in tenant.rows("applications", candidate_id=candidate_id)
    ):
        errors.append((prefix + "job_id", f"candidate {candidate_id} already has an application for job {job['id']}"))
    parsed["job"] = job
    parsed["stage"] = stage
    return parsed


def make_application(tenant: Tenant, candidate_id: int, body: dict[str, Any], parsed: dict[str, Any]) -> dict[str, Any]:
    """Store the application (and its first application_stage) validated by ``check_application``."""
    job, stage = parsed.get("job"), parsed.get("stage")
    prospect = bool(parsed.get("prospect"))
    row: dict[str, Any] = {
        "candidate_id": candidate_id,
        "job_id": job["id"] if job else ((parsed.get("job_ids") or [None])[0]),
        "job_post_id": None,
        "source_id": body.get("source_id"),
        "referrer_id": body.get("referrer_id"),
        "recruiter_id": body.get("recruiter_id"),
        "coordinator_id": body.get("coordinator_id"),
        "agency_note_id": None,
        "stage_id": stage["id"] if stage else None,
        "job_interview_stage_id": stage["id"] if stage else None,
        "stage_name": stage["name"] if stage else None,
        "status": "in_process",
        "rejected_at": None,
        "rejection_reason_id": None,
        "prospect": prospect,
        "prospective_job_ids": list(parsed.get("job_ids") or []),
        "needs_decision": False,
        "last_activity_at": None,
        "location_address": None,
        "answers": [],
        "custom_fields": {},
        "created_at": parsed.get("created_at"),
    }
    values, options = parsed.get("custom_fields") or ({}, {})
    apply_custom_fields(row, values, options, tenant)
    event = "new_prospect_application" if prospect else "new_candidate_application"
    app = tenant.insert("applications", row)
    if stage is not None:
        tenant.insert(
            "application_stages",
            {
                "application_id": app["id"],
                "job_interview_stage_id": stage["id"],
                "entered_at": app["updated_at"],
                "exited_at": None,
                "days_in_stage": 0,
                "current": True,
            },
        )
    tenant.touch("applications", app)
    tenant.emit(event, "applications", app)
    return app


def create_application(tenant: Tenant, body: Any) -> dict[str, Any]:
    """``POST /v3/applications``."""
    body = body_object(body)
    errors: Errors = []
    rest = {k: v for k, v in body.items() if k != "candidate_id"}
    cand = _ref(tenant, "candidates", body, "candidate_id", errors, required=True)
    parsed = check_application(tenant, rest, errors, candidate_id=cand["id"] if cand else None)
    if errors:
        raise validation(*errors)
    assert cand is not None
    return make_application(tenant, cand["id"], rest, parsed)


# -- candidates --------------------------------------------------------------------------


def create_candidate(tenant: Tenant, body: Any) -> dict[str, Any]:
    """``POST /v3/candidates`` -> ``{"candidate", "application"}``."""
    body = body_object(body)
    errors: Errors = []
    _unknown(body, CANDIDATE_KEYS, errors)
    _string(body, "first_name", errors, required=True)
    _string(body, "last_name", errors, required=True)
    for key in ("preferred_name", "company", "title"):
        _string(body, key, errors)
    if body.get("can_email") is not None and not isinstance(body["can_email"], bool):
        errors.append(("can_email", "must be a boolean"))
    if body.get("time_zone") is not None and body["time_zone"] not in vocab.TIME_ZONES:
        errors.append(("time_zone", "is not a supported time zone (lower-case Rails names such as 'london')"))
    for key, types in CONTACT_TYPES.items():
        items = body.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            errors.append((key, "must be an array"))
            continue
        for idx, item in enumerate(items):
            where = f"{key}[{idx}]"
            if not isinstance(item, dict):
                errors.append((where, "must be an object"))
                continue
            _unknown(item, {"value", "type"}, errors, where + ".")
            _string(item, "value", errors, required=True, prefix=where + ".")
            if item.get("type") not in types:
                errors.append((where + ".type", f"must be one of {', '.join(types)}"))
    socials = body.get("social_media_addresses")
    if socials is not None and (
        not isinstance(socials, list)
        or not all(isinstance(s, dict) and set(s) == {"value"} and isinstance(s["value"], str) for s in socials)
    ):
        errors.append(("social_media_addresses", "must be an array of {value} objects"))
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags)):
        errors.append(("tags", "must be an array of tag names"))
    linked = body.get("linked_user_ids")
    if linked is not None and (
        not isinstance(linked, list) or not all(_is_int(u) and tenant.get("users", u) for u in linked)
    ):
        errors.append(("linked_user_ids", "must be an array of existing user ids"))
    cf_values = custom_field_values(tenant, body.get("custom_fields"), "candidate", errors)
    app_body = body.get("application")
    parsed_app: dict[str, Any] | None = None
    if app_body is not None:
        if not isinstance(app_body, dict):
            errors.append(("application", "must be an object"))
        else:
            parsed_app = check_application(tenant, app_body, errors, candidate_id=None, prefix="application.")
    if errors:
        raise validation(*errors)
    with tenant.lock:
        row: dict[str, Any] = {
            "first_name": body["first_name"],
            "last_name": body["last_name"],
            "preferred_name": body.get("preferred_name"),
            "company": body.get("company"),
            "title": body.get("title"),
            "last_activity_at": None,
            "private": False,
            "can_email": body.get("can_email", True),
            "time_zone": body.get("time_zone"),
            "tags": [],
            "linked_user_ids": list(linked or []),
            "custom_fields": {},
            **{key: [dict(i) for i in body.get(key) or []] for key in CONTACT_TYPES},
            "social_media_addresses": [dict(s) for s in socials or []],
        }
        apply_custom_fields(row, *cf_values, tenant)
        cand = tenant.insert("candidates", row)
        for uid in cand["linked_user_ids"]:
            tenant.tables["users"][uid]["linked_candidate_ids"].append(cand["id"])
        for name in dict.fromkeys(t.strip() for t in tags or []):
            tag_row = next((t for t in tenant.tables["candidate_tags"].values() if t["name"] == name), None)
            if tag_row is None:
                tag_row = tenant.insert("candidate_tags", {"name": name})
            tenant.insert("applied_candidate_tags", {"candidate_tag_id": tag_row["id"], "candidate_id": cand["id"]})
            cand["tags"].append(name)
        app = make_application(tenant, cand["id"], app_body, parsed_app) if parsed_app is not None else None
        return {"candidate": cand, "application": app}


# -- attachments and notes ---------------------------------------------------------------


def create_attachment(tenant: Tenant, body: Any) -> dict[str, Any]:
    """``POST /v3/attachments``: content (base64) or url; blocked extensions; resume demotion."""
    body = body_object(body)
    errors: Errors = []
    _unknown(body, {"application_id", "filename", "type", "content", "url", "visibility"}, errors)
    app = _ref(tenant, "applications", body, "application_id", errors, required=True)
    _string(body, "filename", errors, required=True)
    kind = body.get("type")
    if kind is None:
        errors.append(("type", "is required"))
    elif kind not in vocab.ATTACHMENT_TYPES:
        errors.append(("type", f"must be one of {', '.join(vocab.ATTACHMENT_TYPES)}"))
    filename = body.get("filename")
    if isinstance(filename, str) and filename.strip():
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if ext in vocab.BLOCKED_EXTENSIONS or ext in vocab.BLOCKED_BY_TYPE.get(str(kind), ()):
            errors.append(
                (
                    "filename",
                    f"files with the extension .{ext} are not allowed"
                    + (f" for {kind}" if ext in vocab.BLOCKED_BY_TYPE.get(str(kind), ()) else ""),
                )
            )
    if body.get("visibility") is not None and body["visibility"] not in VISIBILITY:
        errors.append(("visibility", "must be one of admin_only, private, public"))
    content, url = body.get("content"), body.get("url")
    data: bytes | None = None
    if (content is None) == (url is None):
        errors.append((None, "give exactly one of content and url"))
    elif content is not None:
        try:
            data = base64.b64decode(content, validate=True) if isinstance(content, str) else None
        except (binascii.Error, ValueError):
            data = None
        if not data:
            errors.append(("content", "must be non-empty base64"))
    else:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(("url", "must be an absolute http(s) URL"))
    if errors:
        raise validation(*errors)
    assert app is not None
    with tenant.lock:
        if kind in ("resume", "cover_letter"):
            for old in tenant.rows("attachments", candidate_id=app["candidate_id"], type=kind):
                tenant.update("attachments", old["id"], {"type": "other"})
        row = tenant.insert(
            "attachments",
            {
                "application_id": app["id"],
                "candidate_id": app["candidate_id"],
                "type": kind,
                "filename": filename,
                "url": None,
                "_source_url": url,
            },
        )
        if data is not None:
            tenant.files[row["id"]] = data
        tenant.touch("attachments", row)
        tenant.emit("application_updated", "applications", app)
        return row


def create_note(tenant: Tenant, body: Any, caller_id: int) -> dict[str, Any]:
    """``POST /v3/notes``."""
    body = body_object(body)
    errors: Errors = []
    email_keys = {"email_from", "email_to", "email_cc"}
    _unknown(
        body,
        {"candidate_id", "application_id", "body", "note_type", "visibility", "subject", "user_id", *email_keys},
        errors,
    )
    cand = _ref(tenant, "candidates", body, "candidate_id", errors, required=True)
    _string(body, "body", errors, required=True, limit=100_000)
    note_type = body.get("note_type")
    if note_type not in NOTE_TYPES:
        errors.append(("note_type", "is required" if note_type is None else "must be one of NOTE, ACTIVITY, EMAIL"))
    vis = body.get("visibility")
    if vis not in VISIBILITY:
        errors.append(("visibility", "is required" if vis is None else "must be one of admin_only, private, public"))
    app = _ref(tenant, "applications", body, "application_id", errors)
    if app is not None and cand is not None and app["candidate_id"] != cand["id"]:
        errors.append(("application_id", f"application {app['id']} does not belong to candidate {cand['id']}"))
    _user(tenant, body, "user_id", errors)
    if note_type == "EMAIL":
        _string(body, "subject", errors, required=True)
        for key in sorted(email_keys):
            value = body.get(key)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append((key, "is required for EMAIL notes (an array of addresses)"))
    elif note_type in NOTE_TYPES:
        for key in sorted(email_keys & set(body)):
            errors.append((key, f"is only allowed on EMAIL notes, not {note_type}"))
        _string(body, "subject", errors)
    if errors:
        raise validation(*errors)
    assert cand is not None
    with tenant.lock:
        row = tenant.insert(
            "notes",
            {
                "candidate_id": cand["id"],
                "application_id": body.get("application_id"),
                "user_id": body.get("user_id") or caller_id,
                "type": note_type,
                "subject": body.get("subject"),
                "body": body["body"],
                "visibility": VISIBILITY[vis],
            },
        )
        tenant.touch("notes", row)
        return row


# -- application lifecycle ---------------------------------------------------------------


def _app(tenant: Tenant, rid: int) -> dict[str, Any]:
    row = tenant.get("applications", rid)
    if row is None:
        raise not_found("Application", rid)
    return row


def _enter_stage(tenant: Tenant, app: dict[str, Any], stage: dict[str, Any]) -> None:
    now = tenant.now()
    for old in tenant.rows("application_stages", application_id=app["id"], current=True):
        old.update(
            {
                "exited_at": now,
                "current": False,
                "updated_at": now,
                "days_in_stage": int((timefmt.to_epoch(now) - timefmt.to_epoch(old["entered_at"])) // 86400),
            }
        )
    tenant.insert(
        "application_stages",
        {
            "application_id": app["id"],
            "job_interview_stage_id": stage["id"],
            "entered_at": now,
            "exited_at": None,
            "days_in_stage": 0,
            "current": True,
        },
    )
    app.update(
        {
            "stage_id": stage["id"],
            "job_interview_stage_id": stage["id"],
            "stage_name": stage["name"],
            "job_id": stage["job_id"],
        }
    )


def move_application(tenant: Tenant, rid: int, body: Any) -> dict[str, Any]:
    """``POST /v3/applications/{id}/move`` ``{to_stage_id?, to_job_id?}``; both empty = advance one stage."""
    body = body_object(body if body is not None else {})
    with tenant.lock:
        app = _app(tenant, rid)
        errors: Errors = []
        _unknown(body, {"to_stage_id", "to_job_id"}, errors)
        if app["status"] != "in_process" or app["prospect"]:
            errors.append(
                (
                    None,
                    f"application {rid} is {app['status'] if not app['prospect'] else 'a prospect'}; "
                    "only active applications move",
                )
            )
        if errors:
            raise validation(*errors)
        job_id = app["job_id"]
        if body.get("to_job_id") is not None:
            job = _ref(tenant, "jobs", body, "to_job_id", errors)
            if job is not None and job["is_template"]:
                errors.append(("to_job_id", f"job {job['id']} is a template"))
            if errors:
                raise validation(*errors)
            job_id = body["to_job_id"]
        stages = sorted(
            (s for s in tenant.rows("job_interview_stages", job_id=job_id) if s["active"]),
            key=lambda s: s["sort_order"],
        )
        if body.get("to_stage_id") is not None:
            target = _ref(tenant, "job_interview_stages", body, "to_stage_id", errors)
            if target is not None and (target["job_id"] != job_id or not target["active"]):
                errors.append(("to_stage_id", f"stage {target['id']} is not an active stage of job {job_id}"))
        elif job_id != app["job_id"]:
            target = stages[0] if stages else None
        else:
            current = tenant.get("job_interview_stages", app["job_interview_stage_id"])
            later = [s for s in stages if current is None or s["sort_order"] > current["sort_order"]]
            target = later[0] if later else None
            if target is None:
                errors.append((None, "the application is in the last stage; there is no stage to advance to"))
        if target is not None and target["id"] == app["job_interview_stage_id"]:
            errors.append(("to_stage_id", "the application is already in this stage"))
        if errors:
            raise validation(*errors)
        assert target is not None
        _enter_stage(tenant, app, target)
        tenant.touch("applications", app)
        tenant.emit("candidate_stage_change", "applications", app)
        return app


def reject_application(tenant: Tenant, rid: int, body: Any, caller_id: int) -> dict[str, Any]:
    """``POST /v3/applications/{id}/reject`` ``{rejection_reason_id, notes?, rejected_by_id?}``."""
    body = body_object(body if body is not None else {})
    with tenant.lock:
        app = _app(tenant, rid)
        errors: Errors = []
        _unknown(body, {"rejection_reason_id", "notes", "rejected_by_id"}, errors)
        if app["status"] != "in_process":
            errors.append((None, f"application {rid} is {app['status']}; only active applications can be rejected"))
        _ref(tenant, "rejection_reasons", body, "rejection_reason_id", errors, required=True)
        _user(tenant, body, "rejected_by_id", errors)
        if body.get("notes") is not None and not isinstance(body["notes"], str):
            errors.append(("notes", "must be a string"))
        if errors:
            raise validation(*errors)
        now = tenant.now()
        note_id = None
        if body.get("notes"):
            note = tenant.insert(
                "notes",
                {
                    "candidate_id": app["candidate_id"],
                    "application_id": app["id"],
                    "user_id": caller_id,
                    "type": "NOTE",
                    "subject": None,
                    "body": body["notes"],
                    "visibility": "admin_only_visible",
                },
            )
            note_id = note["id"]
        for old in tenant.rows("application_stages", application_id=app["id"], current=True):
            old.update({"exited_at": now, "current": False, "updated_at": now})
        app.update({"status": "rejected", "rejected_at": now, "rejection_reason_id": body["rejection_reason_id"]})
        tenant.insert(
            "rejection_details",
            {
                "application_id": app["id"],
                "rejected_by_id": body.get("rejected_by_id") or caller_id,
                "rejection_reason_id": body["rejection_reason_id"],
                "rejection_note_id": note_id,
                "rejected_at": now,
                "question_custom_fields": {},
            },
        )
        tenant.touch("applications", app)
        tenant.emit("reject_candidate", "applications", app)
        return app


# -- tags and deletes --------------------------------------------------------------------


def apply_tag(tenant: Tenant, body: Any) -> dict[str, Any]:
    """``POST /v3/applied_candidate_tags`` ``{candidate_id, candidate_tag_id}``."""
    body = body_object(body)
    errors: Errors = []
    _unknown(body, {"candidate_id", "candidate_tag_id"}, errors)
    cand = _ref(tenant, "candidates", body, "candidate_id", errors, required=True)
    tag = _ref(tenant, "candidate_tags", body, "candidate_tag_id", errors, required=True)
    with tenant.lock:
        if cand and tag and tenant.rows("applied_candidate_tags", candidate_id=cand["id"], candidate_tag_id=tag["id"]):
            errors.append(("candidate_tag_id", f"candidate {cand['id']} already has tag {tag['id']}"))
        if errors:
            raise validation(*errors)
        assert cand is not None and tag is not None
        row = tenant.insert("applied_candidate_tags", {"candidate_tag_id": tag["id"], "candidate_id": cand["id"]})
        cand["tags"].append(tag["name"])
        tenant.touch("applied_candidate_tags", row)
        tenant.emit("update_candidate", "candidates", cand)
        return row


def remove_tag(tenant: Tenant, rid: int) -> dict[str, Any]:
    """``DELETE /v3/applied_candidate_tags/{id}``."""
    with tenant.lock:
        row = tenant.get("applied_candidate_tags", rid)
        if row is None:
            raise not_found("Applied candidate tag", rid)
        tenant.remove("applied_candidate_tags", rid)
        cand = tenant.get("candidates", row["candidate_id"])
        tag = tenant.get("candidate_tags", row["candidate_tag_id"])
        if cand is not None:
            if tag is not None and tag["name"] in cand["tags"]:
                cand["tags"].remove(tag["name"])
            tenant.touch("candidates", cand)
            tenant.emit("update_candidate", "candidates", cand)
        return {"message": f"Applied candidate tag {rid} deleted successfully"}


def create_candidate_tag(tenant: Tenant, body: Any) -> dict[str, Any]:
    """``POST /v3/candidate_tags`` ``{name}``: a new tag; names are unique ignoring case (422)."""
    body = body_object(body)
    errors: Errors = []
    _unknown(body, {"name"}, errors)
    _string(body, "name", errors, required=True)
    with tenant.lock:
        name = body.get("name")
        if isinstance(name, str) and any(
            t["name"].lower() == name.strip().lower() for t in tenant.tables["candidate_tags"].values()
        ):
            errors.append(("name", f"a candidate tag named {name.strip()!r} already exists"))
        if errors:
            raise validation(*errors)
        row = tenant.insert("candidate_tags", {"name": body["name"].strip()})
        return row


def delete_candidate_tag(tenant: Tenant, rid: int) -> dict[str, Any]:
    """``DELETE /v3/candidate_tags/{id}``: the tag leaves every candidate it was on."""
    with tenant.lock:
        if tenant.get("candidate_tags", rid) is None:
            raise not_found("Candidate tag", rid)
        tenant.delete_tag(rid)
    return {"message": f"Candidate tag {rid} deleted successfully"}


def delete(tenant: Tenant, resource: str, rid: int) -> dict[str, Any]:
    """``DELETE /v3/candidates/{id}`` and ``/v3/applications/{id}``: hard deletes (cascading)."""
    label = "Candidate" if resource == "candidates" else "Application"
    with tenant.lock:
        if tenant.get(resource, rid) is None:
            raise not_found(label, rid)
        if resource == "candidates":
            tenant.hard_delete_candidate(rid)
        else:
            tenant.hard_delete_application(rid)
    return {"message": f"{label} {rid} deleted successfully"}


__all__ = [
    "HttpError",
    "apply_tag",
    "create_application",
    "create_attachment",
    "create_candidate",
    "create_candidate_tag",
    "create_note",
    "delete",
    "delete_candidate_tag",
    "move_application",
    "reject_application",
    "remove_tag",
]
