"""One exception hierarchy for everything unimap raises on purpose.

Every error has a one-line ``str()`` fit for a terminal (the CLI prints it without a
traceback) and, where it maps onto Kombo's error envelope, a ``code`` from Kombo's closed
code set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class UnimapError(Exception):
    """Base class of every error unimap raises on purpose."""

    code: str | None = "PLATFORM.UNKNOWN_ERROR"
    title: str | None = None

    def __init__(self, message: str, *, code: str | None = None, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message

    def to_envelope(self) -> dict[str, Any]:
        """Kombo's error envelope for this error."""
        return {
            "status": "error",
            "error": {"code": self.code, "title": self.title, "message": self.message, "log_url": None},
        }


# -- specs and configuration ------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """A place in a spec file: 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


class SpecError(UnimapError):
    """A spec file is missing, unreadable or invalid; ``findings`` lists every problem."""

    code = None

    def __init__(self, message: str, *, location: Location | None = None, findings: list[Any] | None = None):
        prefix = f"{location}: " if location else ""
        super().__init__(prefix + message)
        self.location = location
        self.findings = list(findings or [])


class ConfigError(UnimapError):
    """Bad configuration: an unknown integration, connector, store URL or setting."""

    code = "PLATFORM.INPUT_INVALID"


class PluginError(UnimapError):
    """A plugin failed to load or implements a hook that does not exist."""

    code = None


class MappingError(UnimapError):
    """A vendor record could not be mapped onto the unified model."""

    code = "PLATFORM.UNKNOWN_ERROR"


# -- input --------------------------------------------------------------------------------


class InputInvalid(UnimapError):
    """An action payload, filter or argument failed validation; ``fields`` names each problem."""

    code = "PLATFORM.INPUT_INVALID"
    title = "The input is invalid."

    def __init__(self, message: str, *, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.fields = list(fields or [])


class IntegrationNotFound(UnimapError):
    """No integration with that id exists in the store."""

    code = "PLATFORM.INTEGRATION_NOT_FOUND"
    title = "The integration was not found."


# -- the vendor side --------------------------------------------------------------------


class RemoteError(UnimapError):
    """The vendor API failed in a way the caller should know about."""

    code = "REMOTE.UNKNOWN_HTTP_ERROR"

    def __init__(self, message: str, *, call: str | None = None, status: int | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.call = call
        self.status = status


class RemoteUnavailable(RemoteError):
    """The vendor answered 5xx, timed out or sent a body that is not valid JSON (retryable)."""

    code = "REMOTE.SERVICE_UNAVAILABLE"


class RemoteRateLimited(RemoteError):
    """The vendor rate limit was hit and retries ran out (retryable later)."""

    code = "REMOTE.RATE_LIMIT_EXCEEDED"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class RemoteInputInvalid(RemoteError):
    """The vendor rejected the request (an RPC error that is not about the session)."""

    code = "REMOTE.INPUT_INVALID"


class AuthenticationInvalid(RemoteError):
    """The stored vendor credentials are invalid or revoked."""

    code = "INTEGRATION.AUTHENTICATION_INVALID"
    title = "The integration's credentials are invalid."


# -- actions -----------------------------------------------------------------------------


class ActionError(UnimapError):
    """A write action was refused for a domain reason (``code`` is an ``ATS.*`` code)."""


class JobClosed(ActionError):
    """The job does not accept applications."""

    code = "ATS.JOB_CLOSED"
    title = "The job is closed."


class ApplicationAlreadyExists(ActionError):
    """The candidate already applied to this job."""

    code = "ATS.APPLICATION_ALREADY_EXISTS"
    title = "Candidate has already applied to this job."


# -- store -------------------------------------------------------------------------------


class StoreError(UnimapError):
    """The embedded store could not be opened, migrated or written."""

    code = "PLATFORM.UNKNOWN_ERROR"


class SyncInterrupted(UnimapError):
    """A sync stopped on request (Ctrl-C, SIGTERM) after committing its current page; ``report`` says how far."""

    code = None

    def __init__(self, message: str, *, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class SyncPending(UnimapError):
    """No sync of this integration has finished yet."""

    code = "INTEGRATION.SETUP_SYNC_PENDING"
    title = "The first sync has not finished yet."


__all__ = [
    "ActionError",
    "ApplicationAlreadyExists",
    "AuthenticationInvalid",
    "ConfigError",
    "InputInvalid",
    "IntegrationNotFound",
    "JobClosed",
    "Location",
    "MappingError",
    "PluginError",
    "RemoteError",
    "RemoteInputInvalid",
    "RemoteRateLimited",
    "RemoteUnavailable",
    "SpecError",
    "StoreError",
    "SyncPending",
    "UnimapError",
]
