"""The error a Bot API call answers with, shaped like Telegram's error responses."""

from __future__ import annotations

from typing import Any

_PREFIXES = {
    400: "Bad Request: ",
    403: "Forbidden: ",
    409: "Conflict: ",
    429: "Too Many Requests: ",
}


class ApiError(Exception):
    """A failed Bot API call: HTTP status, Telegram description and optional parameters."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        prefix = _PREFIXES.get(code, "")
        # Callers pass the bare reason; the prefix keeps every description Telegram-shaped.
        if prefix and not description.startswith(prefix):
            description = prefix + description
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False, "error_code": self.code, "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, reason)
