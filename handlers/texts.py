"""Message catalogues (zh default, en): every user-facing text, one key per message."""

from functools import cache
from importlib import resources
from typing import Any

import yaml

DEFAULT_LOCALE = "zh"


@cache
def _catalogue(locale: str) -> dict[str, str]:
    """Merge every file of handlers/locales/<locale>/ (one per feature); a key lives in one."""
    folder = resources.files("handlers").joinpath("locales", locale)
    merged: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text("utf-8")) or {}
        for key, value in data.items():
            if str(key) in merged:
                raise ValueError(f"message {key!r} is defined twice ({locale}/{entry.name})")
            merged[str(key)] = str(value)
    return merged


def available_locales() -> tuple[str, ...]:
    """List the locales that have a catalogue."""
    return ("zh", "en")


class Texts:
    """Look up and fill in messages for one locale, falling back to Chinese."""

    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        self.locale = locale if locale in available_locales() else DEFAULT_LOCALE
        self._own = _catalogue(self.locale)
        self._fallback = _catalogue(DEFAULT_LOCALE)

    def __call__(self, key: str, **params: Any) -> str:
        """Return the message `key` with its placeholders filled in."""
        template = self._own.get(key) or self._fallback.get(key)
        if template is None:
            raise KeyError(f"no message {key!r} in the catalogue")
        return template.format(**params) if params else template

    def has(self, key: str) -> bool:
        """Tell whether the catalogue has this key."""
        return key in self._own or key in self._fallback
