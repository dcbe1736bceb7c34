"""A destination's settings JSON Schema (as pydantic writes it) turned into form fields.

`fields_of(schema)` reads the schema into FieldSpecs, one per property; `collect`
turns what the user typed into a settings object, with an error per field for what is
missing or out of bounds. The widget (segtui/widgets/settings_form.py) only lays the
fields out; everything that decides lives here, pure and tested by tables.

Kinds: string (format uri/email/password...), integer, number, boolean, enum, a list
of strings (one per line), a map of strings ("name: value" per line), and JSON for any
shape a form cannot express better. Secrets (``format: password`` or ``writeOnly``)
are masked and never shown back.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit


class Kind(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ENUM = "enum"
    STRING_LIST = "string_list"
    STRING_MAP = "string_map"
    JSON = "json"


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: A field without a default.
MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class Bounds:
    """The checks JSON Schema puts on a value (or on each item of a list)."""

    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: str = ""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: Kind
    title: str
    description: str = ""
    required: bool = False
    default: Any = MISSING
    secret: bool = False
    #: null is allowed (an Optional field): an empty input sends null.
    nullable: bool = False
    choices: tuple[Any, ...] = ()
    bounds: Bounds = Bounds()
    #: Lists: the checks on each item; maps: on each value.
    item_bounds: Bounds = Bounds()
    min_items: int | None = None
    max_items: int | None = None

    @property
    def label(self) -> str:
        return f"{self.title} *" if self.required else self.title

    def initial_text(self, value: Any = MISSING) -> str:
        """What the input shows at first: the current value, else the default."""
        if self.secret:
            return ""
        value = self.default if value is MISSING else value
        if value is MISSING or value is None:
            return ""
        if self.kind is Kind.STRING_LIST:
            return "\n".join(str(v) for v in value)
        if self.kind is Kind.STRING_MAP:
            return "\n".join(f"{k}: {v}" for k, v in value.items())
        if self.kind is Kind.JSON:
            return json.dumps(value, indent=2)
        return str(value)


class UnsupportedSchema(ValueError):
    """The schema is not an object with properties."""


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"), {})
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _resolve(merged, defs) if "$ref" in target else merged
    return node


def _bounds(node: dict[str, Any]) -> Bounds:
    return Bounds(
        minimum=node.get("minimum"),
        maximum=node.get("maximum"),
        exclusive_minimum=node.get("exclusiveMinimum"),
        exclusive_maximum=node.get("exclusiveMaximum"),
        min_length=node.get("minLength"),
        max_length=node.get("maxLength"),
        pattern=node.get("pattern"),
        format=str(node.get("format", "")),
    )


def _is_secret(node: dict[str, Any]) -> bool:
    return node.get("format") == "password" or bool(node.get("writeOnly"))


def field_of(name: str, node: dict[str, Any], required: bool, defs: dict[str, Any]) -> FieldSpec:
    """One property of the schema as a FieldSpec."""
    node = _resolve(node, defs)
    outer = node
    nullable = False
    options = node.get("anyOf") or node.get("oneOf")
    if isinstance(options, list):
        kept = [_resolve(o, defs) for o in options if o.get("type") != "null"]
        nullable = len(kept) < len(options)
        if len(kept) == 1:
            node = {**kept[0], **{k: v for k, v in outer.items() if k not in ("anyOf", "oneOf")}}
    title = str(node.get("title") or name.replace("_", " ").capitalize())
    common: dict[str, Any] = {
        "name": name,
        "title": title,
        "description": str(node.get("description", "")),
        "required": required,
        "default": node.get("default", MISSING),
        "secret": _is_secret(node),
        "nullable": nullable,
        "bounds": _bounds(node),
    }
    kind = node.get("type")
    if "enum" in node:
        return FieldSpec(kind=Kind.ENUM, choices=tuple(node["enum"]), **common)
    if "const" in node:
        return FieldSpec(kind=Kind.ENUM, choices=(node["const"],), **common)
    if kind in ("string", "integer", "number", "boolean"):
        return FieldSpec(kind=Kind(kind), **common)
    if kind == "array":
        items = _resolve(node.get("items", {}), defs)
        if items.get("type") == "string" and "enum" not in items:
            return FieldSpec(
                kind=Kind.STRING_LIST,
                item_bounds=_bounds(items),
                min_items=node.get("minItems"),
                max_items=node.get("maxItems"),
                **common,
            )
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, dict) and _resolve(values, defs).get("type") == "string":
            values = _resolve(values, defs)
            common["secret"] = common["secret"] or _is_secret(values)
            return FieldSpec(kind=Kind.STRING_MAP, item_bounds=_bounds(values), **common)
    return FieldSpec(kind=Kind.JSON, **common)


def fields_of(schema: dict[str, Any]) -> list[FieldSpec]:
    """The form fields of an object schema, in the schema's order."""
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise UnsupportedSchema("the settings schema is not an object with properties")
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    return [
        field_of(name, node, name in required, defs) for name, node in schema["properties"].items()
    ]


# --- Turning input into values ---------------------------------------------------------


def _check_number(value: float, b: Bounds) -> str | None:
    if b.minimum is not None and value < b.minimum:
        return f"must be at least {b.minimum:g}"
    if b.maximum is not None and value > b.maximum:
        return f"must be at most {b.maximum:g}"
    if b.exclusive_minimum is not None and value <= b.exclusive_minimum:
        return f"must be more than {b.exclusive_minimum:g}"
    if b.exclusive_maximum is not None and value >= b.exclusive_maximum:
        return f"must be less than {b.exclusive_maximum:g}"
    return None


def _check_string(value: str, b: Bounds) -> str | None:
    if b.min_length is not None and len(value) < b.min_length:
        return "must not be empty" if b.min_length == 1 else f"needs {b.min_length}+ characters"
    if b.max_length is not None and len(value) > b.max_length:
        return f"must be at most {b.max_length} characters"
    if b.pattern is not None and re.search(b.pattern, value) is None:
        return f"must match {b.pattern}"
    if b.format == "uri":
        parts = urlsplit(value)
        if not parts.scheme or not parts.netloc:
            return "must be a URL such as https://example.com/hook"
    if b.format == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return "must be an email address"
    return None


def parse(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    """One field's value from its input (text, or a bool/choice), and its error if any.

    Returns (MISSING, None) for an empty optional field, which is then left out so that
    segd applies its default (or keeps a secret as it is).
    """
    if spec.kind is Kind.BOOLEAN:
        return bool(raw), None
    if spec.kind is Kind.ENUM:
        if raw is None or raw is MISSING:
            return (MISSING, "choose one") if spec.required else (MISSING, None)
        return raw, None
    text = str(raw or "")
    if not text.strip():
        if spec.required:
            return MISSING, "required"
        return (None, None) if spec.nullable and not spec.secret else (MISSING, None)
    if spec.kind is Kind.INTEGER:
        try:
            number = int(text.strip())
        except ValueError:
            return MISSING, "must be a whole number"
        return number, _check_number(number, spec.bounds)
    if spec.kind is Kind.NUMBER:
        try:
            real = float(text.strip())
        except ValueError:
            return MISSING, "must be a number"
        if not math.isfinite(real):
            return MISSING, "must be a finite number"
        return real, _check_number(real, spec.bounds)
    if spec.kind is Kind.STRING:
        return text, _check_string(text, spec.bounds)
    if spec.kind is Kind.STRING_LIST:
        return _parse_list(spec, text)
    if spec.kind is Kind.STRING_MAP:
        return _parse_map(spec, text)
    try:
        return json.loads(text), None
    except ValueError as exc:
        return MISSING, f"not valid JSON: {exc}"


def _parse_list(spec: FieldSpec, text: str) -> tuple[Any, str | None]:
    items = [line.strip() for line in text.splitlines() if line.strip()]
    if spec.min_items is not None and len(items) < spec.min_items:
        return items, f"needs at least {spec.min_items}"
    if spec.max_items is not None and len(items) > spec.max_items:
        return items, f"at most {spec.max_items}, one a line"
    for number, item in enumerate(items, 1):
        error = _check_string(item, spec.item_bounds)
        if error:
            return items, f"line {number}: {error}"
    return items, None


def _parse_map(spec: FieldSpec, text: str) -> tuple[Any, str | None]:
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            return mapping, f"line {number}: write it as name: value"
        error = _check_string(value.strip(), spec.item_bounds)
        if error:
            return mapping, f"line {number}: {error}"
        mapping[key.strip()] = value.strip()
    return mapping, None


def collect(specs: list[FieldSpec], raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings object from the inputs, and the errors by field name."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in specs:
        value, error = parse(spec, raw.get(spec.name))
        if error:
            errors[spec.name] = error
        elif value is not MISSING:
            values[spec.name] = value
    return values, errors
