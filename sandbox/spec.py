"""Loads the official Bot API description (spec/api.json) and derives validation rules from it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

# Telegram accepts exactly these parse modes; the spec only links to "formatting options".
PARSE_MODES = ("HTML", "MarkdownV2", "Markdown")

# Rules the spec states in prose that no generic pattern below can pick up.
PATTERNS: dict[tuple[str, str], tuple[str, str]] = {
    ("BotCommand", "command"): (r"[a-z0-9_]+", "lowercase English letters, digits and underscores"),
    ("setWebhook", "secret_token"): (r"[A-Za-z0-9_-]+", "characters A-Z, a-z, 0-9, _ and -"),
}

_LENGTH = re.compile(r"\b(\d+)-(\d+) (characters|bytes)")
_AFTER_ENTITIES = re.compile(r"\d+-\d+ characters[^.;]*after entit(?:y|ies) parsing")
_INT_RANGE = re.compile(
    r"(?:[Vv]alues between |; |, )(\d+)-(\d+)(?: are accepted|\.|$)"
    r"|[Mm]ust be between (\d+) and (\d+) if specified"
)
_CONST = re.compile(r", must be ([a-z][a-z0-9_]*)$")
_CHOICES = re.compile(
    r"(?:must be one of|can be either|Currently, can be) (.*?)(?:\.\s|\.$|$)", re.I)
_QUOTED = re.compile(r"\"([^\"]+)\"")
_ONE_OF = re.compile(r"(Exactly|At most) one of the fields other than (.+?) must be used")


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or one field of an object, with the limits its text states."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str
    min_len: int | None = None
    max_len: int | None = None
    len_unit: str = "characters"
    after_entities: bool = False
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[str, ...] = ()
    const: str | None = None
    pattern: tuple[str, str] | None = None


@dataclass(frozen=True)
class ObjectSpec:
    """An object type: its fields, or the subtypes it stands for."""

    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    subtypes: tuple[str, ...] = ()
    # Fields of which exactly one (or at most one) must be set, e.g. InlineKeyboardButton actions.
    one_of: tuple[str, ...] = ()
    one_of_exact: bool = False
    # KeyboardButton may be given as a plain string.
    string_allowed: bool = False


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method and its parameters."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class ApiSpec:
    """The whole parsed api.json."""

    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, ObjectSpec]
    by_lower_name: dict[str, MethodSpec]

    def find_method(self, name: str) -> MethodSpec | None:
        """Look a method up the way Telegram does: method names are case-insensitive."""
        return self.by_lower_name.get(name.lower())


def _field(owner: str, raw: dict) -> FieldSpec:
    text: str = raw.get("description", "")
    types = tuple(raw["types"])
    kw: dict = {}
    if "String" in types and (m := _LENGTH.search(text)):
        kw.update(min_len=int(m[1]), max_len=int(m[2]), len_unit=m[3])
        kw["after_entities"] = bool(_AFTER_ENTITIES.search(text))
    if types == ("Integer",) and (m := _INT_RANGE.search(text)):
        low, high = (m[1], m[2]) if m[1] else (m[3], m[4])
        kw.update(min_value=int(low), max_value=int(high))
    if types == ("String",):
        if m := _CONST.search(text):
            kw["const"] = m[1]
        elif m := _CHOICES.search(text):
            kw["choices"] = tuple(_QUOTED.findall(m[1]))
    name = raw["name"]
    if name == "parse_mode" or name.endswith("_parse_mode"):
        kw["choices"] = PARSE_MODES
    if (owner, name) in PATTERNS:
        kw["pattern"] = PATTERNS[(owner, name)]
    return FieldSpec(name=name, types=types, required=bool(raw.get("required")), description=text,
                     **kw)


def _object(raw: dict) -> ObjectSpec:
    name = raw["name"]
    fields = {f["name"]: _field(name, f) for f in raw.get("fields", [])}
    text = " ".join(raw.get("description", []))
    one_of: tuple[str, ...] = ()
    exact = False
    if m := _ONE_OF.search(text):
        excluded = {s.strip() for s in re.split(r",|\band\b", m[2]) if s.strip()}
        one_of = tuple(n for n in fields if n not in excluded)
        exact = m[1] == "Exactly"
    return ObjectSpec(name=name, fields=fields, subtypes=tuple(raw.get("subtypes", [])),
                      one_of=one_of, one_of_exact=exact,
                      string_allowed="String can be used instead of this object" in text)


def parse_spec(data: dict) -> ApiSpec:
    """Build an ApiSpec from the decoded api.json document."""
    methods = {
        name: MethodSpec(name=name, returns=tuple(m.get("returns", [])),
                         fields={f["name"]: _field(name, f) for f in m.get("fields", [])})
        for name, m in data["methods"].items()
    }
    types = {name: _object(t) for name, t in data["types"].items()}
    return ApiSpec(version=str(data.get("version", "")), methods=methods, types=types,
                   by_lower_name={k.lower(): v for k, v in methods.items()})


@cache
def load_spec() -> ApiSpec:
    """The bundled spec, parsed once per process."""
    text = resources.files("sandbox").joinpath("spec/api.json").read_text(encoding="utf-8")
    return parse_spec(json.loads(text))
