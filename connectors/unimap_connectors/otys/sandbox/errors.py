"""RPC-level failures: raised by the engine, sent as HTTP 200 with ``error{code, message}``.

An error carries a *kind*; ``SandboxSettings.error_codes`` turns the kind into the numeric
``code`` (documented in docs/otys-sandbox.md).
"""

from __future__ import annotations

MSG_LOGIN_FIRST = "Access denied; please login first"
MSG_LOGIN_AGAIN = "Access denied; please login again"


class RpcError(Exception):
    """A JSON-RPC error of a given kind (``login_first``, ``unknown_field``, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def unknown_field(service: str, name: str) -> RpcError:
    """The error OTYS raises for a field a service does not know (message has ``Abstract_field``)."""
    return RpcError(
        "unknown_field",
        f"Otys_Abstract_field: field '{name}' does not exist in {service}",
    )


def invalid_params(message: str) -> RpcError:
    """Wrong parameter count or type."""
    return RpcError("invalid_params", f"Invalid params: {message}")


def not_found(service: str, uid: object) -> RpcError:
    """Unknown uid."""
    return RpcError("not_found", f"{service}: record '{uid}' not found")


def validation(message: str) -> RpcError:
    """Write data that the service refuses."""
    return RpcError("validation", f"Validation failed: {message}")
