"""``ProcedureRemarkService``: remarks (notes) a recruiter or the API writes on a procedure.

No public OTYS source shows notes on procedures; the sandbox serves them as a service of its
own (``add [session, {procedureUid, remark}]``, ``getListEx`` filtered on ``procedureUid``,
``getDetail``, ``delete``), the OTYS connector names the method in a setting (``note_method``).
A remark carries the procedure's candidate and vacancy and the writing user; it goes when its
procedure, candidate or vacancy is deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import validation

if TYPE_CHECKING:
    from .store import Tenant

SERVICE = "ProcedureRemarkService"
METHODS: dict[str, tuple[str, ...]] = {SERVICE: ("add", "getListEx", "getDetail", "delete")}


def check_remark(tenant: Tenant, rec: dict[str, Any], current: dict[str, Any] | None) -> None:
    """Validate a merged remark and fill what OTYS derives (candidate, vacancy, author)."""
    uid = rec.get("procedureUid")
    if uid in (None, "") or not tenant.exists("ProcedureService", uid):
        raise validation(f"procedureUid {uid!r} does not exist")
    if not str(rec.get("remark") or "").strip():
        raise validation("a remark needs text (remark)")
    procedure = tenant.find("ProcedureService", uid)
    rec["procedureUid"] = procedure["uid"]
    rec["candidateUid"], rec["vacancyUid"] = procedure["candidateUid"], procedure["vacancyUid"]
    if current is None:
        rec["userId"] = tenant.api_user_uid
