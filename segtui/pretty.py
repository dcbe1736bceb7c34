"""The debugger's two views of an event, as text: Pretty (the call) and Raw (the JSON).

Pretty shows the event as the analytics.js call that would have produced it, such as
``analytics.track("Order Completed", {"revenue": 42})``, under a comment naming the
user; Raw is the complete JSON, indented. Both are pure so a table tests them.
"""

from __future__ import annotations

import json
from typing import Any

from segtui.models import DebugEvent


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _object(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    return value if isinstance(value, dict) and value else None


def call_of(body: dict[str, Any]) -> str:
    """The analytics.js call for one Segment JSON event (already parsed)."""
    kind = str(body.get("type", ""))
    args: list[Any] = []
    if kind == "track":
        args = [body.get("event", ""), _object(body, "properties")]
    elif kind == "identify":
        args = [body.get("userId") or None, _object(body, "traits")]
    elif kind == "page":
        category, name = body.get("category") or None, body.get("name") or None
        props = _object(body, "properties")
        args = [category, name, props] if category else [name, props]
    elif kind == "screen":
        args = [body.get("name") or None, _object(body, "properties")]
    elif kind == "group":
        args = [body.get("groupId", ""), _object(body, "traits")]
    elif kind == "alias":
        args = [body.get("userId", ""), body.get("previousId") or None]
    else:
        return f"// an event of unknown type {kind!r}\n{_js(body)}"
    # Trailing absent arguments are left out, as one would write the call.
    while args and args[-1] is None:
        args.pop()
    if kind == "identify" and args and args[0] is None:
        args.pop(0)
    return f"analytics.{kind}({', '.join(_js(a) for a in args)})"


def pretty(event: DebugEvent) -> str:
    """The Pretty view: who sent it, the call, and why it was refused if it was."""
    body = _parse(event.normalized_json) or _parse(event.raw_json) or {}
    who = [f"userId {event.user_id}"] if event.user_id else []
    if event.anonymous_id:
        who.append(f"anonymousId {event.anonymous_id}")
    lines = [f"// {' · '.join(who) or 'no user'}"]
    if event.status == "rejected":
        lines.append(f"// rejected ({event.reason}): {event.error}")
    elif event.status == "duplicate":
        lines.append("// duplicate: this messageId was stored before, so not again")
    lines.append(call_of(body) if body else "// the event's JSON is not readable")
    return "\n".join(lines)


def raw(event: DebugEvent, as_received: bool = False) -> str:
    """The Raw view: the complete JSON, normalised (as stored) or as received."""
    text = event.raw_json if as_received or not event.normalized_json else event.normalized_json
    parsed = _parse(text)
    return text if parsed is None else json.dumps(parsed, ensure_ascii=False, indent=2)


def _parse(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
