"""Members: who is in the workspace with which roles, invites, and changes to both.

Only Workspace Owners manage members; anyone else sees that said plainly, with their
own roles, instead of a list that fails to load.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, SelectionList, Static

from segtui.errors import ClientError
from segtui.models import CreatedInvite, Group, Invite, Member, Role, RoleGrant, RoleInfo
from segtui.screens.base import SectionScreen
from segtui.screens.dialogs import ConfirmScreen, SecretScreen
from segtui.screens.source_page import when
from segtui.widgets.field_error import FieldError

if TYPE_CHECKING:
    from segtui.app import SegtuiApp

_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")


def parse_emails(text: str) -> tuple[list[str], list[str]]:
    """Comma- (or space-) separated addresses → (valid ones, in order, once; bad ones)."""
    good: list[str] = []
    bad: list[str] = []
    for part in re.split(r"[,\s;]+", text):
        if not part:
            continue
        if _EMAIL.fullmatch(part):
            if part.lower() not in (g.lower() for g in good):
                good.append(part)
        else:
            bad.append(part)
    return good, bad


def roles_text(grants: tuple[RoleGrant, ...], source_names: dict[int, str]) -> str:
    shown = [g for g in grants if g.role is not Role.WORKSPACE_MEMBER]
    return ", ".join(g.describe(source_names) for g in shown) or "Workspace Member"


def chosen_grants(roles: list[Role], previous: tuple[RoleGrant, ...] = ()) -> list[RoleGrant]:
    """Grants for the roles ticked; a role kept keeps the sources it was limited to."""
    scopes = {g.role: g.source_ids for g in previous}
    return [RoleGrant(role, scopes.get(role)) for role in roles]


class MembersScreen(SectionScreen):
    """Members and pending invites."""

    SECTION = "Members"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "invite", "Invite"),
        Binding("e", "edit", "Change roles"),
        Binding("x", "remove", "Remove/revoke"),
        Binding("r", "reload", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.members: list[Member] = []
        self.invites: list[Invite] = []
        self.groups: list[Group] = []
        self.roles: list[RoleInfo] = []
        self.source_names: dict[int, str] = {}

    def body(self) -> ComposeResult:
        yield Static("", id="members-note", classes="note")
        yield Static("Members", classes="table-title")
        members: DataTable[str] = DataTable(id="members-table", cursor_type="row")
        members.add_columns("Email", "Roles", "Groups")
        yield members
        yield Static("Pending invites", classes="table-title")
        invites: DataTable[str] = DataTable(id="invites-table", cursor_type="row")
        invites.add_columns("Email", "Roles", "Expires", "Invited by")
        yield invites

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("invite", "edit", "remove"):
            return True if self.seg.permissions.can_manage_members else None
        return True

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.refresh_bindings()
        permissions = self.seg.permissions
        owner = permissions.can_manage_members
        for widget in self.query(DataTable):
            widget.display = owner
        for title in self.query(".table-title"):
            title.display = owner
        if not owner:
            note = self.query_one("#members-note", Static)
            note.update(
                "Only Workspace Owners see and manage members.\n"
                f"Your roles: {permissions.summary()}."
            )
            note.display = True
            return
        self.query_one("#members-note", Static).display = False
        self.load()

    @work(group="load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        client = self.client
        try:
            members, invites, groups, roles, sources = await asyncio.gather(
                client.list_members(),
                client.list_invites(),
                client.list_groups(),
                client.list_roles(),
                client.list_sources(),
            )
        except ClientError as exc:
            self.seg.report(exc, "Members")
            return
        self.members, self.invites, self.groups, self.roles = members, invites, groups, roles
        self.source_names = {s.id: s.name for s in sources}
        self.show()

    def show(self) -> None:
        group_names = {g.id: g.name for g in self.groups}
        table = self.query_one("#members-table", DataTable)
        row = table.cursor_row
        table.clear()
        for member in self.members:
            table.add_row(
                member.email,
                roles_text(member.grants, self.source_names),
                ", ".join(group_names.get(g, f"#{g}") for g in member.group_ids) or "—",
                key=str(member.id),
            )
        if self.members:
            table.move_cursor(row=min(row, len(self.members) - 1))
        invites = self.query_one("#invites-table", DataTable)
        invites.clear()
        for invite in self.invites:
            expires = when(invite.expires_at)
            invites.add_row(
                invite.email,
                roles_text(invite.grants, self.source_names),
                expires,
                invite.invited_by,
                key=str(invite.id),
            )

    def start_task(self, task: str) -> None:
        if task == "invite":
            self.action_invite()

    def _allowed(self) -> bool:
        if not self.seg.permissions.can_manage_members:
            self.notify("Only Workspace Owners manage members.", severity="warning")
            return False
        return True

    def action_invite(self) -> None:
        if self._allowed():
            self.app.push_screen(InviteScreen(self.roles, self.groups), self._invited)

    def _invited(self, created: list[CreatedInvite] | None) -> None:
        if not created:
            return
        self.reload()
        lines = []
        for invite in created:
            if invite.invite.emailed:
                lines.append(f"{invite.invite.email}: emailed")
                continue
            why = f" (email failed: {invite.email_error})" if invite.email_error else ""
            lines.append(f"{invite.invite.email}{why}:")
            lines.append(f"  segtui --addr {self.client.addr} --accept-invite {invite.token}")
        self.app.push_screen(SecretScreen("Invites sent: pass these on", "\n".join(lines)))

    def _current_member(self) -> Member | None:
        table = self.query_one("#members-table", DataTable)
        row = table.cursor_row
        return self.members[row] if 0 <= row < len(self.members) else None

    def action_edit(self) -> None:
        if self._allowed() and (member := self._current_member()) is not None:
            self.app.push_screen(EditMemberScreen(member, self.roles, self.groups), self._edited)

    def _edited(self, changed: bool | None) -> None:
        if changed:
            self.reload()

    def action_remove(self) -> None:
        if not self._allowed():
            return
        invites = self.query_one("#invites-table", DataTable)
        if invites.has_focus and self.invites:
            invite = self.invites[min(invites.cursor_row, len(self.invites) - 1)]
            question = f"Revoke the invite for {invite.email}? Its token stops working at once."
            self.app.push_screen(
                ConfirmScreen(question, "Revoke"), self._then_drop("invite", invite.id)
            )
            return
        if (member := self._current_member()) is not None:
            question = f"Remove {member.email} from the workspace? Their tokens stop working."
            self.app.push_screen(
                ConfirmScreen(question, "Remove"), self._then_drop("member", member.id)
            )

    def _then_drop(self, what: str, item_id: int) -> Callable[[bool | None], None]:
        def drop(confirmed: bool | None) -> None:
            if confirmed:
                self._drop(what, item_id)

        return drop

    @work(group="drop", exit_on_error=False)
    async def _drop(self, what: str, item_id: int) -> None:
        try:
            if what == "invite":
                await self.client.revoke_invite(item_id)
            else:
                await self.client.remove_member(item_id)
        except ClientError as exc:
            self.seg.report(exc, "Members")
            return
        self.notify("Invite revoked." if what == "invite" else "Member removed.")
        self.reload()


def _role_choices(roles: list[RoleInfo], selected: set[Role]) -> list[tuple[str, Role, bool]]:
    # Every member is a Workspace Member: not a choice.
    return [
        (info.title, info.role, info.role in selected)
        for info in roles
        if info.role is not Role.WORKSPACE_MEMBER
    ]


class InviteScreen(ModalScreen[list[CreatedInvite] | None]):
    """Invite one or more emails with roles and user groups."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, roles: list[RoleInfo], groups: list[Group]) -> None:
        super().__init__()
        self.roles = roles
        self.groups = groups

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="invite-dialog"):
            yield Static("Invite teammates", classes="dialog-title")
            yield Input(placeholder="ada@example.com, grace@example.com", id="invite-emails")
            yield FieldError(id="emails-error")
            yield SelectionList[Role](*_role_choices(self.roles, set()), id="invite-roles")
            groups = SelectionList[int](*((g.name, g.id) for g in self.groups), id="invite-groups")
            groups.display = bool(self.groups)
            yield groups
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Send invites", id="send", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#invite-roles", SelectionList).border_title = "Roles"
        self.query_one("#invite-groups", SelectionList).border_title = "User groups"

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#send")
    @on(Input.Submitted, "#invite-emails")
    def _send(self) -> None:
        emails, bad = parse_emails(self.query_one("#invite-emails", Input).value)
        error = self.query_one("#emails-error", Static)
        if bad:
            error.update(f"Not an email address: {', '.join(bad)}")
            return
        if not emails:
            error.update("Give at least one email address, separated by commas.")
            return
        error.update("")
        roles = list(self.query_one("#invite-roles", SelectionList).selected)
        groups = list(self.query_one("#invite-groups", SelectionList).selected)
        self.send(emails, chosen_grants(roles), groups)

    @work(group="send", exclusive=True, exit_on_error=False)
    async def send(self, emails: list[str], grants: list[RoleGrant], groups: list[int]) -> None:
        try:
            created = await self.seg.client.create_invites(emails, grants, groups)
        except ClientError as exc:
            self.query_one("#emails-error", Static).update(str(exc))
            return
        self.dismiss(created)


class EditMemberScreen(ModalScreen[bool]):
    """Replace a member's roles and user groups."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(False)", "Cancel")]

    def __init__(self, member: Member, roles: list[RoleInfo], groups: list[Group]) -> None:
        super().__init__()
        self.member = member
        self.roles = roles
        self.groups = groups

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    def compose(self) -> ComposeResult:
        held = {g.role for g in self.member.grants}
        with Vertical(classes="dialog wide"):
            yield Static(f"Roles of {self.member.email}", classes="dialog-title")
            yield SelectionList[Role](*_role_choices(self.roles, held), id="edit-roles")
            groups = SelectionList[int](
                *((g.name, g.id, g.id in self.member.group_ids) for g in self.groups),
                id="edit-groups",
            )
            groups.display = bool(self.groups)
            yield groups
            yield FieldError(id="edit-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        roles = list(self.query_one("#edit-roles", SelectionList).selected)
        groups = list(self.query_one("#edit-groups", SelectionList).selected)
        self.save(chosen_grants(roles, self.member.grants), groups)

    @work(group="save", exclusive=True, exit_on_error=False)
    async def save(self, grants: list[RoleGrant], groups: list[int]) -> None:
        try:
            await self.seg.client.update_member(self.member.id, grants, groups)
        except ClientError as exc:
            self.query_one("#edit-error", Static).update(str(exc))
            return
        self.dismiss(True)
