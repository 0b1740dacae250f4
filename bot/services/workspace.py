"""Workspaces and the people in them: registering Slack users, their roles and time zones, and the
workspace's settings the other services read (its currency).

Public lookups for the other services: :func:`workspace_id`, :func:`user_by_slack`, :func:`role_now`
and :func:`user_view`. (The stale-deal quiet period is set by bot/services/proactive.py.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import fields, policy
from bot.services.base import Actor, Op, Service, change, skip_check
from bot.services.errors import Conflict, Invalid, NotFound
from bot.services.people import find_teammate
from bot.services.tenancy import scope_of
from bot.services.timeutil import due_instant, zone
from bot.services.views import UserView, Written
from models import Pipeline, PipelineStage, Task, User, Workspace
from models.entities import DEFAULT_PIPELINE, DEFAULT_PROBABILITIES, DEFAULT_STAGES, ROLES

log = logging.getLogger(__name__)


def workspace_id(
    s: Session, team_id: str, name: str | None = None, tz: str | None = None, currency: str | None = None
) -> int:
    """The workspace of a Slack team, made with the default pipeline the first time it is seen (in the
    operator's default zone and currency, CRM_DEFAULT_TZ and CRM_DEFAULT_CURRENCY)."""
    ws_id = s.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if ws_id is not None:
        return ws_id
    ws = Workspace(team_id=team_id, name=name, default_tz=tz or "UTC", default_currency=currency or "USD")
    s.add(ws)
    s.flush()
    pipeline = Pipeline(workspace_id=ws.id, key=DEFAULT_PIPELINE[0], name=DEFAULT_PIPELINE[1], position=0)
    s.add(pipeline)
    s.flush()
    for position, key in enumerate(DEFAULT_STAGES):
        s.add(
            PipelineStage(
                workspace_id=ws.id,
                pipeline_id=pipeline.id,
                key=key,
                name=key.capitalize(),
                position=position,
                is_closed=key in ("won", "lost"),
                is_won=key == "won",
                probability=DEFAULT_PROBABILITIES[key],
            )
        )
    s.flush()
    return ws.id


def user_by_slack(s: Session, ws_id: int, slack_id: str) -> User:
    user = s.scalar(select(User).where(User.workspace_id == ws_id, User.slack_id == slack_id))
    if user is None:
        raise NotFound("person.unknown", kind="person", ref=slack_id)
    return user


_TEAM_READ = "crm_team_read"


def person(s: Session, user_id: int | None) -> User | None:
    """A teammate by id. In a session scoped to a workspace the whole team is read once, the first time,
    so that a page of records names their owners without a query each."""
    if user_id is None:
        return None
    if scope_of(s) is not None and _TEAM_READ not in s.info:
        # Held by the session, or its identity map (weak) would let them go again.
        s.info[_TEAM_READ] = {u.id: u for u in s.scalars(select(User))}
    return s.get(User, user_id)


def user_view(user: User) -> UserView:
    return UserView(user.id, user.slack_id, user.name, user.tz, user.role)


def role_now(s: Session, actor: Actor) -> Actor:
    """The actor with their role as it is now, read under a lock on the workspace's admins.

    Role changes are serialised by that lock, so the count of admins a change checks stays true,
    and of two admins demoting each other at once the second finds they are no longer one."""
    s.execute(select(User.id).where(User.role == "admin").with_for_update()).all()
    me = s.get(User, actor.user_id, populate_existing=True)
    return replace(actor, role=me.role if me is not None else "rep")


def _rezone_tasks(s: Session, user: User, tz: str) -> None:
    """A day-only task falls due at 09:00 in its assignee's zone: when their zone changes (or is
    learned late), so do its instant and a reminder still waiting for it. A snooze stays."""
    tasks = s.scalars(
        select(Task)
        .where(
            Task.assignee_id == user.id,
            Task.done_at.is_(None),
            Task.due_date.is_not(None),
            Task.due_at.is_(None),
        )
        .with_for_update()
    )
    for task in tasks:
        old = task.due_utc
        task.due_utc = due_instant(task.due_date, None, tz)
        if task.reminder_state == "pending" and task.remind_at == old:
            task.remind_at = task.due_utc


class Workspaces(Service):
    """Workspaces, people and roles. ``admins``: the Slack user ids the operator names as admins
    (CRM_ADMINS), admins wherever they are seen."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime], admins: Iterable[str] = ()
    ) -> None:
        super().__init__(sessions, clock)
        self.admins = frozenset(admins)

    def ensure_workspace(
        self,
        team_id: str,
        name: str | None = None,
        default_tz: str | None = None,
        default_currency: str | None = None,
    ) -> int:
        with self.sessions.begin() as s:
            return workspace_id(s, team_id, name, default_tz, default_currency)

    def actor(self, team_id: str, slack_id: str) -> Actor | None:
        with self.read() as s:
            row = s.execute(
                select(User, Workspace.id)
                .join(Workspace, User.workspace_id == Workspace.id)
                .where(Workspace.team_id == team_id, User.slack_id == slack_id)
            ).first()
            if row is None:
                return None
            user = row[0]
            if user.role == "admin" or slack_id not in self.admins:
                return Actor(user.workspace_id, user.id, user.slack_id, user.tz, user.role, user.name)
        # Named in CRM_ADMINS after they were first seen (the setting came later): admin from now on.
        return self.register_user(team_id, slack_id, name=user.name, tz=user.tz, role="admin")

    def register_user(
        self,
        team_id: str,
        slack_id: str,
        *,
        name: str,
        tz: str | None = None,
        email: str | None = None,
        role: str | None = None,
    ) -> Actor:
        """Store a Slack user seen for the first time (or refresh one), audited as their own act."""
        with self.sessions.begin() as s:
            ws_id = workspace_id(s, team_id)
            user = s.scalar(select(User).where(User.workspace_id == ws_id, User.slack_id == slack_id))
            tz_name = tz if tz and zone(tz).key == tz else "UTC"
            if user is None:
                if role is None:
                    role = self._first_role(s, ws_id, team_id, slack_id)
                user = User(
                    workspace_id=ws_id,
                    slack_id=slack_id,
                    name=name or slack_id,
                    tz=tz_name,
                    email=email,
                    role=role,
                )
                s.add(user)
                s.flush()
                Op(s, Actor(ws_id, user.id, slack_id, user.tz, user.role, user.name)).created(user)
            else:
                if user.tz != tz_name:
                    # A day-only task's instant follows its assignee's zone: the bot's bookkeeping,
                    # written before the op below begins, so that the person's refresh is all it records.
                    _rezone_tasks(s, user, tz_name)
                    s.flush()
                # From here on the session's flushes are recorded in this op.
                Op(s, Actor(ws_id, user.id, slack_id, tz_name, user.role, user.name))
                user.name = name or user.name
                user.tz = tz_name
                user.email = email or user.email
                if role:
                    user.role = role
            return Actor(ws_id, user.id, slack_id, user.tz, user.role, user.name)

    def _first_role(self, s: Session, ws_id: int, team_id: str, slack_id: str) -> str:
        """The role of someone seen for the first time: admin when the operator named them; else rep,
        except that with no one named the first person in a workspace runs it (so a team can start
        without editing settings) until they hand that on with /crm role."""
        if slack_id in self.admins:
            return "admin"
        if self.admins:
            return "rep"
        if s.scalar(select(func.count(User.id)).where(User.workspace_id == ws_id)):
            return "rep"
        log.warning(
            "%s is the admin of workspace %s as the first person to write to the bot; "
            "set CRM_ADMINS to name admins instead",
            slack_id,
            team_id,
        )
        return "admin"

    def set_role(self, actor: Actor, slack_id: str, role: str) -> Written:
        """Give someone a role (admins only); ``changed`` is empty when they already had it."""
        if role not in ROLES:
            raise Invalid("role.unknown", field="role", value=role)
        with self.op(actor) as op:
            s = op.session
            # Asked before the person is looked up: a rep learns they may not, not who exists.
            policy.require(s, role_now(s, actor), "roles")
            with change(op, user_by_slack(s, actor.workspace_id, slack_id), check=skip_check) as edit:
                user = edit.record
                if user.role == role:
                    return Written(op.id)
                was, user.role = user.role, role
                self.check_admins(s, user)
                return Written(op.id, changed={"role": (was, role)})

    def check_admins(self, s: Session, changed: User) -> None:
        """After a role change (or its undo): the workspace keeps an admin, and the operator's stay."""
        if changed.role == "admin":
            return
        if changed.slack_id in self.admins:
            raise Conflict("role.operator_admin", name=changed.name)
        s.flush()
        left = s.scalar(select(func.count(User.id)).where(User.role == "admin"))
        if not left:
            raise Conflict("role.last_admin", name=changed.name)

    def people(self, actor: Actor, limit: int = 200) -> list[UserView]:
        """Everyone the bot knows in the workspace, admins first, then managers, then reps."""
        with self.read(actor) as s:
            users = s.scalars(
                select(User)
                .order_by(User.role, User.name, User.id)  # admin, manager, rep
                .limit(limit)
            )
            return [user_view(u) for u in users]

    def user(self, actor: Actor, slack_id: str) -> UserView | None:
        with self.read(actor) as s:
            user = s.scalar(select(User).where(User.slack_id == slack_id))
            return None if user is None else user_view(user)

    def teammate(self, actor: Actor, ref: str | int) -> UserView:
        """The teammate a person named: Slack id, name, first name, possessive, "me" (bot.services.people)."""
        with self.read(actor) as s:
            return user_view(find_teammate(s, actor, ref))

    def set_workspace_currency(self, actor: Actor, code: str) -> Written:
        """The currency an amount said without one is read in (managers and admins); amounts already
        saved keep theirs, as nothing is ever converted. ``changed`` is empty when it already was."""
        with self.op(actor) as op:
            policy.require(op.session, actor, "settings")
            wanted = fields.currency(code, "")
            ws = op.session.get(Workspace, actor.workspace_id, with_for_update=True)
            assert ws is not None
            if ws.default_currency == wanted:
                return Written(op.id)
            was, ws.default_currency = ws.default_currency, wanted
            return Written(op.id, changed={"currency": (was, wanted)})

    def require(self, actor: Actor, action: str) -> None:
        """Refuse a workspace-wide action the actor's role does not allow, naming who may."""
        with self.read(actor) as s:
            policy.require(s, actor, action)

    def workspace_currency(self, actor: Actor) -> str:
        with self.read(actor) as s:
            ws = s.get(Workspace, actor.workspace_id)
            return ws.default_currency if ws is not None else "USD"
