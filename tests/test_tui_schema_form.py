"""Settings forms from a destination's JSON Schema: fields, parsing, errors per field."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import pytest
from pydantic import BaseModel, Field, HttpUrl, SecretStr

from segtui.schema_form import (
    MISSING,
    FieldSpec,
    Kind,
    UnsupportedSchema,
    collect,
    fields_of,
    parse,
)


class Mode(StrEnum):
    FAST = "fast"
    SAFE = "safe"


class Example(BaseModel):
    """Shaped like the built-in plugins' settings (pydantic writes the schema)."""

    urls: list[HttpUrl] = Field(
        min_length=1, max_length=2, title="Webhook URLs", description="Where to POST."
    )
    headers: dict[str, SecretStr] = Field(default_factory=dict, title="Custom headers")
    shared_secret: SecretStr | None = Field(None, title="Shared secret")
    timeout_seconds: float = Field(10.0, gt=0.0, le=300.0, title="Timeout")
    batch_mode: bool = False
    connections: int = Field(16, ge=1, le=256)
    mode: Mode = Mode.SAFE
    region: Literal["eu", "us"] = "eu"
    retries: int | None = None
    name: str = Field(min_length=1, pattern="^[a-z]")
    nested: dict[str, list[int]] = Field(default_factory=dict)


SPECS = {spec.name: spec for spec in fields_of(Example.model_json_schema())}


@pytest.mark.parametrize(
    ("name", "kind", "title", "required", "secret", "default"),
    [
        ("urls", Kind.STRING_LIST, "Webhook URLs", True, False, MISSING),
        ("headers", Kind.STRING_MAP, "Custom headers", False, True, MISSING),
        ("shared_secret", Kind.STRING, "Shared secret", False, True, None),
        ("timeout_seconds", Kind.NUMBER, "Timeout", False, False, 10.0),
        ("batch_mode", Kind.BOOLEAN, "Batch Mode", False, False, False),
        ("connections", Kind.INTEGER, "Connections", False, False, 16),
        ("mode", Kind.ENUM, "Mode", False, False, "safe"),
        ("region", Kind.ENUM, "Region", False, False, "eu"),
        ("retries", Kind.INTEGER, "Retries", False, False, None),
        ("name", Kind.STRING, "Name", True, False, MISSING),
        ("nested", Kind.JSON, "Nested", False, False, MISSING),
    ],
)
def test_fields_from_schema(name, kind, title, required, secret, default):
    spec = SPECS[name]
    assert (spec.kind, spec.title, spec.required, spec.secret, spec.default) == (
        kind,
        title,
        required,
        secret,
        default,
    )


def test_field_details():
    assert list(SPECS) == list(Example.model_fields)
    assert SPECS["urls"].description == "Where to POST."
    assert SPECS["urls"].label == "Webhook URLs *"
    assert SPECS["mode"].choices == ("fast", "safe")
    assert SPECS["retries"].nullable
    assert SPECS["shared_secret"].initial_text("hunter2") == ""  # secrets never shown back
    assert SPECS["timeout_seconds"].initial_text() == "10.0"
    assert SPECS["urls"].initial_text(["https://a", "https://b"]) == "https://a\nhttps://b"


@pytest.mark.parametrize(
    ("name", "raw", "value", "error"),
    [
        (
            "urls",
            "https://a.example/hook\n\n https://b.example \n",
            ["https://a.example/hook", "https://b.example"],
            None,
        ),
        ("urls", "", MISSING, "required"),
        (
            "urls",
            "https://a.example\nhttps://b.example\nhttps://c.example",
            None,
            "at most 2, one a line",
        ),
        (
            "urls",
            "https://a.example\nnot a url",
            None,
            "line 2: must be a URL such as https://example.com/hook",
        ),
        (
            "headers",
            "Authorization: Bearer x\nX-Team: data",
            {"Authorization": "Bearer x", "X-Team": "data"},
            None,
        ),
        ("headers", "no colon here", None, "line 1: write it as name: value"),
        ("shared_secret", "", MISSING, None),  # left out: segd keeps the secret it has
        ("shared_secret", "s3cret", "s3cret", None),
        ("timeout_seconds", "2.5", 2.5, None),
        ("timeout_seconds", "0", None, "must be more than 0"),
        ("timeout_seconds", "301", None, "must be at most 300"),
        ("timeout_seconds", "fast", MISSING, "must be a number"),
        ("timeout_seconds", "nan", MISSING, "must be a finite number"),
        ("timeout_seconds", "", MISSING, None),
        ("connections", "0", None, "must be at least 1"),
        ("connections", "1.5", MISSING, "must be a whole number"),
        ("connections", " 8 ", 8, None),
        ("batch_mode", True, True, None),
        ("mode", "fast", "fast", None),
        ("mode", None, MISSING, None),
        ("retries", "", None, None),  # nullable: empty sends null
        ("name", "", MISSING, "required"),
        ("name", "Abc", None, "must match ^[a-z]"),
        ("nested", '{"a": [1]}', {"a": [1]}, None),
        ("nested", "{oops", MISSING, "not valid JSON"),
    ],
)
def test_parse(name, raw, value, error):
    got, got_error = parse(SPECS[name], raw)
    if error is None:
        assert got_error is None
        assert got == value
    else:
        assert got_error is not None and got_error.startswith(error)
        if value is MISSING:
            assert got is MISSING


def test_collect_gives_settings_and_errors_by_field():
    specs = list(SPECS.values())
    values, errors = collect(
        specs, {"urls": "https://a.example", "name": "abc", "batch_mode": True, "mode": "fast"}
    )
    assert errors == {}
    assert values == {
        "urls": ["https://a.example"],
        "batch_mode": True,
        "mode": "fast",
        "retries": None,
        "name": "abc",
    }
    Example.model_validate(values)  # what the form makes, the plugin accepts
    _, errors = collect(specs, {"name": "", "connections": "x"})
    assert errors == {
        "urls": "required",
        "name": "required",
        "connections": "must be a whole number",
    }


def test_required_enum_must_be_chosen():
    spec = FieldSpec("region", Kind.ENUM, "Region", required=True, choices=("eu", "us"))
    assert parse(spec, None) == (MISSING, "choose one")


@pytest.mark.parametrize("schema", [{}, {"type": "string"}, {"type": "object"}])
def test_not_an_object_schema(schema):
    with pytest.raises(UnsupportedSchema):
        fields_of(schema)
