"""Getting Started: the checklist in its three groups; a task leads to where it is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from segtui.errors import ClientError
from segtui.models import GettingStartedGroup, GettingStartedTask
from segtui.screens.base import SectionScreen


@dataclass(frozen=True, slots=True)
class Target:
    """Where a task is done: a section (mode) and what to open there."""

    mode: str
    action: str = ""
    #: Shown under the list for tasks segtui has no screen for.
    note: str = ""


_NOT_HERE = "segd has no {} yet; this task stays open until it does."
TARGETS: dict[str, Target] = {
    "invite_teammates": Target("members", "invite"),
    "add_source": Target("sources", "add"),
    "two_sources": Target("sources", "add"),
    "cloud_source": Target("sources", "add"),
    "page_or_screen_received": Target("sources", "debugger"),
    "identify_received": Target("sources", "debugger"),
    "track_received": Target("sources", "debugger"),
    "debugger_opened": Target("sources", "debugger"),
    "naming": Target("sources", "schema"),
    "add_destination": Target("destinations", "add"),
    "two_destinations": Target("destinations", "add"),
    "tracking_plan": Target("", note=_NOT_HERE.format("tracking plans")),
    "tracking_plan_enforced": Target("", note=_NOT_HERE.format("tracking plans")),
    "add_warehouse": Target("", note=_NOT_HERE.format("warehouses in segtui")),
    "personas": Target("", note=_NOT_HERE.format("personas")),
}


def target_of(task_id: str) -> Target:
    return TARGETS.get(task_id, Target("", note="segtui has no screen for this task."))


def progress_bar(done: int, total: int, width: int = 12) -> str:
    """A text bar such as "━━━━━━╺─────" for `done` of `total`."""
    filled = round(width * done / total) if total else 0
    return "━" * filled + "─" * (width - filled)


def group_line(group: GettingStartedGroup) -> str:
    total = len(group.tasks)
    return (
        f"{group.title:<16} {progress_bar(group.done_count, total)}  {group.done_count} of {total}"
    )


def task_line(task: GettingStartedTask) -> str:
    mark = "✔" if task.done else "○"
    detail = f"  ({task.detail})" if task.detail else ""
    return f"   {mark} {task.title}{detail}"


class GettingStartedScreen(SectionScreen):
    """The setup checklist."""

    SECTION = "Getting Started"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh"),
    ]

    def body(self) -> ComposeResult:
        yield Static("Set up your workspace: select a task to go where it is done.", id="intro")
        yield OptionList(id="checklist")
        yield Static("", id="task-note")

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load()

    @work(group="load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            groups = await self.client.getting_started()
        except ClientError as exc:
            self.seg.report(exc, "Getting Started")
            return
        self.show(groups)

    def show(self, groups: list[GettingStartedGroup]) -> None:
        checklist = self.query_one("#checklist", OptionList)
        highlighted = checklist.highlighted
        checklist.clear_options()
        for group in groups:
            checklist.add_option(
                Option(group_line(group), id=f"group:{group.title}", disabled=True)
            )
            for task in group.tasks:
                checklist.add_option(Option(task_line(task), id=task.id))
        if highlighted is not None and highlighted < checklist.option_count:
            checklist.highlighted = highlighted
        else:
            checklist.action_first()
        checklist.focus()

    @on(OptionList.OptionHighlighted, "#checklist")
    def _highlighted(self, message: OptionList.OptionHighlighted) -> None:
        target = target_of(message.option.id or "")
        note = target.note or {
            "members": "Enter: open Members and invite teammates.",
            "sources": "Enter: open Sources.",
            "destinations": "Enter: open Destinations.",
        }.get(target.mode, "")
        self.query_one("#task-note", Static).update(note)

    @on(OptionList.OptionSelected, "#checklist")
    async def _selected(self, message: OptionList.OptionSelected) -> None:
        target = target_of(message.option.id or "")
        if not target.mode:
            self.notify(target.note, title="Not in segtui yet")
            return
        await self.seg.goto(target.mode, target.action)
