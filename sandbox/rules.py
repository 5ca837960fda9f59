"""Value rules the spec states in prose: lengths, ranges, allowed values, parsed-text limits."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.entities import EntityParseError
from sandbox.files import UploadedFile
from sandbox.formatting import parse_text
from sandbox.spec import FieldSpec


class Invalid(ValueError):
    """A parameter that does not match the spec; the message names the field path."""


def show(value: Any) -> str:
    """A short JSON rendering of a value for error messages."""
    if isinstance(value, UploadedFile):
        return "an uploaded file"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def check_limits(value: Any, type_name: str, path: str, fspec: FieldSpec) -> None:
    """Length, range, allowed-value and pattern rules for one matched value."""
    if type_name == "String" and isinstance(value, str):
        if fspec.const is not None and value != fspec.const:
            raise Invalid(f"field '{path}' must be {show(fspec.const)}, got {show(value)}")
        if fspec.choices and value not in fspec.choices:
            allowed = ", ".join(show(c) for c in fspec.choices)
            raise Invalid(f"field '{path}' must be one of {allowed}, got {show(value)}")
        if fspec.pattern and not re.fullmatch(fspec.pattern[0], value):
            raise Invalid(f"field '{path}' may contain only {fspec.pattern[1]}, got {show(value)}")
        if not fspec.after_entities:
            size = len(value.encode()) if fspec.len_unit == "bytes" else len(value)
            _check_length(size, path, fspec)
    elif type_name == "Integer" and fspec.min_value is not None and fspec.max_value is not None:
        if not fspec.min_value <= value <= fspec.max_value:
            raise Invalid(f"field '{path}' must be between {fspec.min_value} and "
                          f"{fspec.max_value}, got {value}")


def _check_length(size: int, path: str, fspec: FieldSpec) -> None:
    if fspec.max_len is not None and size > fspec.max_len:
        raise Invalid(f"field '{path}' is longer than {fspec.max_len} {fspec.len_unit}")
    if fspec.min_len and size < fspec.min_len:
        if fspec.min_len == 1:
            raise Invalid(f"field '{path}' must not be empty")
        raise Invalid(f"field '{path}' is shorter than {fspec.min_len} {fspec.len_unit}")


def check_parsed_texts(fields: dict[str, FieldSpec], values: dict[str, Any], prefix: str) -> None:
    """Length limits stated "after entities parsing" apply to the text with markup removed."""
    for fspec in fields.values():
        text = values.get(fspec.name)
        if not fspec.after_entities or not isinstance(text, str):
            continue
        mode_key = next((k for k in (f"{fspec.name}_parse_mode", "parse_mode") if k in fields),
                        None)
        ent_key = "entities" if fspec.name == "text" else f"{fspec.name}_entities"
        try:
            plain, _ = parse_text(text, values.get(mode_key) if mode_key else None,
                                  values.get(ent_key))
        except EntityParseError as exc:
            raise Invalid(f"field '{prefix}{fspec.name}': can't parse entities: {exc}") from None
        _check_length(len(plain), prefix + fspec.name, fspec)
