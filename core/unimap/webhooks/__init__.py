"""Change webhooks: ``data-changed`` events out to subscribers, vendor webhooks in to trigger delta syncs.

- :mod:`.events`: the unified model → Kombo model name map and the ``data-changed`` event;
- :mod:`.signing`: the ``X-Unimap-Signature`` header subscribers verify;
- :mod:`.policy`: which receiver URLs unimap may call (no private addresses unless allowed);
- :mod:`.store`: subscriptions, the durable delivery queue and its log, inbound secrets;
- :mod:`.delivery`: posting due deliveries with exponential backoff, after each sync and in a loop;
- :mod:`.inbound`: vendor webhook verification (typed ``webhook_signature`` components) and event → model maps.

See ``docs/webhooks.md``.
"""

from __future__ import annotations

from unimap.webhooks.events import KOMBO_MODEL_NAMES, changed_models, data_changed_event
from unimap.webhooks.signing import SIGNATURE_HEADER, sign, verify

__all__ = ["KOMBO_MODEL_NAMES", "SIGNATURE_HEADER", "changed_models", "data_changed_event", "sign", "verify"]
