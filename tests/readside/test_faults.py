"""Syncing through server errors, malformed bodies, expiring sessions and 429 bursts."""

from __future__ import annotations

import math
import threading

import httpx

from unimap.service import Unimap

from .helpers import MODELS, Sleeps, change_marks, connect, snapshot

FAULTS = "5xx=0.05,malformed=0.05,burst429=0.02:2,seed=11"


class _ExpireSessions(httpx.HTTPTransport):
    """Real HTTP; every session dies just before the n-th list request of ``at`` goes out.

    That request still carries the dead session, so each expiry is sure to be noticed.
    """

    def __init__(self, sb, at: tuple[int, ...], method: bytes = b"getListEx") -> None:
        super().__init__()
        self.sb, self.at, self.method, self.seen, self.expired = sb, at, method, 0, 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.method in request.content:
            with self.lock:
                self.seen += 1
                if self.seen in self.at:
                    self.expired += 1
                    self.sb.expire_sessions()
        return super().handle_request(request)


def _clean_store(sb, path):
    um = Unimap(f"sqlite:///{path}")
    iid = connect(um, sb)
    assert um.sync(iid, full=True).ok
    return um, iid


def test_faulty_full_sync_ends_with_the_clean_store(make_sandbox, tmp_path):
    sb = make_sandbox(seed=3, size=450)
    clean, iid = _clean_store(sb, tmp_path / "clean.db")
    expected = snapshot(clean, iid)
    clean.close()

    with Unimap(f"sqlite:///{tmp_path / 'faulty.db'}") as um:
        connect(um, sb, iid)
        sb.stats.reset()
        sb.set_faults(FAULTS)
        # make sure every kind happens at least once, whatever the random draws
        sb.fail_next("CandidateService.getListEx", 1, "500")
        sb.fail_next("ProcedureService.getListEx", 1, "malformed")
        sb.fail_next("VacancyService.getListEx", 1, "429")
        sb.fail_next("UserService.getListEx", 1, "503")
        expiring = _ExpireSessions(sb, at=(2, 5, 8))
        sleeps = Sleeps()
        report = um.sync(iid, full=True, sleep=sleeps, transport=expiring)
        assert report.ok, report.as_dict()
        faults = sb.stats.faults
        assert faults["500"] >= 1 and faults["503"] >= 1 and faults["malformed"] >= 1 and faults["429"] >= 1, faults
        assert expiring.expired == 3
        assert sb.stats.count("loginByUid") >= 2  # logged in again after the sessions expired
        assert sleeps.calls  # retries waited through the hook, not for real
        assert snapshot(um, iid) == expected

        # faults never pass for deletions or changes: a second faulty full sync changes nothing
        before = change_marks(um, iid)
        sb.fail_next("CandidateService.getListEx", 2, "502")
        again = um.sync(iid, full=True, sleep=sleeps, transport=_ExpireSessions(sb, at=(3,)))
        assert again.ok, again.as_dict()
        assert all(r.deleted == r.changed == r.created == 0 for r in again.models.values())
        assert change_marks(um, iid) == before


def test_a_session_that_expires_again_during_the_retry_is_renewed_again(make_sandbox, tmp_path):
    sb = make_sandbox()
    with Unimap(f"sqlite:///{tmp_path / 'relogin.db'}") as um:
        iid = connect(um, sb)
        sb.stats.reset()
        # the candidate list call is refused, logs in, and its resend is refused once more
        expiring = _ExpireSessions(sb, at=(1, 2), method=b"CandidateService.getListEx")
        report = um.sync(iid, full=True, sleep=Sleeps(), transport=expiring)
        assert expiring.expired == 2
        assert report.ok, report.as_dict()
        assert sb.stats.count("loginByUid") == 3
        assert um.store.count(iid, "candidate") == sb.tenant.count("CandidateService")


def test_a_sync_that_gives_up_midway_resumes_to_the_clean_store(make_sandbox, tmp_path):
    sb = make_sandbox(seed=3, size=1200)  # enough pages that the failure lands midway
    clean, iid = _clean_store(sb, tmp_path / "clean.db")
    expected = snapshot(clean, iid)
    clean.close()

    with Unimap(f"sqlite:///{tmp_path / 'broken.db'}") as um:
        connect(um, sb, iid)
        seen = []

        def progress(model, done, total):
            seen.append(model)
            if model == "application" and seen.count(model) == 1:  # every retry of the next page fails
                sb.fail_next("ProcedureService.getListEx", 50, "500")

        failed = um.sync(iid, full=True, progress=progress, sleep=Sleeps())
        assert not failed.ok
        assert failed.models["application"].error and "HTTP 500" in failed.models["application"].error
        assert all(failed.models[m].error is None for m in MODELS if m != "application")
        checkpoint = um.store.checkpoint(iid, "application")
        assert checkpoint["run"] is not None and checkpoint["run"]["fetched"] >= 200
        assert um.store.count(iid, "application") < sb.tenant.count("ProcedureService")

        sb.faults.clear()
        sb.stats.reset()
        resumed = um.sync(iid, sleep=Sleeps())
        assert resumed.ok, resumed.as_dict()
        total = sb.tenant.count("ProcedureService")
        left = math.ceil((total - checkpoint["run"]["fetched"]) / 200)
        # the resumed run went on from the checkpoint instead of starting the applications over
        assert sb.stats.count("ProcedureService.getListEx") <= left + 1 < math.ceil(total / 200)
        assert um.store.checkpoint(iid, "application")["run"] is None
        assert snapshot(um, iid) == expected
        assert resumed.models["application"].deleted == 0
