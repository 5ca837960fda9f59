"""Domain errors: a rule said no. Handlers turn them into polite catalogue messages."""

from typing import Any


class DomainError(Exception):
    """A use case refused; `key` names the message to show, `params` fill it in."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
