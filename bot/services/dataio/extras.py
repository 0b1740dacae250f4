"""What a workspace keeps besides its records, fields and pipelines, exported beside them and brought
back by an import of the whole zip: its settings, its people, quotas, satisfaction answers, webhook
endpoints and the reports and summaries it posts on a schedule.

Each is a small file (``workspace.csv``, ``users.csv``, ``quotas.csv``, ``feedback.csv``,
``webhooks.csv``, ``report_subscriptions.csv``, ``subscriptions.csv``). An import brings them in two
audited operations, each recorded as an import of its own so that the zip's one undo takes them back
with the records: the settings and the people first (the records name their owners), the rest once the
records are in (a satisfaction answer names its contact). Nothing already here is changed but the
workspace's settings; a row naming what is already here (a person by Slack id, a quota of that person
and period, a live endpoint of that URL, a schedule of that channel and time) is kept as it is.

Webhook endpoints leave without their signing secrets: an import registers each one switched off with a
new secret, to be turned on once its receiver has been given that secret.

Left out as the bot's own running state, rebuilt or meaningless elsewhere: the outbox (``deliveries``),
processed requests, scheduler leases and heartbeats, pipeline and forecast totals, name words, the stage history
(rebuilt from the deals), Slack installations and tokens, and the import bookkeeping of this workspace
(its imports are listed in ``imports.csv`` for the record).
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.dataio import ids
from bot.services.dataio.staging import table_of
from bot.services.errors import Conflict, Invalid
from bot.services.report_subscriptions import next_run as report_next_run
from bot.services.subscriptions import Schedule, next_run
from bot.services.text import fold
from models import (
    Company,
    Contact,
    Feedback,
    ImportBatch,
    Pipeline,
    Quota,
    ReportSubscription,
    Subscription,
    User,
    WebhookEndpoint,
    Workspace,
)
from models.entities import FEEDBACK_SCALES, ROLES, utcnow

# The record type an import of these files is recorded as (``imports.record_type``).
SETTINGS = "settings"

WORKSPACE_HEADERS = ["Name", "Time Zone", "Currency", "Stale Days"]
# "ID": the person's id in the exporting workspace, which the audit trail and the records' history name.
USER_HEADERS = ["Slack ID", "Name", "Email", "Time Zone", "Role", "Created At", "ID"]
QUOTA_HEADERS = [
    "Person",
    "Period Start",
    "Period End",
    "Amount",
    "Currency",
    "Set By",
    "Announced",
    "Created At",
]
FEEDBACK_HEADERS = [
    "Contact ID",
    "Contact",
    "Company ID",
    "Company",
    "Scale",
    "Score",
    "Author",
    "Given At",
    "Created At",
]
WEBHOOK_HEADERS = ["URL", "Events", "Created By", "Created At", "Removed At"]
REPORT_HEADERS = [
    "Channel ID",
    "Channel",
    "Measure",
    "Owner",
    "Pipeline",
    "Period",
    "Frequency",
    "Weekdays",
    "Time",
    "Time Zone",
    "Created By",
    "Created At",
]
SUMMARY_HEADERS = [
    "Channel ID",
    "Channel",
    "Frequency",
    "Weekday",
    "Time",
    "Time Zone",
    "Created By",
    "Created At",
]


def _slack(user: Any) -> Any:
    return user.slack_id


def parts(ws: int) -> list[tuple[str, str, Select[Any], list[str]]]:
    """(kind, file name, select, headers) of each file, in the order an import reads them."""
    person, setter = aliased(User), aliased(User)
    contact, company = aliased(Contact), aliased(Company)
    q = Quota
    f = Feedback
    w = WebhookEndpoint
    r = ReportSubscription
    sub = Subscription
    return [
        (
            "workspace",
            "workspace",
            select(
                Workspace.name, Workspace.default_tz, Workspace.default_currency, Workspace.stale_days
            ).where(Workspace.id == ws),
            WORKSPACE_HEADERS,
        ),
        (
            "user",
            "users",
            select(User.slack_id, User.name, User.email, User.tz, User.role, User.created_at, User.id)
            .where(User.workspace_id == ws)
            .order_by(User.id),
            USER_HEADERS,
        ),
        (
            "quota",
            "quotas",
            select(
                _slack(person),
                q.period_start,
                q.period_end,
                q.amount,
                q.currency,
                _slack(setter),
                q.announced_pct,
                q.created_at,
            )
            .join(person, person.id == q.user_id)
            .outerjoin(setter, setter.id == q.set_by_id)
            .where(q.workspace_id == ws)
            .order_by(q.id),
            QUOTA_HEADERS,
        ),
        (
            "feedback",
            "feedback",
            select(
                f.contact_id,
                func.coalesce(contact.email, contact.name),
                f.company_id,
                company.name,
                f.scale,
                f.score,
                _slack(person),
                f.given_at,
                f.created_at,
            )
            .join(contact, contact.id == f.contact_id)
            .outerjoin(company, company.id == f.company_id)
            .outerjoin(person, person.id == f.author_id)
            .where(f.workspace_id == ws)
            .order_by(f.id)
            .execution_options(include_deleted=True),
            FEEDBACK_HEADERS,
        ),
        (
            "webhook",
            "webhooks",
            # Never the signing secret: whoever holds the file could sign as the CRM.
            select(w.url, w.events, _slack(person), w.created_at, w.removed_at)
            .outerjoin(person, person.id == w.created_by)
            .where(w.workspace_id == ws)
            .order_by(w.id),
            WEBHOOK_HEADERS,
        ),
        (
            "report_subscription",
            "report_subscriptions",
            select(
                r.channel_id,
                r.channel_name,
                r.measure,
                _slack(person),
                Pipeline.name,
                r.period,
                r.frequency,
                r.weekdays,
                r.time_local,
                r.tz,
                _slack(setter),
                r.created_at,
            )
            .outerjoin(person, person.id == r.owner_id)
            .outerjoin(setter, setter.id == r.created_by)
            .outerjoin(Pipeline, Pipeline.id == r.pipeline_id)
            .where(r.workspace_id == ws)
            .order_by(r.id),
            REPORT_HEADERS,
        ),
        (
            "subscription",
            "subscriptions",
            select(
                sub.channel_id,
                sub.channel_name,
                sub.frequency,
                sub.weekday,
                sub.time_local,
                sub.tz,
                _slack(setter),
                sub.created_at,
            )
            .outerjoin(setter, setter.id == sub.created_by)
            .where(sub.workspace_id == ws)
            .order_by(sub.id),
            SUMMARY_HEADERS,
        ),
    ]


# ---- importing ---------------------------------------------------------------------------------------


@dataclass
class Settled:
    """What one of the two operations brought (``batch_id``: its import, undone with the zip's)."""

    batch_id: str | None = None
    added: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Rows left out, each with its file, row number and reason.
    bad: list[str] = field(default_factory=list)

    def described(self) -> str:
        said = [f"{n:,} {kind} added" for kind, n in self.added.items() if n]
        said += [f"{n:,} {kind} already here kept as they are" for kind, n in self.kept.items() if n]
        if self.bad:
            more = f" and {len(self.bad) - 3:,} more" if len(self.bad) > 3 else ""
            said.append(f"{len(self.bad):,} rows left out ({', '.join(self.bad[:3])}{more})")
        return "; ".join(said + self.notes)


def _rows(path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as z:
        if f"{name}.csv" not in z.namelist():
            return []
        with z.open(f"{name}.csv") as raw:
            return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")))


def _text(row: dict[str, str], key: str) -> str | None:
    value = (row.get(key) or "").strip()
    return value or None


def _time(row: dict[str, str], key: str) -> datetime | None:
    value = _text(row, key)
    return datetime.fromisoformat(value) if value else None


def _day(row: dict[str, str], key: str) -> date | None:
    value = _text(row, key)
    return date.fromisoformat(value) if value else None


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"the {what} “{value}” is not one of {', '.join(allowed)}")
    return value


def _list(value: str | None) -> list[str]:
    if not value:
        return []
    if value.startswith("["):
        return [str(v) for v in json.loads(value)]
    return [v.strip() for v in value.split(";") if v.strip()]


class _DryRun(Exception):
    pass


@contextmanager
def _row(done: Settled, name: str, n: int) -> Iterator[None]:
    """One row read: a value that cannot be read leaves the row out, said with its file, row and reason."""
    try:
        yield
    except (ValueError, InvalidOperation) as exc:
        done.bad.append(f"{name}.csv row {n}: {exc}")


class Extras(Service):
    """The zip's settings, people and the rest, each half one audited op recorded as an import."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        super().__init__(sessions, clock)

    def before(self, actor: Actor, archive: Path, file_name: str, *, dry_run: bool = False) -> Settled:
        """The workspace's settings and its people, before the records that name them."""
        rows = {name: _rows(archive, name) for name in ("workspace", "users")}
        return self._run(actor, file_name, dry_run, rows, (self._workspace, self._users))

    def after(
        self, actor: Actor, archive: Path, file_name: str, sources: dict[str, str], *, dry_run: bool = False
    ) -> Settled:
        """Quotas, satisfaction answers, webhooks and scheduled posts, once the records are in."""
        names = ("quotas", "feedback", "webhooks", "report_subscriptions", "subscriptions")
        rows: dict[str, Any] = {name: _rows(archive, name) for name in names}
        rows["\x00sources"] = sources
        steps = (self._quotas, self._feedback, self._webhooks, self._reports, self._summaries)
        return self._run(actor, file_name, dry_run, rows, steps)

    def _run(
        self,
        actor: Actor,
        file_name: str,
        dry_run: bool,
        rows: dict[str, Any],
        steps: tuple[Callable[[Session, Actor, dict[str, Any], Settled], None], ...],
    ) -> Settled:
        done = Settled()
        if not any(v for k, v in rows.items() if not k.startswith("\x00")):
            return done
        if not policy.at_least(actor, "admin"):
            done.notes.append(
                "the team's settings, people, quotas and webhooks are left out: an admin brings them"
            )
            return done
        started = self.now()
        try:
            return self._write(actor, file_name, dry_run, rows, steps, done, started)
        except _DryRun:
            return done

    def _write(
        self,
        actor: Actor,
        file_name: str,
        dry_run: bool,
        rows: dict[str, Any],
        steps: tuple[Callable[[Session, Actor, dict[str, Any], Settled], None], ...],
        done: Settled,
        started: datetime,
    ) -> Settled:
        with self.op(actor) as op:
            s = op.session
            for step in steps:
                step(s, actor, rows, done)
            if dry_run:
                # Said, not written: the op rolls back.
                raise _DryRun
            if not op.all_events():
                return done
            s.add(
                ImportBatch(
                    workspace_id=actor.workspace_id,
                    batch_id=op.id,
                    record_type=SETTINGS,
                    actor_id=actor.user_id,
                    file_name=file_name[:300],
                    mode="skip",
                    mapping={},
                    rows=sum(len(v) for k, v in rows.items() if not k.startswith("\x00")),
                    created=sum(done.added.values()),
                    updated=0,
                    skipped=sum(done.kept.values()),
                    bad=0,
                    started_at=started,
                    finished_at=self.now(),
                )
            )
            done.batch_id = op.id
        return done

    # ---- before the records ------------------------------------------------------------------------

    @staticmethod
    def _workspace(s: Session, actor: Actor, rows: dict[str, Any], done: Settled) -> None:
        if not rows["workspace"]:
            return
        row = rows["workspace"][0]
        ws = s.get(Workspace, actor.workspace_id, with_for_update=True)
        assert ws is not None
        wanted = {
            "default_tz": _text(row, "Time Zone"),
            "default_currency": _text(row, "Currency"),
            "stale_days": int(row["Stale Days"]) if _text(row, "Stale Days") else None,
        }
        changed = [k for k, v in wanted.items() if v is not None and getattr(ws, k) != v]
        for key in changed:
            setattr(ws, key, wanted[key])
        if changed:
            done.notes.append("the workspace's time zone, currency and stale-deal days set as in the file")

    @staticmethod
    def _users(s: Session, actor: Actor, rows: dict[str, Any], done: Settled) -> None:
        people = {u.slack_id: u for u in s.scalars(select(User))}
        here = set(people)
        emails = {u.email.lower() for u in people.values() if u.email}
        added = kept = filled = 0
        for n, row in enumerate(rows["users"], start=2):
            with _row(done, "users", n):
                slack_id = _text(row, "Slack ID")
                if not slack_id or slack_id in here:
                    kept += bool(slack_id)
                    # A person here whose email Slack never gave: the file's, so that the records
                    # naming them by it (Owner, Assignee…) find them. Audited with the people added.
                    known, email = people.get(slack_id or ""), (_text(row, "Email") or "").lower()
                    if known is not None and not known.email and "@" in email and email not in emails:
                        known.email = email
                        emails.add(email)
                        filled += 1
                    continue
                s.add(
                    User(
                        workspace_id=actor.workspace_id,
                        slack_id=slack_id,
                        name=_text(row, "Name") or slack_id,
                        email=_text(row, "Email"),
                        tz=_text(row, "Time Zone") or "UTC",
                        role=_one_of(_text(row, "Role") or "rep", ROLES, "role"),
                        created_at=_time(row, "Created At") or utcnow(),
                    )
                )
                here.add(slack_id)
                added += 1
        s.flush()
        done.added["people"], done.kept["people"] = added, kept
        if filled:
            who = "1 person" if filled == 1 else f"{filled:,} people"
            done.notes.append(f"{who} already here given the email the file has for them (none was known)")

    # ---- after the records -------------------------------------------------------------------------

    @staticmethod
    def _people(s: Session) -> dict[str, int]:
        return {slack: uid for uid, slack in s.execute(select(User.id, User.slack_id))}

    def _quotas(self, s: Session, actor: Actor, rows: dict[str, Any], done: Settled) -> None:
        people = self._people(s)
        have = {(q.user_id, q.period_start, q.period_end) for q in s.scalars(select(Quota))}
        added = kept = 0
        for n, row in enumerate(rows["quotas"], start=2):
            with _row(done, "quotas", n):
                user = people.get(_text(row, "Person") or "")
                start, end = _day(row, "Period Start"), _day(row, "Period End")
                try:
                    amount = Decimal(row.get("Amount") or "")
                except InvalidOperation:
                    amount = None
                if (
                    user is None
                    or start is None
                    or end is None
                    or amount is None
                    or (user, start, end) in have
                ):
                    kept += 1
                    continue
                s.add(
                    Quota(
                        workspace_id=actor.workspace_id,
                        user_id=user,
                        period_start=start,
                        period_end=end,
                        amount=amount,
                        currency=_text(row, "Currency") or "USD",
                        set_by_id=people.get(_text(row, "Set By") or ""),
                        announced_pct=int(_text(row, "Announced") or 0),
                        created_at=_time(row, "Created At") or self.now(),
                    )
                )
                have.add((user, start, end))
                added += 1
        done.added["quotas"], done.kept["quotas"] = added, kept

    def _feedback(self, s: Session, actor: Actor, rows: dict[str, Any], done: Settled) -> None:
        if not rows["feedback"]:
            return
        sources = rows["\x00sources"]
        conn = s.connection()
        contacts = ids.record_ids(conn, sources.get("contact"))
        companies = ids.record_ids(conn, sources.get("company"))
        people = self._people(s)
        added = left = 0
        for n, row in enumerate(rows["feedback"], start=2):
            with _row(done, "feedback", n):
                contact = contacts.get(_text(row, "Contact ID") or "") or self._contact(
                    s, _text(row, "Contact")
                )
                company = companies.get(_text(row, "Company ID") or "")
                if company is None and _text(row, "Company"):
                    company = s.scalar(
                        select(func.min(Company.id)).where(Company.name_key == fold(row["Company"]))
                    )
                if contact is None:
                    left += 1
                    continue
                s.add(
                    Feedback(
                        workspace_id=actor.workspace_id,
                        contact_id=contact,
                        company_id=company,
                        scale=_one_of((_text(row, "Scale") or "").lower(), FEEDBACK_SCALES, "scale"),
                        score=int(_text(row, "Score") or ""),
                        author_id=people.get(_text(row, "Author") or ""),
                        given_at=_time(row, "Given At") or self.now(),
                        created_at=_time(row, "Created At") or self.now(),
                    )
                )
                added += 1
        done.added["satisfaction answers"] = added
        if left:
            done.notes.append(f"{left:,} satisfaction answers left out: their contact is not here")

    @staticmethod
    def _contact(s: Session, named: str | None) -> int | None:
        if not named:
            return None
        c = Contact
        key = c.email == named.lower() if "@" in named else c.name_key == fold(named)
        return s.scalar(select(func.min(c.id)).where(key).execution_options(include_deleted=True))

    def _webhooks(self, s: Session, actor: Actor, rows: dict[str, Any], done: Settled) -> None:
        people = self._people(s)
        live = set(s.scalars(select(WebhookEndpoint.url).where(WebhookEndpoint.removed_at.is_(None))))
        added = kept = 0
        for n, row in enumerate(rows["webhooks"], start=2):
            with _row(done, "webhooks", n):
                url, removed = _text(row, "URL"), _time(row, "Removed At")
                if not url or (removed is None and url in live):
                    kept += bool(url)
                    continue
                s.add(
                    WebhookEndpoint(
                        workspace_id=actor.workspace_id,
                        url=url,
                        events=_list(_text(row, "Events")),
                        # The export has no secret: a new one, and off until its receiver knows it.
                        secret="whsec_" + secrets.token_hex(24),
                        created_by=people.get(_text(row, "Created By") or ""),
                        created_at=_time(row, "Created At") or self.now(),
                        removed_at=removed,
                        disabled_at=self.now(),
                    )
                )
                added += 0 if removed else 1
        s.flush()
        done.added["webhooks"], done.kept["webhooks"] = added, kept
        if added:
            done.notes.append(
                "webhooks added disabled with new signing secrets (the export carries none): "
                "give each receiver its new secret, then enable the webhook"
            )

    def _reports(self, s: Session, actor: Actor, rows: dict[str, Any], done: Settled) -> None:
        people = self._people(s)
        pipelines = {fold(name): pid for pid, name in s.execute(select(Pipeline.id, Pipeline.name))}
        r = ReportSubscription
        have = {
            (
                x.channel_id,
                x.measure,
                x.owner_id,
                x.pipeline_id,
                x.period,
                x.frequency,
                x.weekdays,
                x.time_local,
            )
            for x in s.scalars(select(r))
        }
        added = kept = 0
        for n, row in enumerate(rows["report_subscriptions"], start=2):
            with _row(done, "report_subscriptions", n):
                owner = people.get(_text(row, "Owner") or "")
                pipeline = (
                    pipelines.get(fold(_text(row, "Pipeline") or "")) if _text(row, "Pipeline") else None
                )
                frequency, time_local = _text(row, "Frequency") or "weekly", _text(row, "Time") or "09:00"
                weekdays, tz = _text(row, "Weekdays"), _text(row, "Time Zone") or "UTC"
                measure, period = _text(row, "Measure") or "", _text(row, "Period") or ""
                channel = _text(row, "Channel ID") or ""
                key = (channel, measure, owner, pipeline, period, frequency, weekdays, time_local)
                if not channel or key in have:
                    kept += bool(channel)
                    continue
                days = tuple(int(d) for d in (weekdays or "").split(",") if d)
                s.add(
                    r(
                        workspace_id=actor.workspace_id,
                        channel_id=channel,
                        channel_name=_text(row, "Channel"),
                        measure=measure,
                        owner_id=owner,
                        pipeline_id=pipeline,
                        period=period,
                        frequency=frequency,
                        weekdays=weekdays,
                        time_local=time_local,
                        tz=tz,
                        next_run_at=report_next_run(frequency, days, time_local, tz, self.now()),
                        created_by=people.get(_text(row, "Created By") or ""),
                        created_at=_time(row, "Created At") or self.now(),
                    )
                )
                have.add(key)
                added += 1
        done.added["scheduled reports"], done.kept["scheduled reports"] = added, kept

    def _summaries(self, s: Session, actor: Actor, rows: dict[str, Any], done: Settled) -> None:
        people = self._people(s)
        have = {(x.channel_id, x.frequency, x.weekday, x.time_local) for x in s.scalars(select(Subscription))}
        added = kept = 0
        for n, row in enumerate(rows["subscriptions"], start=2):
            with _row(done, "subscriptions", n):
                channel = _text(row, "Channel ID") or ""
                frequency, time_local = _text(row, "Frequency") or "daily", _text(row, "Time") or "09:00"
                weekday = int(row["Weekday"]) if _text(row, "Weekday") else None
                tz = _text(row, "Time Zone") or "UTC"
                key = (channel, frequency, weekday, time_local)
                if not channel or key in have:
                    kept += bool(channel)
                    continue
                s.add(
                    Subscription(
                        workspace_id=actor.workspace_id,
                        channel_id=channel,
                        channel_name=_text(row, "Channel"),
                        frequency=frequency,
                        weekday=weekday,
                        time_local=time_local,
                        tz=tz,
                        next_run_at=next_run(Schedule(frequency, weekday, time_local), tz, self.now()),
                        created_by=people.get(_text(row, "Created By") or ""),
                        created_at=_time(row, "Created At") or self.now(),
                    )
                )
                have.add(key)
                added += 1
        done.added["scheduled summaries"], done.kept["scheduled summaries"] = added, kept


def undo(sessions: sessionmaker[Session], actor: Actor, batch_id: str, clock: Callable[[], datetime]) -> bool:
    """Undo one of these imports (its op, through the undo everyone uses); False for any other import."""
    from bot.services.undo import UndoLog
    from bot.services.workspace import Workspaces

    with sessions() as s:
        batch = s.scalar(
            select(ImportBatch).where(
                ImportBatch.workspace_id == actor.workspace_id, ImportBatch.batch_id == batch_id
            )
        )
        if batch is None or batch.record_type != SETTINGS:
            return False
        if batch.undone_at is not None:
            raise Invalid("import.already_undone", field="import", value=batch_id)
    try:
        UndoLog(sessions, clock, Workspaces(sessions, clock)).undo(actor, batch_id)
    except Conflict as exc:
        # Taken back already by a plain undo of the same operation: nothing left to do but say so here.
        if exc.code != "undo.already_undone":
            raise
    with sessions.begin() as s:
        s.execute(
            table_of(ImportBatch)
            .update()
            .where(ImportBatch.batch_id == batch_id)
            .values(undone_at=clock(), undone_by_id=actor.user_id)
        )
    return True


__all__ = ["SETTINGS", "Extras", "Settled", "parts", "undo"]
