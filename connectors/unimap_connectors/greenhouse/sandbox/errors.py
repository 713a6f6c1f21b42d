"""HTTP-level errors the app turns into responses, with the sandbox's documented bodies."""

from __future__ import annotations

from typing import Any


class HttpError(Exception):
    """An error answer: status, JSON body and extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def validation(*errors: tuple[str | None, str]) -> HttpError:
    """422 ``{"message":"Validation error","errors":[{"field","message"}]}``."""
    return HttpError(422, {"message": "Validation error", "errors": [{"field": f, "message": m} for f, m in errors]})


def cursor_error(message: str) -> HttpError:
    """422 in the attested cursor shape ``{"errors":["…"]}``."""
    return HttpError(422, {"errors": [message]})


def not_found(what: str, rid: Any) -> HttpError:
    """404 ``{"message":"<What> <id> not found"}``."""
    return HttpError(404, {"message": f"{what} {rid} not found"})


UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}
