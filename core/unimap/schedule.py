"""When an integration's next scheduled sync is due, from its recorded runs (used by serve and the workers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["SyncHistory"]


def _epoch(stamp: str | None) -> float:
    if not stamp:
        return 0.0
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


@dataclass
class SyncHistory:
    """When an integration last tried a sync, last finished one, and last finished a full one (epoch s)."""

    last_try: float = 0.0
    last_ok: float = 0.0
    last_full_ok: float = 0.0

    def merge(self, syncs: list[dict[str, Any]]) -> None:
        for row in syncs:
            self.last_try = max(self.last_try, _epoch(row["started_at"]))
            if row["status"] == "success":
                self.last_ok = max(self.last_ok, _epoch(row["finished_at"]))
                if row["kind"] == "full":
                    self.last_full_ok = max(self.last_full_ok, _epoch(row["finished_at"]))

    def due(self, now: float, delta_every: float, full_every: float) -> str | None:
        """The kind of sync due at ``now``; a failed attempt waits the shorter interval before the next."""
        pause = min(x for x in (delta_every, full_every) if x > 0)
        if not self.last_ok:
            return "full" if not self.last_try or now - self.last_try >= pause else None
        if full_every > 0 and now - self.last_full_ok >= full_every and now - self.last_try >= pause:
            return "full"
        if delta_every > 0 and now - max(self.last_ok, self.last_try) >= delta_every:
            return "delta"
        return None
