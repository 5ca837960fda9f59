"""JSON for Bot API bodies and JSON columns: orjson where it can (several times cheaper), the
standard json where orjson refuses, so that no value fails to encode and what json wrote is
read back."""

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """JSON of a value: orjson, or json for what orjson refuses (a lone surrogate in a text, a
    key that is not a string, an integer beyond 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value).encode()


def loads(raw: bytes | str) -> Any:
    """A value from JSON: orjson, or json for what orjson refuses (a lone surrogate written by
    json); empty text is None; anything else that is not JSON raises ValueError."""
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except ValueError:
        return json.loads(raw)
