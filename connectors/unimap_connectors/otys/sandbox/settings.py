"""Every choice the sandbox makes where the OTYS reference is silent, in one dataclass.

``docs/otys-sandbox.md`` explains each field; a real tenant that behaves differently should be
one edit here away.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: JSON-RPC ``error.code`` per error kind (see ``errors.py``); negative ones are JSON-RPC's own.
DEFAULT_ERROR_CODES: dict[str, int] = {
    "parse_error": -32700,
    "invalid_request": -32600,
    "method_not_found": -32601,
    "invalid_params": -32602,
    "internal_error": -32603,
    "login_first": 101,
    "login_again": 102,
    "invalid_api_key": 103,
    "unknown_field": 201,
    "invalid_operator": 202,
    "invalid_condition": 203,
    "invalid_sort": 204,
    "limit_exceeded": 205,
    "not_implemented": 206,
    "not_found": 301,
    "validation": 302,
    "not_enabled": 303,
    "rate_limited": 429,
    "injected": 500,
}


@dataclass
class SandboxSettings:
    """Tunable behaviour of one sandbox tenant (defaults = the documented decisions)."""

    # -- tenant identity -------------------------------------------------------------------
    api_key: str | None = None  # None: 32 hex chars derived from the seed
    client_id: int = 4711
    client_name: str = "Sandbox Werving & Selectie B.V."
    client_code: str = "sandbox"  # CsmService DB103
    partner_id: int = 0
    default_language: str = "nl"

    # -- sessions --------------------------------------------------------------------------
    session_lifetime: float = 14 * 3600.0  # seconds from login; absolute, no idle timeout
    session_id_length: int = 26

    # -- dates -----------------------------------------------------------------------------
    timezone: str = "Europe/Amsterdam"  # zone of every date-time in responses
    datetime_format: str = "%Y-%m-%d %H:%M:%S"  # strftime format of date-times in responses
    date_format: str = "%Y-%m-%d"  # date-only fields (birthdate, availableAt, ...) — fixed
    datetime_offset: bool = False  # append the UTC offset ("+02:00") to every date-time in responses
    modified_field: str = "lastModified"  # server-stamped on every write, every record service
    modified_absent: tuple[str, ...] = ()  # services that have no modified field at all (§8 Q3)

    # -- list engine -----------------------------------------------------------------------
    max_limit: int = 200
    limit_behaviour: str = "error"  # "error" | "cap" | "off" when limit > max_limit w/o excludeLimitCheck
    default_limit: int = 200  # getListEx without ``limit``; getList without ``limit`` is unlimited
    multi_counts_entries: bool = False  # MultiService.execute costs one rate-limit unit per entry
    batch_requests: str = "refuse"  # JSON-RPC batch arrays: "refuse" (-32600) | "answer" (per the spec)
    actonomy: str = "on"  # search.ACTONOMY: "on" (the subset in actonomy.py) | "refuse" (error naming it)
    query_cache_size: int = 256  # cached (service, condition, sort) selections
    default_what: dict[str, dict[str, Any]] | None = None  # None: the built-in sets of schema.py

    # -- writes ----------------------------------------------------------------------------
    strict_writes: bool = True  # unknown field in add/update data -> Abstract_field error
    delete_mode: str = "anonymise"  # CandidateService.delete: "anonymise" (GDPR, record kept) | "hard"
    anonymised_last_name: str = "Geanonimiseerd"  # Person.lastName of an anonymised candidate
    reject_status_minus_one: bool = False  # CandidateService.add with statusId -1 -> error
    web_status_id: int = 5  # statusId stored when -1 is accepted ("New (website)")
    gdpr_writes_enabled: bool = True  # setGdprDueDatePartner allowed
    cv_type_id: str = "1"
    cover_letter_type_id: str = "202"
    other_type_id: str = "201"
    max_upload_bytes: int = 16 * 1024 * 1024

    # -- generated data --------------------------------------------------------------------
    generate_extended: bool = True  # candidate collections, extra Person/vacancy fields (own random stream)

    # -- custom fields ---------------------------------------------------------------------
    candidate_extra_fields: int = 5
    vacancy_extra_fields: int = 5

    # -- rate limiting ---------------------------------------------------------------------
    rate_limit: int | None = 350  # requests per window per API key; None/0 = off
    rate_window: float = 60.0  # fixed window, starting at the first request after a reset
    unlimited_remaining: int = 999_999  # X-Orl-Requests-Remaining when the limit is off

    # -- faults ----------------------------------------------------------------------------
    hang_seconds: float = 2.0  # default delay of a "hang" fault
    burst_length: int = 5  # default length of a burst of 429s
    injected_retry_after: int = 1  # Retry-After of injected 429s

    # -- webhooks --------------------------------------------------------------------------
    webhooks_enabled: bool = True
    webhook_timeout: float = 2.0

    # -- error codes -----------------------------------------------------------------------
    error_codes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_ERROR_CODES))

    # -- clocks (tests may replace them) ----------------------------------------------------
    clock: Callable[[], float] = time.time  # wall clock: write stamps, session expiry
    monotonic: Callable[[], float] = time.monotonic  # rate-limit windows

    def has_modified(self, service: str) -> bool:
        """True when ``service`` records carry the server-stamped modified field."""
        return service not in self.modified_absent

    def error_code(self, kind: str) -> int:
        """Numeric code for an error kind (unknown kinds map to internal_error)."""
        return self.error_codes.get(kind, self.error_codes.get("internal_error", -32603))
