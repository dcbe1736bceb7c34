"""FQL's glob patterns (`match(s, pattern)`), translated to anchored regular expressions.

`*` matches any run of characters, `?` one character, `[abc]` and `[a-z]` one character
of a set, and `\\x` the character x literally. Matching is case-sensitive and covers the
whole string. Every other character is escaped, so a pattern can never inject regex syntax.
"""

from __future__ import annotations

import functools
import re


class GlobError(ValueError):
    """A malformed pattern; `offset` is where in the pattern the problem starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def translate(pattern: str) -> str:
    """The regular expression (for re.fullmatch) equivalent to `pattern`."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "\\":
            if i + 1 == len(pattern):
                raise GlobError("the pattern ends with a lone backslash", i)
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end, chars = _char_class(pattern, i)
            out.append(chars)
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _char_class(pattern: str, start: int) -> tuple[int, str]:
    """Translate `[...]` starting at `start`; returns (index of `]`, regex class)."""
    members: list[str] = []
    i = start + 1
    while i < len(pattern) and pattern[i] != "]":
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            low, high = char, pattern[i + 2]
            if low > high:
                raise GlobError(f"the range {low}-{high} is backwards", i)
            members.append(f"{re.escape(low)}-{re.escape(high)}")
            i += 3
            continue
        members.append(re.escape(char))
        i += 1
    if i >= len(pattern):
        raise GlobError("the character set is not closed with ]", start)
    if not members:
        raise GlobError("the character set is empty", start)
    return i, "[" + "".join(members) + "]"


@functools.lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The compiled pattern; cached because patterns repeat for every event."""
    return re.compile(translate(pattern), re.DOTALL)


def glob_match(value: str, pattern: str) -> bool:
    """Does `pattern` match all of `value`? A malformed pattern matches nothing."""
    try:
        return compile_glob(pattern).fullmatch(value) is not None
    except GlobError:
        return False
