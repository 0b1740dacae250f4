"""The CRM's operations. Each public method is one transaction that writes its own audit records."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services import limits, policy, totals
from bot.services.base import AUDITED, Actor, Op, ServiceBase, from_json, lock_row, snapshot
from bot.services.errors import (
    Candidate,
    Conflict,
    CurrencyChange,
    DomainError,
    Invalid,
    NotFound,
    PossibleDuplicate,
)
from bot.services.lookup import Match, pick, rank
from bot.services.people import find_teammate
from bot.services.reports import Closed, closed_deals
from bot.services.subscriptions import Schedule, next_run
from bot.services.text import fold
from bot.services.timeline import Timeline, timeline
from bot.services.timeutil import due_instant, local_day_bounds, parse_day, parse_when, today_in, zone
from bot.services.views import (
    Amounts,
    CompanyView,
    ContactDetails,
    ContactView,
    DealView,
    InteractionView,
    OwnerFigure,
    Pipeline,
    StageFigure,
    TaskView,
    Undone,
    UserView,
    Written,
    add_amounts,
)
from models import (
    AuditEvent,
    Company,
    Contact,
    Deal,
    Delivery,
    Interaction,
    PipelineStage,
    PipelineTotal,
    Subscription,
    Task,
    User,
    Workspace,
)
from models.entities import DEFAULT_STAGES, INTERACTION_KINDS, LIFECYCLES, ROLES

Ref = int | str
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[\d\s().\-]{6,}$")
TASK_SCOPES = ("today", "overdue", "week", "all")
log = logging.getLogger(__name__)


def _overdue(t: Task, tz: str, now: datetime) -> bool:
    # A task due on a day is on time all that day; one due at a time is late from that time.
    if t.done_at is not None:
        return False
    if t.due_at is not None:
        return t.due_utc is not None and _aware(t.due_utc) < now
    return t.due_date is not None and t.due_date < today_in(tz, now)


def _overdue_clause(today: date, now: datetime) -> Any:
    """The same rule as ``_overdue`` in SQL, for one assignee whose day is ``today``."""
    return or_(
        and_(Task.due_at.is_not(None), Task.due_utc < now),
        and_(Task.due_at.is_(None), Task.due_date < today),
    )


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise Invalid("amount", f"“{value}” is not an amount.", "Write it like 50000, 50k or 1.2M.") from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise Invalid(
            "amount", f"“{value}” is out of range for an amount.", "Write it like 50000, 50k or 1.2M."
        )
    return amount.quantize(Decimal("0.01"))


def _currency(value: str | None, default: str) -> str:
    code = (value or default).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise Invalid(
            "currency", f"“{value}” is not a currency code.", "Use a 3-letter code such as USD or EUR."
        )
    return code


def _email(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    limits.check("email", value)
    if not EMAIL.match(value):
        raise Invalid("email", f"“{value}” is not an email address.", "Write it like jane@acme.com.")
    return value.lower()


def _phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    limits.check("phone", value.strip())
    if not PHONE.match(value.strip()):
        raise Invalid("phone", f"“{value}” is not a phone number.", "Write it like +1 415 555 0100.")
    return value.strip()


def _name(value: str | None, what: str, example: str) -> str:
    """A name or title as stored; ``what`` is its field in bot/services/limits.py."""
    cleaned = re.sub(r"\s+", " ", value or "").strip()
    if not cleaned:
        raise Invalid(what, f"The {what} is missing.", f"For example: {example}")
    limits.check(what, cleaned)
    column = limits.FIELDS[what]
    key_column = getattr(column.class_, f"{column.key}_key", None)
    if key_column is not None:
        limits.check_key(what, fold(cleaned), key_column)
    return cleaned


def _mark_closed(deal: Deal, stage: PipelineStage, actor: Actor, now: datetime) -> None:
    """Won or lost: when and by whom, beside the expected close date (which stays); reopened: cleared."""
    deal.closed_at = now if stage.is_closed else None
    deal.closed_by_id = actor.user_id if stage.is_closed else None


def _plain_amount(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _summary(value: str | None, kind: str) -> str:
    summary = (value or "").strip()
    limits.check("summary", summary, label="note" if kind == "note" else f"{kind} summary")
    return summary


# Deal bookkeeping that later activity moves on; undo restores it only if nothing moved it since.
ACTIVITY_KEYS = ("last_activity_at", "stale_alerted_at")


class CRM(ServiceBase):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] | None = None,
        *,
        admins: Iterable[str] = (),
    ) -> None:
        super().__init__(sessions)
        self.clock = clock or (lambda: datetime.now(UTC))
        # The Slack user ids the operator names as admins (CRM_ADMINS): admins wherever they are seen.
        self.admins = frozenset(admins)
        totals.track(sessions)

    def now(self) -> datetime:
        return self.clock()

    # ---- workspaces and people -------------------------------------------------------------------

    def ensure_workspace(self, team_id: str, name: str | None = None, default_tz: str | None = None) -> int:
        with self.sessions.begin() as s:
            return self._workspace_id(s, team_id, name, default_tz)

    def _workspace_id(self, s: Session, team_id: str, name: str | None = None, tz: str | None = None) -> int:
        ws_id = s.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
        if ws_id is not None:
            return ws_id
        ws = Workspace(team_id=team_id, name=name, default_tz=tz or "UTC")
        s.add(ws)
        s.flush()
        for position, key in enumerate(DEFAULT_STAGES):
            s.add(
                PipelineStage(
                    workspace_id=ws.id,
                    key=key,
                    name=key.capitalize(),
                    position=position,
                    is_closed=key in ("won", "lost"),
                    is_won=key == "won",
                )
            )
        s.flush()
        return ws.id

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
            ws_id = self._workspace_id(s, team_id)
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
                op = Op(s, Actor(ws_id, user.id, slack_id, user.tz, user.role, user.name))
                op.created(user)
            else:
                before = snapshot(user)
                user.name = name or user.name
                if user.tz != tz_name:
                    self._rezone_tasks(s, user, tz_name)
                user.tz = tz_name
                user.email = email or user.email
                if role:
                    user.role = role
                op = Op(s, Actor(ws_id, user.id, slack_id, user.tz, user.role, user.name))
                op.updated(user, before)
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

    def _rezone_tasks(self, s: Session, user: User, tz: str) -> None:
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

    def set_role(self, actor: Actor, slack_id: str, role: str) -> Written:
        """Give someone a role (admins only); ``changed`` is empty when they already had it."""
        if role not in ROLES:
            raise Invalid("role", f"“{role}” is not a role.", "Roles: rep, manager, admin.")
        with self.op(actor) as op:
            s = op.session
            policy.require(s, self._role_now(s, actor), "roles")
            user = self._user_by_slack(s, actor.workspace_id, slack_id)
            before = snapshot(user)
            if user.role == role:
                return Written(op.id)
            user.role = role
            self._check_admins(s, user)
            op.updated(user, before)
            return Written(op.id, changed={"role": (before["role"], role)})

    def _role_now(self, s: Session, actor: Actor) -> Actor:
        """The actor with their role as it is now, read under a lock on the workspace's admins.

        Role changes are serialised by that lock, so the count of admins a change checks stays true,
        and of two admins demoting each other at once the second finds they are no longer one."""
        s.execute(
            select(User.id)
            .where(User.workspace_id == actor.workspace_id, User.role == "admin")
            .with_for_update()
        ).all()
        me = s.get(User, actor.user_id, populate_existing=True)
        return replace(actor, role=me.role if me is not None else "rep")

    def _check_admins(self, s: Session, changed: User) -> None:
        """After a role change (or its undo): the workspace keeps an admin, and the operator's stay."""
        if changed.role == "admin":
            return
        if changed.slack_id in self.admins:
            raise Conflict(
                f"{changed.name} is an admin because the CRM_ADMINS setting names them.",
                "Take them out of CRM_ADMINS first to change their role.",
            )
        s.flush()
        left = s.scalar(
            select(func.count(User.id)).where(User.workspace_id == changed.workspace_id, User.role == "admin")
        )
        if not left:
            raise Conflict(
                f"{changed.name} is the last admin; the workspace needs one.",
                "Make someone else an admin first.",
            )

    def people(self, actor: Actor, limit: int = 200) -> list[UserView]:
        """Everyone the bot knows in the workspace, admins first, then managers, then reps."""
        with self.read() as s:
            users = s.scalars(
                select(User)
                .where(User.workspace_id == actor.workspace_id)
                .order_by(User.role, User.name, User.id)  # admin, manager, rep
                .limit(limit)
            )
            return [UserView(u.id, u.slack_id, u.name, u.tz, u.role) for u in users]

    def user(self, actor: Actor, slack_id: str) -> UserView | None:
        with self.read() as s:
            user = s.scalar(
                select(User).where(User.workspace_id == actor.workspace_id, User.slack_id == slack_id)
            )
            return None if user is None else UserView(user.id, user.slack_id, user.name, user.tz, user.role)

    def teammate(self, actor: Actor, ref: str | int) -> UserView:
        """The teammate a person named: Slack id, name, first name, possessive, "me" (bot.services.people)."""
        with self.read() as s:
            user = find_teammate(s, actor, ref)
            return UserView(user.id, user.slack_id, user.name, user.tz, user.role)

    def _user_by_slack(self, s: Session, ws_id: int, slack_id: str) -> User:
        user = s.scalar(select(User).where(User.workspace_id == ws_id, User.slack_id == slack_id))
        if user is None:
            raise NotFound("person", f"<@{slack_id}>", "They need to say something to the bot first.")
        return user

    # ---- companies -------------------------------------------------------------------------------

    def _company(
        self, s: Session, op: Op | None, actor: Actor, ref: Ref | None, *, create: bool
    ) -> Company | None:
        if ref is None or ref == "":
            return None
        if isinstance(ref, int):
            company = s.get(Company, ref)
            if company is None or company.workspace_id != actor.workspace_id:
                raise NotFound("company", str(ref))
            return company
        name = _name(ref, "company name", "Acme Corp")
        key = fold(name)
        found = s.scalars(
            select(Company)
            .where(Company.workspace_id == actor.workspace_id, Company.name_key == key)
            .limit(1)
        ).first()
        if found is not None:
            return found
        matches = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, name)
        if matches and matches[0].score >= 92:
            return s.get(Company, matches[0].id)
        if not create or op is None:
            return s.get(Company, pick("company", name, matches))
        company = Company(workspace_id=actor.workspace_id, name=name, name_key=key)
        s.add(company)
        op.created(company)
        return company

    def find_companies(self, actor: Actor, query: str, limit: int = 5) -> list[CompanyView]:
        with self.read() as s:
            matches = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, query, limit=limit)
            return [CompanyView(m.id, m.label) for m in matches if m.score >= 60]

    # ---- contacts --------------------------------------------------------------------------------

    def _contact_view(self, s: Session, c: Contact) -> ContactView:
        owner = s.get(User, c.owner_id) if c.owner_id else None
        return ContactView(
            c.id,
            c.name,
            c.email,
            c.phone,
            c.title,
            c.company.name if c.company else None,
            c.company_id,
            c.lifecycle,
            owner.slack_id if owner else None,
            list(c.tags or []),
        )

    def _contact_matches(self, s: Session, actor: Actor, ref: str, limit: int = 5) -> list[Match]:
        ref = ref.strip()
        if "@" in ref and EMAIL.match(ref):
            rows = s.execute(
                select(Contact.id, Contact.name).where(
                    Contact.workspace_id == actor.workspace_id, Contact.email == ref.lower()
                )
            ).all()
            if rows:
                return [Match(r[0], r[1], 100.0) for r in rows]
        return rank(s, Contact, Contact.name_key, Contact.name, actor.workspace_id, ref, limit=limit)

    def _contact(self, s: Session, actor: Actor, ref: Ref, company_hint: str | None = None) -> Contact:
        if isinstance(ref, int):
            contact = s.get(Contact, ref)
            if contact is None or contact.workspace_id != actor.workspace_id:
                raise NotFound("contact", str(ref))
            return contact
        matches = self._contact_matches(s, actor, ref)
        if company_hint and len(matches) > 1:
            # "Jane at Acme": among close matches, the one at that company wins.
            hint = fold(company_hint)
            ids = [m.id for m in matches]
            at_company = set(
                s.scalars(
                    select(Contact.id)
                    .join(Company, Contact.company_id == Company.id)
                    .where(Contact.id.in_(ids), Company.name_key.like(f"{hint[:3]}%"))
                ).all()
            )
            narrowed = [m for m in matches if m.id in at_company]
            if narrowed:
                matches = narrowed
        detail = self._contact_details_line(s, [m.id for m in matches])
        contact = s.get(Contact, pick("contact", ref, matches, detail=detail))
        assert contact is not None
        return contact

    def _contact_details_line(self, s: Session, ids: list[int]) -> dict[int, str]:
        rows = s.execute(
            select(Contact.id, Contact.email, Company.name)
            .outerjoin(Company, Contact.company_id == Company.id)
            .where(Contact.id.in_(ids))
        ).all()
        return {r[0]: " · ".join(x for x in (r[2], r[1]) if x) for r in rows}

    def create_contact(
        self,
        actor: Actor,
        name: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        company: str | None = None,
        title: str | None = None,
        lifecycle: str | None = None,
        tags: list[str] | None = None,
        force: bool = False,
    ) -> Written:
        name = _name(name, "name", "/crm contact add Jane Doe jane@acme.com Acme")
        email = _email(email)
        phone = _phone(phone)
        title = (title or "").strip() or None
        limits.check("job title", title)
        if lifecycle and lifecycle not in LIFECYCLES:
            raise Invalid(
                "lifecycle", f"“{lifecycle}” is not a lifecycle stage.", "Use " + ", ".join(LIFECYCLES) + "."
            )
        with self.op(actor) as op:
            s = op.session
            if not force:
                self._check_duplicate(s, actor, name, email, company)
            company_row = self._company(s, op, actor, company, create=True)
            contact = Contact(
                workspace_id=actor.workspace_id,
                name=name,
                name_key=fold(name),
                email=email,
                phone=phone,
                title=title,
                company_id=company_row.id if company_row else None,
                lifecycle=lifecycle or "prospect",
                owner_id=actor.user_id,
                tags=tags or [],
                # The service's clock, like every other time it writes (a test's or the console's).
                created_at=self.now(),
            )
            s.add(contact)
            op.created(contact)
            s.refresh(contact)
            return Written(op.id, contact=self._contact_view(s, contact))

    def _check_duplicate(
        self, s: Session, actor: Actor, name: str, email: str | None, company: str | None
    ) -> None:
        existing: list[Candidate] = []
        if email:
            for cid, cname in s.execute(
                select(Contact.id, Contact.name).where(
                    Contact.workspace_id == actor.workspace_id, Contact.email == email
                )
            ):
                existing.append(Candidate(cid, cname, 100.0, email))
        if not existing:
            matches = [
                m
                for m in rank(s, Contact, Contact.name_key, Contact.name, actor.workspace_id, name)
                if m.score >= 88
            ]
            if matches:
                detail = self._contact_details_line(s, [m.id for m in matches])
                company_key = fold(company) if company else None
                for m in matches:
                    row = s.get(Contact, m.id)
                    same_company = (
                        row is not None
                        and row.company is not None
                        and company_key is not None
                        and (
                            row.company.name_key == company_key
                            or row.company.name_key.startswith(company_key[:4])
                        )
                    )
                    if same_company or (m.score == 100.0 and company_key is None):
                        existing.append(Candidate(m.id, m.label, m.score, detail.get(m.id)))
        if existing:
            raise PossibleDuplicate("contact", existing)

    def update_contact(self, actor: Actor, ref: Ref, **fields: Any) -> Written:
        allowed = {"name", "email", "phone", "company", "title", "lifecycle", "tags", "preferred_channel"}
        unknown = set(fields) - allowed
        if unknown:
            raise Invalid(
                sorted(unknown)[0],
                f"I can't change “{sorted(unknown)[0]}” on a contact.",
                "Fields: " + ", ".join(sorted(allowed)),
            )
        if "email" in fields:
            fields["email"] = _email(fields["email"])
        if "phone" in fields:
            fields["phone"] = _phone(fields["phone"])
        if fields.get("name"):
            _name(fields["name"], "name", "Jane Doe")
        if isinstance(fields.get("title"), str):
            limits.check("job title", fields["title"])
        if fields.get("lifecycle") and fields["lifecycle"] not in LIFECYCLES:
            raise Invalid(
                "lifecycle",
                f"“{fields['lifecycle']}” is not a lifecycle stage.",
                "Use " + ", ".join(LIFECYCLES) + ".",
            )
        if not fields:
            raise Invalid(
                "fields", "Nothing to change.", "For example: /crm contact edit Jane Doe email=jane@acme.com"
            )
        with self.op(actor) as op:
            s = op.session
            contact = self._contact(s, actor, ref)
            lock_row(s, Contact, contact.id)
            policy.require_change(s, actor, contact)
            before = snapshot(contact)
            for key, value in fields.items():
                if key == "company":
                    company = self._company(s, op, actor, value, create=True)
                    contact.company_id = company.id if company else None
                elif key == "name":
                    contact.name = _name(value, "name", "Jane Doe")
                    contact.name_key = fold(contact.name)
                else:
                    setattr(contact, key, value)
            op.updated(contact, before)
            s.refresh(contact)
            after = snapshot(contact)
            changed = {k: (before[k], after[k]) for k in after if before.get(k) != after.get(k)}
            return Written(op.id, contact=self._contact_view(s, contact), changed=changed)

    def find_contacts(self, actor: Actor, query: str, limit: int = 5) -> list[ContactView]:
        with self.read() as s:
            matches = self._contact_matches(s, actor, query, limit=limit)
            views = []
            for m in matches:
                if m.score < 60:
                    continue
                c = s.get(Contact, m.id)
                if c is not None:
                    views.append(self._contact_view(s, c))
            if not views:
                # "find acme" means the people at Acme as much as anyone called Acme.
                for company in rank(
                    s, Company, Company.name_key, Company.name, actor.workspace_id, query, limit=2
                ):
                    if company.score < 80:
                        continue
                    for c in s.scalars(
                        select(Contact)
                        .where(Contact.company_id == company.id)
                        .order_by(Contact.name)
                        .limit(limit)
                    ):
                        views.append(self._contact_view(s, c))
            return views[:limit]

    def list_contacts(
        self,
        actor: Actor,
        *,
        lifecycle: str | None = None,
        tag: str | None = None,
        owner: str | None = None,
        company: str | None = None,
        inactive_days: int | None = None,
        limit: int = 25,
    ) -> tuple[int, list[ContactView]]:
        """Contacts matching every filter given, by name, with how many match in all. "No activity in N
        days": nothing logged with them since, and on file for longer than that."""
        with self.read() as s:
            where: list[Any] = [Contact.workspace_id == actor.workspace_id]
            if lifecycle:
                where.append(Contact.lifecycle == lifecycle)
            if tag:
                # Tags are a JSON list: its text holds "tag" with the quotes on both backends.
                text = func.lower(cast(Contact.tags, String))
                where.append(text.like('%"' + tag.lower().strip().lstrip("#").replace("%", "") + '"%'))
            if owner:
                where.append(Contact.owner_id == self._user_by_slack(s, actor.workspace_id, owner).id)
            if company:
                found = self._company(s, None, actor, company, create=False)
                where.append(Contact.company_id == (found.id if found else -1))
            if inactive_days is not None:
                since = self.now() - timedelta(days=int(inactive_days))
                last = (
                    select(Interaction.contact_id, func.max(Interaction.occurred_at).label("at"))
                    .where(
                        Interaction.workspace_id == actor.workspace_id, Interaction.contact_id.is_not(None)
                    )
                    .group_by(Interaction.contact_id)
                    .subquery()
                )
                q_last = select(last.c.contact_id).where(last.c.at >= since)
                where += [Contact.id.not_in(q_last), Contact.created_at < since]
            total = int(s.scalar(select(func.count()).select_from(Contact).where(*where)) or 0)
            rows = s.scalars(
                select(Contact).where(*where).order_by(Contact.name_key, Contact.id).limit(limit)
            )
            return total, [self._contact_view(s, c) for c in rows]

    def resolve_contact(self, actor: Actor, ref: Ref, company: str | None = None) -> ContactView:
        with self.read() as s:
            return self._contact_view(s, self._contact(s, actor, ref, company))

    def contact_details(self, actor: Actor, ref: Ref) -> ContactDetails:
        with self.read() as s:
            contact = self._contact(s, actor, ref)
            interactions = s.scalars(
                select(Interaction)
                .where(Interaction.contact_id == contact.id)
                .order_by(Interaction.occurred_at.desc())
                .limit(5)
            ).all()
            deals = s.scalars(
                select(Deal)
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(Deal.contact_id == contact.id, PipelineStage.is_closed.is_(False))
                .order_by(Deal.close_date)
                .limit(10)
            ).all()
            tasks = s.scalars(
                select(Task)
                .where(Task.contact_id == contact.id, Task.done_at.is_(None))
                .order_by(Task.due_utc)
                .limit(10)
            ).all()
            return ContactDetails(
                self._contact_view(s, contact),
                [self._interaction_view(s, i) for i in interactions],
                [self._deal_view(s, d) for d in deals],
                [self._task_view(s, t) for t in tasks],
            )

    # ---- deals -----------------------------------------------------------------------------------

    def _stages(self, s: Session, ws_id: int) -> list[PipelineStage]:
        return list(
            s.scalars(
                select(PipelineStage)
                .where(PipelineStage.workspace_id == ws_id)
                .order_by(PipelineStage.position)
            )
        )

    def _stage(self, s: Session, ws_id: int, key: str) -> PipelineStage:
        stages = self._stages(s, ws_id)
        wanted = fold(key)
        for stage in stages:
            if stage.key == wanted or fold(stage.name) == wanted:
                return stage
        raise Invalid(
            "stage",
            f"“{key}” is not a pipeline stage.",
            "Stages: " + ", ".join(st.key for st in stages) + ".",
        )

    def stages(self, actor: Actor) -> list[tuple[str, str, bool]]:
        with self.read() as s:
            return [(st.key, st.name, st.is_closed) for st in self._stages(s, actor.workspace_id)]

    def _deal_view(self, s: Session, d: Deal) -> DealView:
        owner = s.get(User, d.owner_id) if d.owner_id else None
        closer = s.get(User, d.closed_by_id) if d.closed_by_id else None
        next_stage = None
        if not d.stage.is_closed:
            nxt = s.scalars(
                select(PipelineStage)
                .where(
                    PipelineStage.workspace_id == d.workspace_id, PipelineStage.position > d.stage.position
                )
                .order_by(PipelineStage.position)
                .limit(1)
            ).first()
            next_stage = nxt.key if nxt else None
        return DealView(
            d.id,
            d.title,
            d.company.name if d.company else None,
            d.contact.name if d.contact else None,
            d.amount,
            d.currency,
            d.stage.key,
            d.stage.name,
            d.stage.is_closed,
            owner.slack_id if owner else None,
            d.close_date,
            next_stage,
            d.last_activity_at,
            d.closed_at,
            closer.slack_id if closer else None,
        )

    def _deal(self, s: Session, actor: Actor, ref: Ref, *, lock: bool = False) -> Deal:
        if isinstance(ref, int):
            deal = lock_row(s, Deal, ref) if lock else s.get(Deal, ref)
            if deal is None or deal.workspace_id != actor.workspace_id:
                raise NotFound("deal", str(ref))
            return deal
        matches = rank(s, Deal, Deal.title_key, Deal.title, actor.workspace_id, ref)
        if not matches or matches[0].score < 75:
            # "the Globex deal" names the company more often than the deal's title.
            company_matches = rank(
                s, Company, Company.name_key, Company.name, actor.workspace_id, ref, limit=3
            )
            if company_matches and company_matches[0].score >= 85:
                rows = s.execute(
                    select(Deal.id, Deal.title)
                    .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                    .where(Deal.company_id == company_matches[0].id, PipelineStage.is_closed.is_(False))
                    .limit(6)
                ).all()
                matches = [Match(r[0], r[1], 95.0) for r in rows]
        deal_id = pick("deal", ref, matches)
        deal = lock_row(s, Deal, deal_id) if lock else s.get(Deal, deal_id)
        assert deal is not None
        return deal

    def resolve_deal(self, actor: Actor, ref: Ref) -> DealView:
        with self.read() as s:
            return self._deal_view(s, self._deal(s, actor, ref))

    def create_deal(
        self,
        actor: Actor,
        title: str | None = None,
        *,
        company: str | None = None,
        contact: Ref | None = None,
        amount: Any = None,
        currency: str | None = None,
        stage: str | None = None,
        close_date: str | date | None = None,
        owner: str | None = None,
        force: bool = False,
    ) -> Written:
        """``force``: the person said to add it even though they added the same deal a moment ago."""
        if not title and not company:
            raise Invalid(
                "title",
                "A deal needs a title or a company.",
                "For example: /crm deal add Acme renewal 50k close 2026-12-15",
            )
        if title:
            _name(title, "deal title", "Acme renewal")
        amount_value = _money(amount)
        day = parse_day(close_date, "close date")
        with self.op(actor) as op:
            s = op.session
            ws = s.get(Workspace, actor.workspace_id)
            assert ws is not None
            company_row = self._company(s, op, actor, company, create=True)
            contact_row = self._contact(s, actor, contact, company) if contact else None
            if company_row is None and contact_row is not None and contact_row.company_id:
                company_row = s.get(Company, contact_row.company_id)
            stage_row = self._stage(s, actor.workspace_id, stage or "lead")
            owner_id = self._user_by_slack(s, actor.workspace_id, owner).id if owner else actor.user_id
            deal_title = _name(
                title or f"{company_row.name if company_row else ''} deal", "deal title", "Acme renewal"
            )
            now = self.now()
            deal = Deal(
                workspace_id=actor.workspace_id,
                title=deal_title,
                title_key=fold(deal_title),
                company_id=company_row.id if company_row else None,
                contact_id=contact_row.id if contact_row else None,
                amount=amount_value,
                currency=_currency(currency, ws.default_currency),
                stage_id=stage_row.id,
                owner_id=owner_id,
                close_date=day,
                stage_changed_at=now,
                last_activity_at=now,
            )
            _mark_closed(deal, stage_row, actor, now)
            if not force:
                self._check_deal_duplicate(s, actor, deal_title)
            s.add(deal)
            if not force:
                op.refuse_repeat(deal, deal_title)
            op.created(deal)
            s.refresh(deal)
            return Written(op.id, deal=self._deal_view(s, deal))

    def _check_deal_duplicate(self, s: Session, actor: Actor, title: str) -> None:
        """An open deal of the same name (anyone's): two are hard to tell apart in every list after."""
        rows = s.execute(
            select(Deal.id, Deal.title, Deal.amount, Deal.currency, User.name)
            .join(PipelineStage, Deal.stage_id == PipelineStage.id)
            .outerjoin(User, Deal.owner_id == User.id)
            .where(
                Deal.workspace_id == actor.workspace_id,
                Deal.title_key == fold(title),
                PipelineStage.is_closed.is_(False),
            )
            .limit(3)
        ).all()
        if rows:
            existing = [
                Candidate(
                    r[0],
                    r[1],
                    100.0,
                    ", ".join(
                        x for x in (_plain_amount(r[2]) and f"{r[3]} {_plain_amount(r[2])}", r[4]) if x
                    ),
                )
                for r in rows
            ]
            raise PossibleDuplicate("deal", existing)

    def update_deal(
        self,
        actor: Actor,
        ref: Ref,
        *,
        stage: str | None = None,
        amount: Any = None,
        add_amount: Any = None,
        currency: str | None = None,
        close_date: str | date | None = None,
        owner: str | None = None,
        title: str | None = None,
        force: bool = False,
        company: str | None = None,
        contact: Ref | None = None,
    ) -> Written:
        """``force``: the person confirmed a change of currency (the amount is never converted)."""
        if title:
            _name(title, "deal title", "Acme renewal")
        amount_value = _money(amount)
        delta = _money(add_amount) if add_amount is not None else None
        day = parse_day(close_date, "close date")
        if all(v is None for v in (stage, amount_value, delta, currency, day, owner, title)) and not (
            company or contact
        ):
            raise Invalid(
                "deal",
                "Nothing to change on the deal.",
                "For example: /crm deal move Acme renewal negotiation",
            )
        with self.op(actor) as op:
            s = op.session
            # Locked for the whole transaction, so two people changing one deal never lose a write.
            deal = self._deal(s, actor, ref, lock=True)
            policy.require_change(s, actor, deal)
            before = snapshot(deal)
            now = self.now()
            if stage is not None:
                stage_row = self._stage(s, actor.workspace_id, stage)
                if stage_row.id != deal.stage_id:
                    deal.stage_id = stage_row.id
                    deal.stage_changed_at = now
                    _mark_closed(deal, stage_row, actor, now)
            new_currency = _currency(currency, deal.currency) if currency is not None else deal.currency
            if new_currency != deal.currency:
                if delta is not None:
                    raise Invalid(
                        "currency",
                        f"“{deal.title}” is in {deal.currency}; I can't add {new_currency} to it.",
                        "Give the whole new amount instead, e.g. /crm deal amount Acme renewal €30k",
                    )
                if not force:
                    raise CurrencyChange(
                        deal.title,
                        deal.currency,
                        _plain_amount(deal.amount),
                        new_currency,
                        _plain_amount(amount_value),
                    )
                deal.currency = new_currency
            if amount_value is not None:
                deal.amount = amount_value
            if delta is not None:
                deal.amount = (deal.amount or Decimal(0)) + delta
            if day is not None:
                deal.close_date = day
            if owner is not None:
                deal.owner_id = self._user_by_slack(s, actor.workspace_id, owner).id
            if title:
                deal.title = _name(title, "deal title", "Acme renewal")
                deal.title_key = fold(deal.title)
            if company:
                company_row = self._company(s, op, actor, company, create=True)
                if company_row is not None:
                    deal.company_id = company_row.id
            if contact:
                deal.contact_id = self._contact(s, actor, contact, company).id
            deal.last_activity_at = now
            deal.stale_alerted_at = None
            op.updated(deal, before)
            s.flush()
            s.expire(deal)
            after = snapshot(deal)
            changed = {
                k: (before[k], after[k])
                for k in after
                if before.get(k) != after.get(k)
                and k not in ("last_activity_at", "stale_alerted_at", "stage_changed_at")
            }
            return Written(op.id, deal=self._deal_view(s, deal), changed=changed)

    def advance_deal(self, actor: Actor, ref: Ref) -> Written:
        deal = self.resolve_deal(actor, ref)
        if deal.next_stage is None:
            raise Invalid("stage", f"“{deal.title}” is already {deal.stage_name}.")
        return self.update_deal(actor, deal.id, stage=deal.next_stage)

    def list_deals(
        self,
        actor: Actor,
        *,
        owner: str | None = None,
        stage: str | None = None,
        include_closed: bool = False,
        limit: int = 20,
    ) -> list[DealView]:
        with self.read() as s:
            q = (
                select(Deal)
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(Deal.workspace_id == actor.workspace_id)
            )
            if owner:
                q = q.where(Deal.owner_id == self._user_by_slack(s, actor.workspace_id, owner).id)
            if stage:
                q = q.where(Deal.stage_id == self._stage(s, actor.workspace_id, stage).id)
            elif not include_closed:
                q = q.where(PipelineStage.is_closed.is_(False))
            q = q.order_by(PipelineStage.position, Deal.close_date.is_(None), Deal.close_date, Deal.id).limit(
                limit
            )
            return [self._deal_view(s, d) for d in s.scalars(q).unique()]

    # ---- interactions ----------------------------------------------------------------------------

    def _interaction_view(self, s: Session, i: Interaction) -> InteractionView:
        author = s.get(User, i.author_id) if i.author_id else None
        contact = s.get(Contact, i.contact_id) if i.contact_id else None
        company = s.get(Company, i.company_id) if i.company_id else None
        deal = s.get(Deal, i.deal_id) if i.deal_id else None
        return InteractionView(
            i.id,
            i.kind,
            i.summary,
            i.occurred_at,
            author.slack_id if author else None,
            contact.name if contact else None,
            company.name if company else None,
            deal.title if deal else None,
        )

    def log_interaction(
        self,
        actor: Actor,
        kind: str,
        summary: str = "",
        *,
        contact: Ref | None = None,
        company: Ref | None = None,
        deal: Ref | None = None,
        occurred_at: str | date | datetime | None = None,
        permalink: str | None = None,
        follow_up: dict[str, Any] | None = None,
        force: bool = False,
    ) -> Written:
        """Log a call/email/meeting/note/message, and its follow-up task, as one undoable operation.
        ``force``: log it even though the person logged the same one a moment ago."""
        if kind not in INTERACTION_KINDS:
            raise Invalid(
                "kind",
                f"“{kind}” is not an interaction kind.",
                "Kinds: " + ", ".join(INTERACTION_KINDS) + ".",
            )
        if contact is None and company is None and deal is None:
            raise Invalid(
                "contact", "Who was it with?", "For example: /crm log call Jane Doe discussed pricing"
            )
        summary = _summary(summary, kind)
        if follow_up and follow_up.get("title"):
            _name(follow_up["title"], "task title", "call Jane tomorrow 3pm")
        when = self._occurred(occurred_at, actor.tz)
        with self.op(actor) as op:
            s = op.session
            contact_row = (
                self._contact(s, actor, contact, company if isinstance(company, str) else None)
                if contact
                else None
            )
            company_row: Company | None = None
            if company is not None:
                if contact_row is not None and contact_row.company_id and isinstance(company, str):
                    company_row = s.get(Company, contact_row.company_id)
                else:
                    company_row = self._company(s, op, actor, company, create=False)
            elif contact_row is not None and contact_row.company_id:
                company_row = s.get(Company, contact_row.company_id)
            deal_row = self._deal(s, actor, deal, lock=True) if deal else None
            interaction = Interaction(
                workspace_id=actor.workspace_id,
                kind=kind,
                summary=summary,
                occurred_at=when,
                author_id=actor.user_id,
                contact_id=contact_row.id if contact_row else None,
                company_id=company_row.id if company_row else None,
                deal_id=deal_row.id if deal_row else None,
                permalink=permalink,
            )
            s.add(interaction)
            if not force:
                op.refuse_repeat(interaction, interaction.summary or kind)
            op.created(interaction)
            self._touch_deals(op, deal_row, contact_row)
            task_view = None
            if follow_up and (follow_up.get("title") or follow_up.get("due")):
                title = (
                    follow_up.get("title") or f"Follow up with {contact_row.name if contact_row else 'them'}"
                )
                task = self._new_task(
                    op,
                    title=title,
                    assignee=follow_up.get("assignee") or actor.slack_id,
                    due=follow_up.get("due"),
                    contact_row=contact_row,
                    deal_row=deal_row,
                )
                task_view = self._task_view(s, task)
            return Written(op.id, interaction=self._interaction_view(s, interaction), task=task_view)

    def _occurred(self, value: str | date | datetime | None, tz: str) -> datetime:
        if value is None or value == "":
            return self.now()
        day, at = parse_when(value, tz)
        if at is not None:
            return at
        assert day is not None
        if day == today_in(tz, self.now()):
            return self.now()
        # A past day with no time: noon that day, so it sorts on the right day in any zone nearby.
        return datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=zone(tz)).astimezone(UTC)

    def _touch_deals(self, op: Op, deal_row: Deal | None, contact_row: Contact | None) -> None:
        now = self.now()
        ids: list[int] = []
        if deal_row is not None:
            ids.append(deal_row.id)
        if contact_row is not None:
            ids += list(
                op.session.scalars(
                    select(Deal.id)
                    .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                    .where(Deal.contact_id == contact_row.id, PipelineStage.is_closed.is_(False))
                )
            )
        if ids:
            # Activity bookkeeping, not a change a person would undo: not audited.
            op.session.execute(
                update(Deal).where(Deal.id.in_(ids)).values(last_activity_at=now, stale_alerted_at=None)
            )

    # ---- tasks -----------------------------------------------------------------------------------

    def _task_view(self, s: Session, t: Task) -> TaskView:
        assignee = s.get(User, t.assignee_id) if t.assignee_id else None
        creator = s.get(User, t.creator_id) if t.creator_id else None
        contact = s.get(Contact, t.contact_id) if t.contact_id else None
        deal = s.get(Deal, t.deal_id) if t.deal_id else None
        return TaskView(
            t.id,
            t.title,
            assignee.slack_id if assignee else None,
            creator.slack_id if creator else None,
            t.due_date,
            t.due_at,
            t.due_utc,
            t.done_at,
            contact.name if contact else None,
            deal.title if deal else None,
            _overdue(t, assignee.tz if assignee else "UTC", self.now()),
        )

    def _schedule(self, task: Task, assignee: User | None) -> None:
        tz = assignee.tz if assignee else "UTC"
        task.due_utc = due_instant(task.due_date, task.due_at, tz)
        if task.done_at is None and task.due_utc is not None and assignee is not None:
            task.remind_at = task.due_utc
            task.reminder_state = "pending"
        else:
            task.remind_at = None
            task.reminder_state = "none"

    def _new_task(
        self,
        op: Op,
        *,
        title: str,
        assignee: str | None,
        due: Any,
        contact_row: Contact | None = None,
        deal_row: Deal | None = None,
        check_repeat: bool = False,
    ) -> Task:
        s = op.session
        actor = op.actor
        title = _name(title, "task title", "/crm task add call Jane tomorrow 3pm")
        assignee_row = self._user_by_slack(s, actor.workspace_id, assignee or actor.slack_id)
        # The day someone types is read in their zone; the instant is kept in UTC.
        day, at = parse_when(due, actor.tz)
        task = Task(
            workspace_id=actor.workspace_id,
            title=title,
            title_key=fold(title),
            assignee_id=assignee_row.id,
            creator_id=actor.user_id,
            due_date=day,
            due_at=at,
            contact_id=contact_row.id if contact_row else None,
            deal_id=deal_row.id if deal_row else None,
        )
        self._schedule(task, assignee_row)
        s.add(task)
        if check_repeat:
            op.refuse_repeat(task, title)
        op.created(task)
        return task

    def create_task(
        self,
        actor: Actor,
        title: str,
        *,
        assignee: str | None = None,
        due: Any = None,
        contact: Ref | None = None,
        deal: Ref | None = None,
        force: bool = False,
    ) -> Written:
        """``force``: add it even though the person added the same task a moment ago."""
        _name(title, "task title", "/crm task add call Jane tomorrow 3pm")
        with self.op(actor) as op:
            s = op.session
            contact_row = self._contact(s, actor, contact) if contact else None
            deal_row = self._deal(s, actor, deal) if deal else None
            task = self._new_task(
                op,
                title=title,
                assignee=assignee,
                due=due,
                contact_row=contact_row,
                deal_row=deal_row,
                check_repeat=not force,
            )
            return Written(op.id, task=self._task_view(s, task))

    def _task(self, s: Session, actor: Actor, ref: Ref, *, open_only: bool = True) -> Task:
        if isinstance(ref, int):
            task = lock_row(s, Task, ref)
            if task is None or task.workspace_id != actor.workspace_id:
                raise NotFound("task", str(ref))
            return task
        where = [Task.done_at.is_(None)] if open_only else []
        mine = rank(
            s,
            Task,
            Task.title_key,
            Task.title,
            actor.workspace_id,
            ref,
            extra_where=[*where, Task.assignee_id == actor.user_id],
        )
        matches = (
            mine
            if mine and mine[0].score >= 75
            else rank(s, Task, Task.title_key, Task.title, actor.workspace_id, ref, extra_where=where)
        )
        task = lock_row(s, Task, pick("task", ref, matches))
        assert task is not None
        return task

    def complete_task(self, actor: Actor, ref: Ref) -> Written:
        with self.op(actor) as op:
            s = op.session
            task = self._task(s, actor, ref)
            policy.require_change(s, actor, task)
            if task.done_at is not None:
                return Written(op.id, task=self._task_view(s, task))
            before = snapshot(task)
            task.done_at = self.now()
            task.reminder_state = "none"
            op.updated(task, before)
            return Written(op.id, task=self._task_view(s, task))

    def reschedule_task(self, actor: Actor, ref: Ref, due: Any) -> Written:
        with self.op(actor) as op:
            s = op.session
            task = self._task(s, actor, ref)
            policy.require_change(s, actor, task)
            before = snapshot(task)
            task.due_date, task.due_at = parse_when(due, actor.tz)
            self._schedule(task, s.get(User, task.assignee_id) if task.assignee_id else None)
            op.updated(task, before)
            return Written(op.id, task=self._task_view(s, task))

    def snooze_task(self, actor: Actor, ref: Ref, until: datetime) -> Written:
        """Remind again at ``until``; the due date stays what it was."""
        with self.op(actor) as op:
            s = op.session
            task = self._task(s, actor, ref)
            policy.require_change(s, actor, task)
            before = snapshot(task)
            task.remind_at = until.astimezone(UTC)
            task.reminder_state = "pending"
            op.updated(task, before)
            return Written(op.id, task=self._task_view(s, task))

    def reassign_task(self, actor: Actor, ref: Ref, assignee: str) -> Written:
        with self.op(actor) as op:
            s = op.session
            task = self._task(s, actor, ref)
            policy.require_change(s, actor, task)
            before = snapshot(task)
            new = self._user_by_slack(s, actor.workspace_id, assignee)
            task.assignee_id = new.id
            self._schedule(task, new)
            op.updated(task, before)
            return Written(op.id, task=self._task_view(s, task))

    def list_tasks(
        self, actor: Actor, *, assignee: str | None = None, scope: str = "all", limit: int = 25
    ) -> list[TaskView]:
        if scope not in TASK_SCOPES:
            raise Invalid("scope", f"“{scope}” is not a task list.", "Lists: today, overdue, week, all.")
        with self.read() as s:
            who = self._user_by_slack(s, actor.workspace_id, assignee or actor.slack_id)
            q = select(Task).where(
                Task.workspace_id == actor.workspace_id, Task.assignee_id == who.id, Task.done_at.is_(None)
            )
            now = self.now()
            # "Today" and "this week" are the reader's days, not UTC's.
            today = today_in(who.tz, now)
            if scope == "overdue":
                q = q.where(_overdue_clause(today, now))
            elif scope == "today":
                _, end = local_day_bounds(today, who.tz)
                q = q.where(Task.due_utc < end)
            elif scope == "week":
                _, end = local_day_bounds(today + timedelta(days=6 - today.weekday()), who.tz)
                q = q.where(Task.due_utc < end)
            q = q.order_by(Task.due_utc.is_(None), Task.due_utc, Task.id).limit(limit)
            return [self._task_view(s, t) for t in s.scalars(q)]

    def task(self, actor: Actor, task_id: int) -> TaskView:
        with self.read() as s:
            t = s.get(Task, task_id)
            if t is None or t.workspace_id != actor.workspace_id:
                raise NotFound("task", str(task_id))
            return self._task_view(s, t)

    # ---- pipeline --------------------------------------------------------------------------------

    def pipeline(self, actor: Actor, *, owner: str | None = None) -> Pipeline:
        """Count and amounts (per currency) per stage, and per owner over open deals."""
        with self.read() as s:
            ws = s.get(Workspace, actor.workspace_id)
            assert ws is not None
            owner_id = self._user_by_slack(s, actor.workspace_id, owner).id if owner else None
            stage_rows = s.execute(
                select(PipelineStage.id, PipelineStage.key, PipelineStage.name, PipelineStage.is_closed)
                .where(PipelineStage.workspace_id == actor.workspace_id)
                .order_by(PipelineStage.position)
            ).all()
            # Read from the running totals (bot/services/totals.py), not by summing every deal: a few
            # dozen rows per workspace, added up here per stage, owner and currency.
            T = PipelineTotal
            q = select(T.stage_id, T.owner_key, T.currency, T.deals, T.amount).where(
                T.workspace_id == actor.workspace_id, T.deals != 0
            )
            if owner_id is not None:
                q = q.where(T.owner_key == owner_id)
            counts: dict[int, int] = {}
            amounts: dict[int, list[Amounts]] = {}
            owner_counts: dict[int, int] = {}
            owner_amounts: dict[int, list[Amounts]] = {}
            open_ids = {r[0] for r in stage_rows if not r[3]}
            for stage_id, owner_key, currency, n, amount in s.execute(q):
                counts[stage_id] = counts.get(stage_id, 0) + int(n)
                amounts.setdefault(stage_id, []).append({currency: Decimal(amount)})
                if stage_id in open_ids:
                    owner_counts[owner_key] = owner_counts.get(owner_key, 0) + int(n)
                    owner_amounts.setdefault(owner_key, []).append({currency: Decimal(amount)})
            stages = [
                StageFigure(key, name, counts.get(sid, 0), add_amounts(*amounts.get(sid, [])), bool(closed))
                for sid, key, name, closed in stage_rows
            ]
            slack_ids: dict[int, str] = {
                uid: sid
                for uid, sid in s.execute(
                    select(User.id, User.slack_id).where(User.id.in_(list(owner_counts)))
                )
            }
            owners = [
                OwnerFigure(slack_ids.get(key), n, add_amounts(*owner_amounts[key]))
                for key, n in owner_counts.items()
                if n
            ]
            # Largest first, by the workspace's own currency, then by count.
            owners.sort(key=lambda o: (-o.amounts.get(ws.default_currency, Decimal(0)), -o.count))
            return Pipeline(stages, owners, ws.default_currency, owner)

    # ---- audit and undo --------------------------------------------------------------------------

    def timeline(
        self, actor: Actor, ref: Ref, record_type: str | None = None, *, offset: int = 0
    ) -> Timeline:
        """A record's history, newest first (bot.services.timeline); a deal, then a contact, then a
        company when the type was not said."""
        kinds = [record_type] if record_type else ["deal", "contact", "company"]
        with self.read() as s:
            missing: NotFound | None = None
            for kind in kinds:
                try:
                    found = self._record(s, actor, kind, ref)
                except NotFound as exc:
                    missing = missing or exc
                    continue
                return timeline(s, actor, kind, found[0], found[1], offset=offset)
            raise missing or NotFound(record_type or "record", str(ref))

    def _record(self, s: Session, actor: Actor, kind: str, ref: Ref) -> tuple[int, str]:
        if kind == "deal":
            deal = self._deal(s, actor, ref)
            return deal.id, deal.title
        if kind == "contact":
            contact = self._contact(s, actor, ref)
            return contact.id, contact.name
        if kind == "task":
            task = self._task(s, actor, ref, open_only=False)
            return task.id, task.title
        company = self._company(s, None, actor, ref, create=False)
        if company is None:
            raise NotFound("company", str(ref))
        return company.id, company.name

    def workspace_currency(self, actor: Actor) -> str:
        with self.read() as s:
            ws = s.get(Workspace, actor.workspace_id)
            return ws.default_currency if ws is not None else "USD"

    def closed(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Closed:
        """Deals won and lost between two days (in the actor's zone), by when they actually closed."""
        with self.read() as s:
            owner_row = self._user_by_slack(s, actor.workspace_id, owner) if owner else None
            return closed_deals(s, actor, start, end, owner_row)

    def history(self, actor: Actor, record_type: str, record_id: int, limit: int = 20) -> list[AuditEvent]:
        with self.read() as s:
            return list(
                s.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.workspace_id == actor.workspace_id,
                        AuditEvent.record_type == record_type,
                        AuditEvent.record_id == record_id,
                    )
                    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                    .limit(limit)
                )
            )

    def last_op(self, actor: Actor, within: timedelta | None = None) -> str | None:
        """The actor's most recent operation that can still be undone (made in the last ``within``)."""
        with self.read() as s:
            recent = [AuditEvent.at >= self.now() - within] if within is not None else []
            return s.scalar(
                select(AuditEvent.op_id)
                .where(
                    *recent,
                    AuditEvent.workspace_id == actor.workspace_id,
                    AuditEvent.actor_id == actor.user_id,
                    AuditEvent.undone_by_op.is_(None),
                    AuditEvent.action != "undo",
                    # Being registered (or refreshed) is not a change of one's own to take back; a
                    # role an admin gave someone is.
                    ~((AuditEvent.record_type == "user") & (AuditEvent.record_id == actor.user_id)),
                )
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )

    def undo(self, actor: Actor, op_id: str) -> Undone:
        """Restore what an operation changed, as a new audited operation."""
        with self.op(actor) as op:
            s = op.session
            events = list(
                s.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.workspace_id == actor.workspace_id, AuditEvent.op_id == op_id)
                    .order_by(AuditEvent.id.desc())
                    .with_for_update()
                )
            )
            if not events:
                raise NotFound("change", op_id[:8])
            if any(e.undone_by_op for e in events):
                raise Conflict("That change was already undone.")
            if any(e.action == "undo" for e in events):
                raise Conflict("That was itself an undo; make the change again instead.")
            if any(e.record_type == "user" for e in events):
                actor = self._role_now(s, actor)
            policy.require_undo(s, actor, events)
            summary: list[str] = []
            for event in events:
                summary.append(self._revert(op, event))
                event.undone_by_op = op.id
            return Undone(op.id, op_id, summary)

    def _revert(self, op: Op, event: AuditEvent) -> str:
        s = op.session
        cls = AUDITED[event.record_type]
        obj = lock_row(s, cls, event.record_id)
        label = f"{event.record_type} #{event.record_id}"
        if event.action == "create":
            if obj is None:
                return f"{label} was already gone"
            named = self._undo_label(s, event.record_type, obj)
            self._check_unchanged(event, obj)
            self._check_unused(s, op, event, obj)
            before = snapshot(obj)
            s.delete(obj)
            s.flush()
            op._event(obj, "undo", before, None)
            return f"removed {named}"
        if event.action == "update":
            if obj is None:
                raise Conflict(f"The {event.record_type} was deleted since; nothing to restore.")
            self._check_unchanged(event, obj)
            before = snapshot(obj)
            for key, value in (event.before or {}).items():
                if key in ACTIVITY_KEYS and before.get(key) != (event.after or {}).get(key):
                    # Activity recorded since (a call logged, an alert sent) is not this op's to take back.
                    continue
                setattr(obj, key, from_json(cls, key, value))
            if hasattr(obj, "name_key") and "name" in (event.before or {}):
                obj.name_key = fold(obj.name)  # type: ignore[attr-defined]
            if hasattr(obj, "title_key") and "title" in (event.before or {}):
                obj.title_key = fold(obj.title)  # type: ignore[attr-defined]
            if isinstance(obj, Task):
                self._rearm_reminder(s, obj)
            if isinstance(obj, User):
                self._check_admins(s, obj)
            s.flush()
            after = snapshot(obj)
            changed = [k for k in after if before.get(k) != after.get(k)]
            op._event(obj, "undo", {k: before[k] for k in changed}, {k: after[k] for k in changed})
            return f"restored {event.record_type} {getattr(obj, 'name', None) or getattr(obj, 'title', '')}".strip()
        if event.action == "delete":
            if obj is not None:
                raise Conflict(f"The {event.record_type} exists again; nothing to restore.")
            values = {k: from_json(cls, k, v) for k, v in (event.before or {}).items()}
            restored = cls(id=event.record_id, **values)
            if hasattr(restored, "name_key"):
                restored.name_key = fold(restored.name)  # type: ignore[attr-defined]
            if hasattr(restored, "title_key"):
                restored.title_key = fold(restored.title)  # type: ignore[attr-defined]
            if isinstance(restored, Subscription) and restored.next_run_at <= self.now():
                # Its old slot has passed while it was gone: resume at the next one, not at once.
                restored.next_run_at = next_run(
                    Schedule(restored.frequency, restored.weekday, restored.time_local),
                    restored.tz,
                    self.now(),
                )
            s.add(restored)
            s.flush()
            op._event(restored, "undo", None, snapshot(restored))
            return f"restored {event.record_type}"
        raise Conflict("That change can't be undone.")

    def _check_unused(self, s: Session, op: Op, event: AuditEvent, obj: Any) -> None:
        """Removing a record that anything else points at now would unlink or delete that work (the
        foreign keys' SET NULL / CASCADE), unaudited: refuse, naming the first such record and who made
        it. Every audited table with a key to this record's table is looked at, so a new record type
        is covered without a list here."""
        table = type(obj).__table__
        for kind, cls in AUDITED.items():
            for fk in cls.__table__.foreign_keys:  # type: ignore[attr-defined]
                if fk.column.table is not table or fk.parent.table is table or fk.column.name != "id":
                    continue
                row = s.scalars(select(cls).where(fk.parent == obj.id).limit(1)).first()
                if row is None:
                    continue
                maker = s.scalar(
                    select(User.name)
                    .join(AuditEvent, AuditEvent.actor_id == User.id)
                    .where(
                        AuditEvent.record_type == kind,
                        AuditEvent.record_id == row.id,  # type: ignore[attr-defined]
                        AuditEvent.action == "create",
                    )
                    .limit(1)
                )
                what = (
                    getattr(row, "name", None) or getattr(row, "title", None) or getattr(row, "summary", "")
                )
                mine = getattr(obj, "name", None) or getattr(obj, "title", None) or event.record_type
                whose = "your" if maker == op.actor.name else f"{maker}'s" if maker else "a"
                raise Conflict(
                    f"{mine} is used since by {whose} {kind} “{str(what)[:60]}”; undoing would unlink it. "
                    "Nothing was undone: undo that first, or keep it and change it instead."
                )

    @staticmethod
    def _undo_label(s: Session, record_type: str, obj: Any) -> str:
        """What an undo took away, as a person would say it: “the call with Jane Doe”, “deal Acme renewal”."""
        if isinstance(obj, Interaction):
            contact = s.get(Contact, obj.contact_id) if obj.contact_id else None
            company = s.get(Company, obj.company_id) if obj.company_id else None
            deal = s.get(Deal, obj.deal_id) if obj.deal_id else None
            if contact or company:
                return f"the {obj.kind} with {(contact or company).name}"  # type: ignore[union-attr]
            return f"the {obj.kind} on {deal.title}" if deal else f"the {obj.kind}"
        name = getattr(obj, "name", None) or getattr(obj, "title", None) or ""
        return f"{record_type} {name}".strip()

    def _rearm_reminder(self, s: Session, task: Task) -> None:
        """A task reopened by undo with its reminder marked sent, whose message was in fact cancelled
        (the task was done before it went out): remind again rather than never."""
        if task.done_at is not None or task.reminder_state != "sent" or task.remind_at is None:
            return
        from bot.services.proactive import reminder_key

        key = reminder_key(task.id, task.assignee_id, task.remind_at)
        if s.scalar(select(Delivery.state).where(Delivery.dedupe_key == key)) == "cancelled":
            task.reminder_state = "pending"

    def _check_unchanged(self, event: AuditEvent, obj: Any) -> None:
        """Undo only what is still as the change left it, so a later edit is never silently lost."""
        current = snapshot(obj)
        for key, value in (event.after or {}).items():
            # Bookkeeping the bot keeps itself (due_utc follows the assignee's zone), not a person's edit.
            if key in (
                "last_activity_at",
                "stale_alerted_at",
                "reminder_state",
                "remind_at",
                "reminded_at",
                "due_utc",
            ):
                continue
            if current.get(key) != value:
                raise Conflict(
                    f"The {event.record_type} was changed again since ({key}); undo the later change first."
                )

    def undoable(self, actor: Actor, op_id: str) -> bool:
        with self.read() as s:
            return bool(
                s.scalar(
                    select(func.count(AuditEvent.id)).where(
                        AuditEvent.workspace_id == actor.workspace_id,
                        AuditEvent.op_id == op_id,
                        AuditEvent.undone_by_op.is_(None),
                    )
                )
            )


__all__ = ["CRM", "DomainError", "Ref"]
