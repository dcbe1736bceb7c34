"""Table and column names as Segment's warehouses spell them.

Segment converts every collection and property name to snake_case with its
go-snakecase package (`Order Completed` → `order_completed`, `accountType` →
`account_type`, `___$$Base64Encode` → `base64_encode`); `snakecase` follows that
algorithm character for character, so SQL written against a Segment warehouse finds
the same names here. Nested keys are joined with `_` first and the whole path is
snake_cased, as Segment does for `context.field.nestedA` → `context_field_nested_a`.
"""

from __future__ import annotations

import functools

#: PostgreSQL cuts longer identifiers silently; both backends cut at the same length
#: so that a name means the same column everywhere.
MAX_IDENTIFIER = 63

#: The tables every source schema has; an event whose name snake_cases to one of these
#: gets its own table under the name with a leading underscore (`Tracks` → `_tracks`).
RESERVED_TABLES = frozenset(
    {"identifies", "users", "tracks", "pages", "screens", "groups", "aliases", "discards"}
)


def _lower(c: str) -> bool:
    return "a" <= c <= "z"


def _upper(c: str) -> bool:
    return "A" <= c <= "Z"


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


def snakecase(name: str) -> str:
    """snake_case as Segment's go-snakecase does it.

    Runs of capitals and digits start a word, runs of lower-case letters and digits
    continue it, and every other character (spaces, punctuation, non-ASCII) separates
    words and is dropped. A name already in snake_case is returned unchanged.
    """
    n = len(name)
    idx = 0
    # The longest prefix that needs no change: lower-case letters, digits, and
    # underscores followed by one of those.
    while idx < n and (
        _lower(name[idx])
        or _digit(name[idx])
        or (name[idx] == "_" and idx < n - 1 and (_lower(name[idx + 1]) or _digit(name[idx + 1])))
    ):
        idx += 1
    if idx == n:
        return name
    # A digit followed by a capital starts the capital's word.
    if idx > 0 and _digit(name[idx - 1]):
        idx -= 1
    out = [name[:idx]]
    length = idx
    while idx < n:
        c = name[idx]
        if not (_lower(c) or _upper(c) or _digit(c)):
            idx += 1
            continue
        if length:
            out.append("_")
        start = idx
        while idx < n and (_upper(name[idx]) or _digit(name[idx])):
            idx += 1
        while idx < n and (_lower(name[idx]) or _digit(name[idx])):
            idx += 1
        word = name[start:idx].lower()
        out.append(word)
        length += len(word)
    return "".join(out)


# Every event repeats the same few keys: remembering their columns makes naming free.
@functools.lru_cache(maxsize=65_536)
def column_name(path: str) -> str:
    """The column for a flattened key path such as `address_streetName`; '' if unusable."""
    return snakecase(path)[:MAX_IDENTIFIER]


@functools.lru_cache(maxsize=16_384)
def event_table(event: str) -> str:
    """The table of a track event: its name snake_cased, kept clear of the fixed tables.

    Returns '' for a name with no letters or digits.
    """
    name = snakecase(event)[:MAX_IDENTIFIER]
    if name in RESERVED_TABLES:
        name = f"_{name}"
    return name


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier (the same in PostgreSQL and DuckDB)."""
    return '"' + identifier.replace('"', '""') + '"'


def is_plain_identifier(name: str) -> bool:
    """Lower-case letters, digits and underscores, not starting with a digit, ≤ 63 long."""
    return (
        0 < len(name) <= MAX_IDENTIFIER
        and not _digit(name[0])
        and all(_lower(c) or _digit(c) or c == "_" for c in name)
    )
