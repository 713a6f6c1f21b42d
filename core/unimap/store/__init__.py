"""The embedded store: integrations, synced records, checkpoints, sync runs and tracking.

``open_store(url)`` returns a :class:`~unimap.store.base.Store`; SQLite is the only backend
today (``sqlite:///path.db`` or ``sqlite:///:memory:``), behind the same interface others
would implement.
"""

from unimap.store.base import Integration, RecordPage, Store, open_store

__all__ = ["Integration", "RecordPage", "Store", "open_store"]
