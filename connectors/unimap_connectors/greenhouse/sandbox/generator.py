"""Deterministic tenant generation: the same seed and size give the same rows, fast.

Every timestamp lies between ``START_MS`` and ``END_MS`` (fixed instants, not "now"), so a
tenant's digest depends only on seed and size. One ``random.Random(seed)`` stream drives
everything; word lists are precomputed tuples.
"""

from __future__ import annotations

import gc
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import vocab
from .fields import RESOURCES
from .timefmt import fmt_date, fmt_ms

START_MS = 1_672_531_200_000  # 2023-01-01T00:00:00.000Z
END_MS = 1_782_777_600_000  # 2026-06-30T00:00:00.000Z
DAY_MS = 86_400_000

SIZES = {"small": 250, "medium": 3_000, "large": 100_000}
MAX_SIZE = 250_000

#: first id of each resource (ids are unique per resource, ranges keep them apart for humans)
ID_BASE: dict[str, int] = {
    "users": 4_000_100,
    "departments": 4_001_000,
    "offices": 4_002_000,
    "close_reasons": 4_003_000,
    "sources": 4_004_000,
    "rejection_reasons": 4_005_000,
    "candidate_tags": 4_006_000,
    "custom_fields": 4_007_000,
    "custom_field_options": 4_008_000,
    "jobs": 4_100_000,
    "job_interview_stages": 4_200_000,
    "job_posts": 4_300_000,
    "openings": 4_400_000,
    "job_owners": 4_500_000,
    "job_hiring_managers": 4_600_000,
    "candidates": 10_000_000,
    "applications": 20_000_000,
    "application_stages": 30_000_000,
    "attachments": 40_000_000,
    "notes": 50_000_000,
    "applied_candidate_tags": 60_000_000,
    "rejection_details": 70_000_000,
}


def parse_size(size: str | int) -> int:
    """Candidates for ``small``/``medium``/``large`` or a number (1..250,000)."""
    if isinstance(size, int) or (isinstance(size, str) and size.strip().isdigit()):
        n = int(size)
        if not 1 <= n <= MAX_SIZE:
            raise ValueError(f"size must be between 1 and {MAX_SIZE:,} candidates, not {n}")
        return n
    key = str(size).strip().lower()
    if key not in SIZES:
        raise ValueError(f"size must be small, medium, large or a number of candidates, not {size!r}")
    return SIZES[key]


@dataclass
class TenantData:
    """Generated rows (``tables[resource][id] = row``) plus the ids tests need."""

    seed: int
    size: int
    tables: dict[str, dict[int, dict[str, Any]]] = field(default_factory=lambda: {r: {} for r in RESOURCES})
    site_admin_id: int = 0
    basic_user_id: int = 0  # an active user who is not a Site Admin
    service_user_id: int = 0  # the integration's service user (hidden unless show_service_accounts)
    secret: str = ""  # per-tenant secret material for credentials and signatures

    def digest(self) -> str:
        """SHA-256 over every row (canonical JSON, by resource then id)."""
        h = hashlib.sha256()
        for name in sorted(self.tables):
            h.update(name.encode())
            table = self.tables[name]
            for rid in sorted(table):
                h.update(orjson.dumps(table[rid], default=sorted, option=orjson.OPT_SORT_KEYS))
        return h.hexdigest()


class _Gen:
    """One generation run."""

    def __init__(self, seed: int, n: int) -> None:
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.data = TenantData(seed=seed, size=n)
        self.data.secret = hashlib.sha256(f"greenhouse-sandbox:{seed}".encode()).hexdigest()
        self.n = n
        self.t = self.data.tables
        self.next = dict(ID_BASE)

    def nid(self, res: str) -> int:
        rid = self.next[res]
        self.next[res] = rid + 1
        return rid

    def pick(self, seq: tuple[Any, ...] | list[Any]) -> Any:
        return seq[int(self.r() * len(seq))]

    def when(self, lo: int = START_MS, hi: int = END_MS) -> int:
        return lo + int(self.r() * (hi - lo))

    def add(self, res: str, row: dict[str, Any]) -> dict[str, Any]:
        self.t[res][row["id"]] = row
        return row

    def stamps(self, lo: int = START_MS, hi: int = END_MS) -> tuple[int, int]:
        created = self.when(lo, hi)
        return created, self.when(created, min(END_MS, created + 120 * DAY_MS))

    # -- organisation --------------------------------------------------------------------

    def org(self) -> None:
        n = self.n
        for idx, (name, parent) in enumerate(vocab.DEPARTMENTS):
            c, u = self.stamps(START_MS, START_MS + 30 * DAY_MS)
            self.add(
                "departments",
                {
                    "id": ID_BASE["departments"] + idx,
                    "created_at": fmt_ms(c),
                    "updated_at": fmt_ms(u),
                    "name": name,
                    "parent_id": None if parent is None else ID_BASE["departments"] + parent,
                    "external_id": f"DEP-{idx + 1:03d}" if idx % 3 else None,
                },
            )
        self.next["departments"] += len(vocab.DEPARTMENTS)
        n_users = max(12, min(400, n // 10))
        users = self.t["users"]
        for i in range(n_users):
            uid = self.nid("users")
            first, last = self.pick(vocab.FIRST_NAMES), self.pick(vocab.LAST_NAMES)
            email = f"{_ascii(first)}.{_ascii(last)}.{i}@sandbox-company.example"
            c, u = self.stamps(START_MS, START_MS + 200 * DAY_MS)
            users[uid] = {
                "id": uid,
                "created_at": fmt_ms(c),
                "updated_at": fmt_ms(u),
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
                "primary_email": email,
                "emails": [email],
                "job_title": self.pick(vocab.TITLES),
                "employee_id": f"E{1000 + i}" if self.r() < 0.7 else None,
                "agency_id": None,
                "deactivated": i >= 3 and self.r() < 0.08,
                "site_admin": i == 0 or self.r() < 0.1,
                "linked_candidate_ids": [],
                "office_ids": [],
                "department_ids": [],
                "interviewer_tags": [],
                "custom_fields": {},
                "_service": False,
            }
        ids = list(users)
        self.data.site_admin_id = ids[0]
        users[ids[1]]["site_admin"] = False
        users[ids[1]]["deactivated"] = False
        self.data.basic_user_id = ids[1]
        svc = self.nid("users")
        users[svc] = {
            **users[ids[0]],
            "id": svc,
            "first_name": "Harvest",
            "last_name": "Integration",
            "name": "Harvest Integration",
            "primary_email": "",
            "emails": [],
            "job_title": None,
            "employee_id": None,
            "site_admin": True,
            "deactivated": False,
            "_service": True,
        }
        self.data.service_user_id = svc
        self.active_users = [u for u in ids if not users[u]["deactivated"]]
        for idx, (name, location, parent) in enumerate(vocab.OFFICES):
            c, u = self.stamps(START_MS, START_MS + 30 * DAY_MS)
            oid = self.nid("offices")
            self.add(
                "offices",
                {
                    "id": oid,
                    "created_at": fmt_ms(c),
                    "updated_at": fmt_ms(u),
                    "name": name,
                    "parent_id": None if parent is None else ID_BASE["offices"] + parent,
                    "external_id": f"OFF-{idx + 1:03d}" if idx % 2 else None,
                    "location": None if location is None else {"name": location},
                    "primary_in_house_contact_user_id": self.pick(self.active_users) if idx % 2 else None,
                },
            )
        self.office_ids = list(self.t["offices"])
        self.dept_ids = list(self.t["departments"])
        for uid in ids:
            row = users[uid]
            row["office_ids"] = [self.pick(self.office_ids)]
            row["department_ids"] = [self.pick(self.dept_ids)] if self.r() < 0.8 else []
            if self.r() < 0.3:
                k = 1 + int(self.r() * len(vocab.INTERVIEWER_TAGS))
                row["interviewer_tags"] = [{"id": 9000 + j, "name": vocab.INTERVIEWER_TAGS[j]} for j in range(k)]

    def lookups(self) -> None:
        c = fmt_ms(START_MS)
        for name in vocab.CLOSE_REASONS:
            rid = self.nid("close_reasons")
            self.add("close_reasons", {"id": rid, "created_at": c, "updated_at": c, "name": name})
        for name, type_id in vocab.SOURCES:
            rid = self.nid("sources")
            type_name = dict(vocab.SOURCE_TYPES)[type_id]
            self.add(
                "sources",
                {"id": rid, "created_at": c, "updated_at": c, "name": name, "type": {"id": type_id, "name": type_name}},
            )
        for name, key in vocab.REJECTION_REASONS:
            rid = self.nid("rejection_reasons")
            type_id, type_name = vocab.REJECTION_TYPES[key]
            self.add(
                "rejection_reasons",
                {
                    "id": rid,
                    "created_at": c,
                    "updated_at": c,
                    "name": name,
                    "type": {"id": type_id, "key": key, "name": type_name},
                },
            )
        for name in vocab.TAGS:
            rid = self.nid("candidate_tags")
            self.add("candidate_tags", {"id": rid, "created_at": c, "updated_at": c, "name": name})
        self.tag_ids = list(self.t["candidate_tags"])
        self.source_ids = list(self.t["sources"])
        self.we_reject = [r for r, row in self.t["rejection_reasons"].items()]
        self.cf: dict[str, dict[str, Any]] = {}
        self.cfo: dict[str, list[dict[str, Any]]] = {}
        specs = (  # name, name_key, field_type, value_type, options, extra
            ("Cost Center", "cost_center", "job", "short_text", (), {}),
            (
                "Employment Type",
                "employment_type",
                "job",
                "single_select",
                ("Full-time", "Part-time", "Contract", "Intern"),
                {"internal_type": "employment_type"},
            ),
            (
                "Work Authorization",
                "work_authorization",
                "candidate",
                "single_select",
                ("Citizen", "Permanent resident", "Needs sponsorship"),
                {},
            ),
            ("Skills", "skills", "candidate", "multi_select", ("Python", "Go", "SQL", "Design", "Sales"), {}),
            ("Current Salary", "current_salary", "candidate", "short_text", (), {"private": True}),
            ("Desired Start Date", "desired_start_date", "candidate", "date", (), {}),
            ("Referral Bonus Eligible", "referral_bonus_eligible", "application", "yes_no", (), {}),
            ("Legacy Id", "legacy_id", "candidate", "short_text", (), {"active": False}),
            ("Reason Details", "reason_details", "rejection_question", "long_text", (), {}),
        )
        for idx, (name, key, ftype, vtype, options, extra) in enumerate(specs):
            fid = self.nid("custom_fields")
            row = {
                "id": fid,
                "created_at": c,
                "updated_at": c,
                "name": name,
                "name_key": key,
                "field_type": ftype,
                "value_type": vtype,
                "private": False,
                "required": False,
                "active": True,
                "sort_order": idx,
                "internal_type": None,
                "application_type": None,
                "api_only": False,
                "default_value": None,
            }
            row.update(extra)
            self.add("custom_fields", row)
            self.cf[key] = row
            self.cfo[key] = []
            for o_idx, label in enumerate(options):
                oid = self.nid("custom_field_options")
                opt = self.add(
                    "custom_field_options",
                    {
                        "id": oid,
                        "created_at": c,
                        "updated_at": c,
                        "custom_field_id": fid,
                        "name": label,
                        "external_id": f"{key}-{o_idx}" if o_idx % 2 == 0 else None,
                        "sort_order": o_idx,
                        "active": not (key == "skills" and label == "Sales"),
                    },
                )
                self.cfo[key].append(opt)

    def cf_value(self, key: str, value: Any) -> dict[str, Any]:
        f = self.cf[key]
        return {"name": f["name"], "type": f["value_type"], "value": value}

    # -- jobs ----------------------------------------------------------------------------

    def jobs(self) -> None:
        n_jobs = max(8, min(400, self.n // 20))
        self.stages_by_job: dict[int, list[int]] = {}
        self.open_jobs: list[int] = []
        self.app_jobs: list[int] = []
        self.posts_by_job: dict[int, list[int]] = {}
        close_ids = list(self.t["close_reasons"])
        for i in range(n_jobs):
            jid = self.nid("jobs")
            created = self.when(START_MS, END_MS - 200 * DAY_MS)
            is_template = i < 2
            x = self.r()
            status = "draft" if is_template or x < 0.1 else ("open" if x < 0.75 else "closed")
            opened = None if status == "draft" else created + int(self.r() * 10 * DAY_MS)
            closed = None if status != "closed" else opened + int((30 + self.r() * 150) * DAY_MS)  # type: ignore[operator]
            emp = self.pick(self.cfo["employment_type"])
            cfs: dict[str, Any] = {
                "employment_type": self.cf_value("employment_type", emp["name"]),
                "cost_center": self.cf_value("cost_center", f"CC{1 + i % 7}"),
            }
            updated = max(created, opened or 0, closed or 0) + int(self.r() * DAY_MS)
            self.add(
                "jobs",
                {
                    "id": jid,
                    "created_at": fmt_ms(created),
                    "updated_at": fmt_ms(updated),
                    "name": ("Template: " if is_template else "") + vocab.JOB_NAMES[i % len(vocab.JOB_NAMES)],
                    "requisition_id": f"REQ-{100 + i}" if not is_template else None,
                    "notes": "<p>Hiring plan approved.</p>" if self.r() < 0.3 else None,
                    "confidential": self.r() < 0.05,
                    "status": status,
                    "opened_at": fmt_ms(opened) if opened else None,
                    "closed_at": fmt_ms(closed) if closed else None,
                    "is_template": is_template,
                    "copied_from_id": ID_BASE["jobs"] + int(self.r() * 2)
                    if not is_template and self.r() < 0.5
                    else None,
                    "department_id": self.pick(self.dept_ids),
                    "office_ids": [self.pick(self.office_ids)],
                    "custom_fields": cfs,
                    "_cfo": {emp["id"]},
                },
            )
            stage_ids = []
            for order, name in enumerate(vocab.STAGES):
                sid = self.nid("job_interview_stages")
                self.add(
                    "job_interview_stages",
                    {
                        "id": sid,
                        "created_at": fmt_ms(created),
                        "updated_at": fmt_ms(created),
                        "job_id": jid,
                        "name": name,
                        "sort_order": order,
                        "active": True,
                    },
                )
                stage_ids.append(sid)
            if self.r() < 0.15:  # a stage removed from the plan, kept for history
                sid = self.nid("job_interview_stages")
                self.add(
                    "job_interview_stages",
                    {
                        "id": sid,
                        "created_at": fmt_ms(created),
                        "updated_at": fmt_ms(updated),
                        "job_id": jid,
                        "name": "Take Home Test",
                        "sort_order": len(vocab.STAGES) - 1,
                        "active": False,
                    },
                )
                self.t["job_interview_stages"][stage_ids[-1]]["sort_order"] = len(vocab.STAGES)
            self.stages_by_job[jid] = stage_ids
            if not is_template:
                self.app_jobs.append(jid)
                if status == "open":
                    self.open_jobs.append(jid)
            # openings: open job -> the last one open; closed job -> all closed
            n_open = 1 + int(self.r() * 3)
            for k in range(n_open):
                oid = self.nid("openings")
                is_open = status != "closed" and k == n_open - 1
                o_closed = None if is_open else (closed or (opened or created) + 20 * DAY_MS)
                self.add(
                    "openings",
                    {
                        "id": oid,
                        "created_at": fmt_ms(created),
                        "updated_at": fmt_ms(o_closed or created),
                        "job_id": jid,
                        "opening_id": f"{jid}-{k + 1}" if self.r() < 0.6 else None,
                        "open": is_open,
                        "opened_at": fmt_ms(opened) if opened else None,
                        "closed_at": fmt_ms(o_closed) if o_closed else None,
                        "close_reason_id": None if is_open else self.pick(close_ids),
                        "application_id": None,
                        "target_start_on": fmt_date(created + 90 * DAY_MS) if self.r() < 0.5 else None,
                        "sort_order": k,
                        "custom_fields": {},
                    },
                )
            # hiring team
            team = [("recruiter", True), ("coordinator", True)] + ([("sourcer", False)] if self.r() < 0.5 else [])
            for role, responsible in team:
                rid = self.nid("job_owners")
                self.add(
                    "job_owners",
                    {
                        "id": rid,
                        "created_at": fmt_ms(created),
                        "updated_at": fmt_ms(created),
                        "job_id": jid,
                        "user_id": self.pick(self.active_users),
                        "type": role,
                        "responsible": responsible,
                    },
                )
            for _ in range(1 + int(self.r() * 2)):
                rid = self.nid("job_hiring_managers")
                self.add(
                    "job_hiring_managers",
                    {
                        "id": rid,
                        "created_at": fmt_ms(created),
                        "updated_at": fmt_ms(created),
                        "job_id": jid,
                        "user_id": self.pick(self.active_users),
                    },
                )
            # posts: an external one (live when the job is open), sometimes an internal one, sometimes a deleted one
            posts = (
                [(False, True)]
                + ([(True, True)] if self.r() < 0.3 else [])
                + ([(False, False)] if self.r() < 0.15 else [])
            )
            self.posts_by_job[jid] = []
            for internal, active in posts:
                pid = self.nid("job_posts")
                live = active and status == "open" and not is_template
                board = 7001 if not internal else 7002
                self.add(
                    "job_posts",
                    {
                        "id": pid,
                        "created_at": fmt_ms(created),
                        "updated_at": fmt_ms(updated),
                        "title": vocab.JOB_NAMES[i % len(vocab.JOB_NAMES)],
                        "job_id": jid,
                        "job_board_id": board,
                        "internal": internal,
                        "active": active,
                        "live": live,
                        "featured": live and self.r() < 0.2,
                        "first_published_at": fmt_ms(opened) if live and opened else None,
                        "content": f"<p>Join us as a {vocab.JOB_NAMES[i % len(vocab.JOB_NAMES)]}.</p><ul><li>Remote "
                        "friendly</li></ul>",
                        "internal_content": "<p>Internal applicants welcome.</p>" if internal else None,
                        "language": "en" if self.r() < 0.8 else self.pick(vocab.LANGUAGES),
                        "demographic_question_set_id": None,
                        "public_url": None
                        if internal or not live
                        else f"https://job-boards.sandbox.example/acme/jobs/{pid}?gh_jid={pid}",
                        "questions": [
                            {
                                "id": None
                                if q[2] in ("short_text",) and q[0] in ("first_name", "last_name", "email")
                                else 100 + qi,
                                "name": q[0],
                                "label": q[1],
                                "description": None,
                                "required": True if qi < 3 else (None if q[2] == "attachment" else False),
                                "private": False,
                                "answer_type": q[2],
                                "options": [{"id": 500 + oi, "label": lab} for oi, lab in enumerate(q[3])],
                            }
                            for qi, q in enumerate(vocab.QUESTIONS)
                        ],
                    },
                )
                if active and not internal:
                    self.posts_by_job[jid].append(pid)

    # -- candidates ----------------------------------------------------------------------

    def candidates(self) -> None:
        r, pick, t = self.r, self.pick, self.t
        cands, apps, stages_t = t["candidates"], t["applications"], t["application_stages"]
        atts, notes, applied, rdet = t["attachments"], t["notes"], t["applied_candidate_tags"], t["rejection_details"]
        stage_rows = t["job_interview_stages"]
        tag_names = {tid: t["candidate_tags"][tid]["name"] for tid in self.tag_ids}
        jobs = t["jobs"]
        firsts = [(f, _ascii(f)) for f in vocab.FIRST_NAMES]
        lasts = [(x, _ascii(x)) for x in vocab.LAST_NAMES]
        wa_opts = self.cfo["work_authorization"]
        skill_opts = [o for o in self.cfo["skills"] if o["active"]]
        wa_meta, sk_meta = self.cf["work_authorization"], self.cf["skills"]
        users = self.active_users
        reasons = self.we_reject
        nid = self.nid
        span = END_MS - START_MS - 60 * DAY_MS
        for i in range(self.n):
            cid = nid("candidates")
            first, first_a = pick(firsts)
            last, last_a = pick(lasts)
            created = START_MS + int(r() * span)
            s_created = fmt_ms(created)
            emails = [{"value": f"{first_a}.{last_a}.{i}@mail.example", "type": "personal"}]
            if r() < 0.2:
                emails.append({"value": f"{first_a[0]}{last_a}{i}@work.example", "type": "work"})
            cfs: dict[str, Any] = {}
            cfo: set[int] = set()
            if r() < 0.5:
                opt = pick(wa_opts)
                cfs["work_authorization"] = {"name": wa_meta["name"], "type": "single_select", "value": opt["name"]}
                cfo.add(opt["id"])
            if r() < 0.3:
                opt = pick(skill_opts)
                cfs["skills"] = {"name": sk_meta["name"], "type": "multi_select", "value": [opt["name"]]}
                cfo.add(opt["id"])
            cand = {
                "id": cid,
                "created_at": "",
                "updated_at": "",
                "first_name": first,
                "last_name": last,
                "preferred_name": first[:3] if r() < 0.05 else None,
                "company": pick(vocab.COMPANIES),
                "title": pick(vocab.TITLES),
                "last_activity_at": "",
                "private": r() < 0.03,
                "can_email": r() > 0.05,
                "time_zone": pick(vocab.TIME_ZONES) if r() < 0.2 else None,
                "tags": [],
                "linked_user_ids": [],
                "custom_fields": cfs,
                "phone_numbers": [{"value": f"+1 555 {int(r() * 9_000_000) + 1_000_000}", "type": "mobile"}]
                if r() < 0.7
                else [],
                "addresses": [
                    {"value": f"{int(r() * 200) + 1} {pick(vocab.STREETS)}, {pick(vocab.CITIES)}", "type": "home"}
                ]
                if r() < 0.3
                else [],
                "email_addresses": emails,
                "website_addresses": [{"value": f"https://{first_a}{last_a}.example", "type": "personal"}]
                if r() < 0.1
                else [],
                "social_media_addresses": [{"value": f"linkedin.com/in/{first_a}-{last_a}-{i}"}] if r() < 0.3 else [],
                "_cfo": cfo,
            }
            cands[cid] = cand
            latest = created
            x = r()
            n_apps = 1 if x < 0.8 else (2 if x < 0.97 else 3)
            first_app = 0
            for k in range(n_apps):
                aid = nid("applications")
                a_created = created + int(r() * 20 * DAY_MS) * k
                y = r()
                if y < 0.05:  # a prospect: jobless, or on a job; a few were converted
                    job = pick(self.app_jobs) if r() < 0.5 else None
                    status = "converted" if r() < 0.2 else "in_process"
                    stage_ids = None
                else:
                    job = pick(self.app_jobs)
                    status = "in_process" if y < 0.62 else ("rejected" if y < 0.94 else "hired")
                    stage_ids = self.stages_by_job[job]
                    if jobs[job]["status"] == "closed" and status == "in_process":
                        status = "rejected"
                activity = a_created
                app = {
                    "id": aid,
                    "created_at": fmt_ms(a_created),
                    "updated_at": "",
                    "candidate_id": cid,
                    "job_id": job,
                    "job_post_id": None,
                    "source_id": pick(self.source_ids),
                    "referrer_id": pick(users) if r() < 0.05 else None,
                    "recruiter_id": pick(users) if r() < 0.6 else None,
                    "coordinator_id": pick(users) if r() < 0.3 else None,
                    "agency_note_id": None,
                    "stage_id": None,
                    "job_interview_stage_id": None,
                    "stage_name": None,
                    "status": status,
                    "rejected_at": None,
                    "rejection_reason_id": None,
                    "prospect": stage_ids is None,
                    "prospective_job_ids": [job] if stage_ids is None and job else [],
                    "needs_decision": False,
                    "last_activity_at": "",
                    "location_address": None,
                    "answers": [],
                    "custom_fields": {},
                }
                if stage_ids is not None:
                    posts = self.posts_by_job[job]
                    if posts and r() < 0.7:
                        app["job_post_id"] = posts[0]
                        app["answers"] = [{"question": "How did you hear about us?", "answer": "LinkedIn"}]
                    last_stage = len(stage_ids) - 1
                    reach = last_stage if status == "hired" else int(r() * r() * (last_stage + 1))
                    entered = a_created
                    for s in range(reach + 1):
                        sid_ = nid("application_stages")
                        is_last = s == reach
                        exited = None if is_last and status == "in_process" else entered + int((1 + r() * 14) * DAY_MS)
                        until = exited if exited is not None else END_MS
                        s_in = fmt_ms(entered)
                        s_out = fmt_ms(exited) if exited is not None else None
                        stages_t[sid_] = {
                            "id": sid_,
                            "created_at": s_in,
                            "updated_at": s_out or s_in,
                            "application_id": aid,
                            "job_interview_stage_id": stage_ids[s],
                            "entered_at": s_in,
                            "exited_at": s_out,
                            "days_in_stage": (until - entered) // DAY_MS,
                            "current": exited is None,
                        }
                        activity = max(activity, exited or entered)
                        if not is_last:
                            entered = exited  # type: ignore[assignment]
                    stage = stage_rows[stage_ids[reach]]
                    app["stage_id"] = app["job_interview_stage_id"] = stage["id"]
                    app["stage_name"] = stage["name"]
                    if status == "rejected":
                        rej = activity
                        s_rej = fmt_ms(rej)
                        reason = pick(reasons)
                        app["rejected_at"] = s_rej
                        app["rejection_reason_id"] = reason
                        did = nid("rejection_details")
                        rdet[did] = {
                            "id": did,
                            "created_at": s_rej,
                            "updated_at": s_rej,
                            "application_id": aid,
                            "rejected_by_id": pick(users),
                            "rejection_reason_id": reason,
                            "rejection_note_id": None,
                            "rejected_at": s_rej,
                            "question_custom_fields": {},
                        }
                    if r() < 0.1:
                        app["custom_fields"] = {
                            "referral_bonus_eligible": self.cf_value("referral_bonus_eligible", r() < 0.5)
                        }
                app["last_activity_at"] = app["updated_at"] = fmt_ms(activity)
                apps[aid] = app
                latest = max(latest, activity)
                if k == 0:
                    first_app = aid
            if r() < 0.85:
                att = nid("attachments")
                atts[att] = {
                    "id": att,
                    "created_at": s_created,
                    "updated_at": s_created,
                    "application_id": first_app,
                    "candidate_id": cid,
                    "type": "resume",
                    "filename": f"{first_a}_{last_a}_resume.pdf",
                    "url": None,
                }
                if r() < 0.2:
                    att = nid("attachments")
                    atts[att] = {
                        "id": att,
                        "created_at": s_created,
                        "updated_at": s_created,
                        "application_id": first_app,
                        "candidate_id": cid,
                        "type": "cover_letter",
                        "filename": "cover_letter.pdf",
                        "url": None,
                    }
            if r() < 0.2:
                note_at = created + int(r() * 10 * DAY_MS)
                s_note = fmt_ms(note_at)
                noid = nid("notes")
                notes[noid] = {
                    "id": noid,
                    "created_at": s_note,
                    "updated_at": s_note,
                    "candidate_id": cid,
                    "application_id": first_app if r() < 0.5 else None,
                    "user_id": pick(users),
                    "type": "NOTE",
                    "subject": None,
                    "body": pick(vocab.NOTE_BODIES),
                    "visibility": "admin_only_visible" if r() < 0.5 else "publicly_visible",
                }
                latest = max(latest, note_at)
            if r() < 0.25:
                for tid in {pick(self.tag_ids) for _ in range(1 + int(r() * 2))}:
                    atid = nid("applied_candidate_tags")
                    stamp = s_created
                    applied[atid] = {
                        "id": atid,
                        "created_at": stamp,
                        "updated_at": stamp,
                        "candidate_tag_id": tid,
                        "candidate_id": cid,
                    }
                    cand["tags"].append(tag_names[tid])
            cand["created_at"] = s_created
            cand["last_activity_at"] = fmt_ms(latest)
            cand["updated_at"] = fmt_ms(min(END_MS, latest + int(r() * DAY_MS)))
        # a few users are linked to candidates (former applicants), and the hired ones fill an opening
        some = list(cands)[: max(1, self.n // 100)]
        for cid in some:
            uid = self.pick(self.active_users)
            cands[cid]["linked_user_ids"] = [uid]
            self.t["users"][uid]["linked_candidate_ids"].append(cid)
        openings_by_job: dict[int, list[dict[str, Any]]] = {}
        for op in t["openings"].values():
            if not op["open"]:
                openings_by_job.setdefault(op["job_id"], []).append(op)
        for app in apps.values():
            if app["status"] == "hired":
                free = [o for o in openings_by_job.get(app["job_id"], []) if o["application_id"] is None]
                if free:
                    free[0]["application_id"] = app["id"]


def _ascii(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def generate(seed: int = 1, size: str | int = "small") -> TenantData:
    """Generate a tenant: organisation, lookups, jobs, candidates and everything hanging off them."""
    gen = _Gen(seed, parse_size(size))
    was_enabled = gc.isenabled()
    gc.disable()  # millions of small dicts: the cyclic collector would rescan them over and over
    try:
        gen.org()
        gen.lookups()
        gen.jobs()
        gen.candidates()
    finally:
        if was_enabled:
            gc.enable()
    return gen.data
