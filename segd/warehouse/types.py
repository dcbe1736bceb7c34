"""Column types: inferred from the first value seen, and what fits each.

Segment's warehouses know five types: timestamp, integer, float, boolean and text
(varchar). A column takes the type of the first non-null value it receives; later
values are converted when that loses nothing and are otherwise discarded (with a row
in the `discards` table), never cut or guessed at.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# ISO 8601 / RFC 3339 date and time, with an optional fraction and offset. A bare
# date stays text: too many things (version strings, ids) look like one.
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?P<fraction>\.\d+)?)?"
    r"(?:Z|z|[+-]\d{2}(?::?\d{2})?)?"
)


class Kind(StrEnum):
    """The five column types of the layout."""

    TIMESTAMP = "timestamp"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    TEXT = "text"


class DoesNotFit(ValueError):
    """A value that cannot be stored in a column of the given kind without loss."""


# A batch repeats timestamps (an event's several rows, events of one request).
@functools.lru_cache(maxsize=4096)
def parse_timestamp(text: str) -> datetime | None:
    """An aware UTC datetime for an ISO 8601 date-time string, else None.

    A time without an offset is taken as UTC; fractions beyond microseconds are cut
    (the backends keep microseconds).
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    fraction = match.group("fraction")
    if fraction and len(fraction) > 7:
        text = text.replace(fraction, fraction[:7], 1)
    text = text.replace("z", "Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def infer(value: Any) -> Kind:
    """The kind of column a first value creates (value is not None)."""
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, int):
        return Kind.INTEGER if INT64_MIN <= value <= INT64_MAX else Kind.FLOAT
    if isinstance(value, float):
        return Kind.FLOAT
    if isinstance(value, str) and parse_timestamp(value) is not None:
        return Kind.TIMESTAMP
    return Kind.TEXT


def as_text(value: Any) -> str:
    """A value as text: strings as they are, anything else as its JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def convert(value: Any, kind: Kind) -> Any:
    """`value` as a Python value for a column of `kind`; raises DoesNotFit.

    Text takes anything (numbers and booleans as their JSON, arrays as JSON text);
    float takes integers; integer takes floats with no fractional part; boolean takes
    only booleans; timestamp takes ISO 8601 date-time strings.
    """
    if kind is Kind.TEXT:
        return as_text(value)
    if kind is Kind.BOOLEAN:
        if isinstance(value, bool):
            return value
    elif kind is Kind.INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            if INT64_MIN <= value <= INT64_MAX:
                return value
        elif isinstance(value, float) and value.is_integer() and INT64_MIN <= value <= INT64_MAX:
            return int(value)
    elif kind is Kind.FLOAT:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif kind is Kind.TIMESTAMP and isinstance(value, str):
        moment = parse_timestamp(value)
        if moment is not None:
            return moment
    raise DoesNotFit(f"{as_text(value)[:80]} is not a {kind}")


_INTEGER_TYPES = frozenset(
    {"bigint", "integer", "int", "int2", "int4", "int8", "smallint", "tinyint", "hugeint"}
    | {"ubigint", "uinteger", "usmallint", "utinyint", "uhugeint"}
)
_FLOAT_TYPES = frozenset({"double", "real", "float", "float4", "float8", "numeric", "decimal"})


def kind_of_sql_type(data_type: str) -> Kind:
    """The kind of an existing column from its information_schema data_type.

    Columns someone created or altered by hand keep working: any type we do not
    know is treated as text, and values are converted to text for it.
    """
    words = data_type.strip().lower().split("(")[0].split()
    base = words[0] if words else ""
    if base.startswith("timestamp") or base == "datetime":
        return Kind.TIMESTAMP
    if base in ("boolean", "bool"):
        return Kind.BOOLEAN
    if base in _INTEGER_TYPES:
        return Kind.INTEGER
    if base in _FLOAT_TYPES:
        return Kind.FLOAT
    return Kind.TEXT
