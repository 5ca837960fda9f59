"""Checks a call's parameters against the spec, coercing form strings the way Telegram does."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.files import UploadedFile
from sandbox.rules import Invalid, check_limits, check_parsed_texts, show
from sandbox.spec import ApiSpec, FieldSpec, MethodSpec, ObjectSpec

_SCALARS = {"Integer", "Float", "Boolean", "String", "InputFile"}
_INT = re.compile(r"\s*-?\d+\s*")
_BOOLS = {"true": True, "false": False, "1": True, "0": False}


@dataclass
class _Ctx:
    spec: ApiSpec
    files: dict[str, UploadedFile]
    used: set[str] = field(default_factory=set)


def _type_error(path: str, types: tuple[str, ...] | list[str], value: Any) -> Invalid:
    return Invalid(f"field '{path}' must be {' or '.join(types)}, got {show(value)}")


def validate_params(spec: ApiSpec, method: MethodSpec, params: dict[str, Any],
                    files: dict[str, UploadedFile]) -> dict[str, Any]:
    """Coerce and check a call's parameters; raises Invalid with a precise reason."""
    ctx = _Ctx(spec, files)
    for name in params:
        if name not in method.fields:
            raise Invalid(f"unknown parameter '{name}'")
    out: dict[str, Any] = {}
    for name, fspec in method.fields.items():
        raw = params.get(name)
        if raw is None and name in files:
            raw = files[name]
            ctx.used.add(name)
        if raw is None:
            if fspec.required:
                raise Invalid(f"required field '{name}' is missing")
            continue
        out[name] = _check(raw, fspec.types, name, fspec, ctx, loose=True)
    for name in files:
        if name not in ctx.used:
            raise Invalid(f"unknown parameter '{name}' (an uploaded file nothing refers to)")
    check_parsed_texts(method.fields, out, "")
    updates = [n for n in spec.types["Update"].fields if n != "update_id"]
    for i, kind in enumerate(out.get("allowed_updates") or []):
        if kind not in updates:
            raise Invalid(f"field 'allowed_updates[{i}]' must be an update type, got {show(kind)}")
    return out


def _check(value: Any, types: tuple[str, ...], path: str, fspec: FieldSpec | None, ctx: _Ctx,
           loose: bool = False) -> Any:
    """Match value against one of `types`; loose=True accepts the strings forms carry."""
    if "InputFile" in types and isinstance(value, str) and value.startswith("attach://"):
        types = ("InputFile",)  # an attach:// reference is never a plain file_id
    if loose and isinstance(value, str) and "String" not in types:
        if any(t not in _SCALARS for t in types) and value.lstrip()[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except ValueError:
                raise Invalid(f"field '{path}' must be JSON-serialized "
                              f"{' or '.join(types)}, got invalid JSON {show(value)}") from None
    errors: list[tuple[str, Invalid]] = []
    for type_name in types:
        try:
            result = _check_one(value, type_name, path, ctx, loose)
        except Invalid as exc:
            errors.append((type_name, exc))
            continue
        if fspec is not None:
            check_limits(result, type_name, path, fspec)
        return result
    if len(errors) == 1:
        raise errors[0][1]
    if isinstance(value, dict):
        close = [exc for name, exc in errors if _looks_like(ctx.spec, value, name)]
        if len(close) == 1:
            raise close[0]
    raise _type_error(path, types, value)


def _looks_like(spec: ApiSpec, value: dict, type_name: str) -> bool:
    """Whether value was evidently meant as type_name (its required keys and tag match)."""
    obj = spec.types.get(type_name)
    if obj is None:
        return False
    if obj.subtypes:
        return any(_looks_like(spec, value, sub) for sub in obj.subtypes)
    tags = [f for f in obj.fields.values() if f.const is not None]
    if tags:
        # A tagged subtype (e.g. BotCommandScopeChat) is recognised by its tag alone.
        return all(value.get(f.name) == f.const for f in tags)
    return bool(obj.fields) and all(f.name in value for f in obj.fields.values() if f.required)


def _check_one(value: Any, type_name: str, path: str, ctx: _Ctx, loose: bool) -> Any:
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            raise _type_error(path, [type_name], value)
        inner = (type_name.removeprefix("Array of "),)
        return [_check(v, inner, f"{path}[{i}]", None, ctx) for i, v in enumerate(value)]
    if type_name == "Integer":
        if loose and isinstance(value, str) and _INT.fullmatch(value):
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif type_name == "Float":
        if loose and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    elif type_name == "Boolean":
        if loose and isinstance(value, str) and value.strip().lower() in _BOOLS:
            return _BOOLS[value.strip().lower()]
        if isinstance(value, bool):
            return value
    elif type_name == "String":
        if isinstance(value, str):
            return value
    elif type_name == "InputFile":
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name not in ctx.files:
                raise Invalid(f"field '{path}' refers to {value} but no such file part was sent")
            ctx.used.add(name)
            return ctx.files[name]
    else:
        return _check_object(value, ctx.spec.types[type_name], path, ctx)
    raise _type_error(path, [type_name], value)


def _check_object(value: Any, obj: ObjectSpec, path: str, ctx: _Ctx) -> Any:
    if obj.subtypes:
        return _check(value, obj.subtypes, path, None, ctx)
    if obj.string_allowed and isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise _type_error(path, [obj.name], value)
    for key in value:
        if key not in obj.fields:
            raise Invalid(f"unknown field '{path}.{key}' in {obj.name}")
    out: dict[str, Any] = {}
    for name, fspec in obj.fields.items():
        if value.get(name) is None:
            if fspec.required:
                raise Invalid(f"required field '{path}.{name}' is missing in {obj.name}")
            continue
        out[name] = _check(value[name], fspec.types, f"{path}.{name}", fspec, ctx)
    if obj.one_of:
        used = [n for n in obj.one_of if n in out]
        if len(used) > 1 or (obj.one_of_exact and not used):
            rule = "exactly" if obj.one_of_exact else "at most"
            raise Invalid(f"field '{path}' ({obj.name}) must use {rule} one of "
                          f"{', '.join(obj.one_of)}; got {', '.join(used) or 'none'}")
    check_parsed_texts(obj.fields, out, f"{path}.")
    return out


def validate_object(spec: ApiSpec, type_name: str, value: Any) -> None:
    """Check an object the emulator produced (Message, Update, ...) against the spec."""
    _check(value, (type_name,), type_name, None, _Ctx(spec, {}))
