"""The pipeline summary: per-stage figures, what changed since the last one, deals closing this week and
overdue tasks by owner. Every figure is computed by SQL; the result is plain data (JSON round-trips), so
the scheduler can plan it once and render it identically on every delivery attempt."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import policy, targets
from bot.services.base import Actor
from bot.services.stages import find_pipeline, words, workspace_pipelines, workspace_stages
from bot.services.tenancy import scoped
from bot.services.timeutil import today_in
from bot.services.views import Amounts, add_amounts
from models import AuditEvent, Deal, PipelineTotal, Task, User, Workspace

CHANGE_KINDS = ("new", "moved", "won", "lost")
LIST_LIMIT = 5


@dataclass(frozen=True)
class StageLine:
    key: str
    name: str
    count: int
    amounts: Amounts
    is_closed: bool
    is_won: bool
    # Its pipeline's name when the workspace has several (the summary groups the stages by it).
    pipeline: str = ""
    probability: int | None = None
    # Its deals per currency, so that a chart's panel for one currency counts only that currency's deals.
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangedDeal:
    deal_id: int
    title: str
    amount: Decimal | None
    from_stage: str | None
    to_stage: str | None
    currency: str = "USD"


@dataclass(frozen=True)
class ClosingDeal:
    deal_id: int
    title: str
    amount: Decimal | None
    close_date: date
    stage_name: str
    owner_slack_id: str | None
    currency: str = "USD"


@dataclass(frozen=True)
class OwnerLine:
    slack_id: str | None
    name: str
    count: int
    amounts: Amounts


@dataclass(frozen=True)
class OverdueOwner:
    slack_id: str | None
    name: str
    count: int


@dataclass(frozen=True)
class PipelineSummary:
    workspace_id: int
    currency: str
    tz: str
    generated_at: datetime
    since: datetime
    stages: list[StageLine]
    # Per change kind: how many deals, and the first few of them.
    change_counts: dict[str, int]
    changes: dict[str, list[ChangedDeal]]
    week_start: date
    week_end: date
    closing_count: int
    closing_amounts: Amounts
    closing: list[ClosingDeal]
    overdue_total: int
    overdue_by_owner: list[OverdueOwner] = field(default_factory=list)
    # Open deals per owner, largest amount first.
    owners: list[OwnerLine] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(s.count for s in self.stages if not s.is_closed)

    @property
    def open_amounts(self) -> Amounts:
        return add_amounts(*(s.amounts for s in self.stages if not s.is_closed))

    @property
    def weighted(self) -> Amounts:
        """Open amounts each weighted by its stage's win probability (stages without one left out)."""
        return add_amounts(
            *(
                {
                    cur: (amount * s.probability / 100).quantize(Decimal("0.01"))
                    for cur, amount in s.amounts.items()
                }
                for s in self.stages
                if not s.is_closed and s.probability is not None
            )
        )

    def to_json(self) -> dict[str, Any]:
        def conv(value: Any) -> Any:
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items()}
            if isinstance(value, list):
                return [conv(v) for v in value]
            return value

        return conv(asdict(self))  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PipelineSummary:
        def dec(v: Any) -> Decimal | None:
            return None if v is None else Decimal(v)

        def amounts(row: dict[str, Any], single: str) -> Amounts:
            # Summaries planned before amounts were kept per currency carry one amount in the
            # workspace's currency (all that existed then).
            if "amounts" in row:
                return {c: Decimal(a) for c, a in row["amounts"].items()}
            value = Decimal(row.get(single) or 0)
            return {data["currency"]: value} if value else {}

        def plain(row: dict[str, Any], *drop: str) -> dict[str, Any]:
            return {k: v for k, v in row.items() if k not in drop}

        return cls(
            workspace_id=int(data["workspace_id"]),
            currency=data["currency"],
            tz=data["tz"],
            generated_at=datetime.fromisoformat(data["generated_at"]),
            since=datetime.fromisoformat(data["since"]),
            stages=[
                StageLine(**{**plain(s, "amount"), "amounts": amounts(s, "amount")}) for s in data["stages"]
            ],
            change_counts={k: int(v) for k, v in data["change_counts"].items()},
            changes={
                k: [ChangedDeal(**{**c, "amount": dec(c["amount"])}) for c in v]
                for k, v in data["changes"].items()
            },
            week_start=date.fromisoformat(data["week_start"]),
            week_end=date.fromisoformat(data["week_end"]),
            closing_count=int(data["closing_count"]),
            closing_amounts=amounts(data, "closing_amount"),
            closing=[
                ClosingDeal(
                    **{**c, "amount": dec(c["amount"]), "close_date": date.fromisoformat(c["close_date"])}
                )
                for c in data["closing"]
            ],
            overdue_total=int(data["overdue_total"]),
            overdue_by_owner=[OverdueOwner(**o) for o in data["overdue_by_owner"]],
            owners=[
                OwnerLine(**{**plain(o, "amount"), "amounts": amounts(o, "amount")})
                for o in data.get("owners", [])
            ],
        )


def compute_summary(
    s: Session,
    workspace_id: int,
    *,
    now: datetime,
    since: datetime | None = None,
    tz: str | None = None,
    pipeline_id: int | None = None,
) -> PipelineSummary:
    """The summary as of ``now``; changes are those recorded in the audit trail since ``since``
    (default: the last 24 hours). Dates such as "this week" are read in ``tz`` (default: the workspace's).
    ``pipeline_id``: one pipeline's figures only (the stages, the owners, what closes this week)."""
    ws = s.get(Workspace, workspace_id)
    if ws is None:
        raise ValueError(f"no workspace {workspace_id}")
    tz = tz or ws.default_tz
    since = since or now - timedelta(days=1)

    all_stages = workspace_stages(s, workspace_id)
    several = len({st.pipeline_id for st in all_stages}) > 1
    stage_rows = [
        (st.id, st.key, st.name, st.is_closed, st.is_won, st.pipeline.name if several else "", st.probability)
        for st in all_stages
        if pipeline_id is None or st.pipeline_id == pipeline_id
    ]
    # Per stage and owner from the running totals the services keep with every deal write
    # (bot/services/totals.py): a few dozen rows, whatever the number of deals.
    totals = s.execute(
        select(
            PipelineTotal.stage_id,
            PipelineTotal.owner_key,
            PipelineTotal.currency,
            PipelineTotal.deals,
            PipelineTotal.amount,
        ).where(PipelineTotal.workspace_id == workspace_id, PipelineTotal.deals != 0)
    ).all()
    counts: dict[int, int] = {}
    by_currency: dict[int, dict[str, int]] = {}
    sums: dict[int, list[Amounts]] = {}
    for stage_id, _owner, currency, count, amount in totals:
        counts[stage_id] = counts.get(stage_id, 0) + int(count)
        mine = by_currency.setdefault(stage_id, {})
        mine[currency] = mine.get(currency, 0) + int(count)
        sums.setdefault(stage_id, []).append({currency: Decimal(amount or 0)})
    stages = [
        StageLine(
            r[1],
            r[2],
            counts.get(r[0], 0),
            add_amounts(*sums.get(r[0], [])),
            bool(r[3]),
            bool(r[4]),
            r[5],
            r[6],
            by_currency.get(r[0], {}),
        )
        for r in stage_rows
    ]
    stage_by_id = {st.id: (st.id, st.key, st.name, st.is_closed, st.is_won) for st in all_stages}
    pipeline_of = {st.id: (st.pipeline_id, st.pipeline.name) for st in all_stages}
    shown_ids = {r[0] for r in stage_rows} if pipeline_id is not None else None

    change_counts, changes = _changes(s, workspace_id, since, now, stage_by_id, pipeline_of, shown_ids)

    today = today_in(tz, now)
    week_start = today - timedelta(days=today.weekday())
    week_end = week_start + timedelta(days=6)
    open_stage_ids = [r[0] for r in stage_rows if not r[3]]
    closing_where = (
        Deal.workspace_id == workspace_id,
        Deal.close_date >= week_start,
        Deal.close_date <= week_end,
        Deal.stage_id.in_(open_stage_ids),
    )
    closing_count = 0
    closing_amounts: Amounts = {}
    for currency, count, amount in s.execute(
        select(Deal.currency, func.count(), func.coalesce(func.sum(Deal.amount), 0))
        .where(*closing_where)
        .group_by(Deal.currency)
    ):
        closing_count += int(count)
        closing_amounts = add_amounts(closing_amounts, {currency: Decimal(amount)})
    closing_order = (Deal.amount.desc().nulls_last(), Deal.close_date, Deal.id)
    # The biggest ones are picked from the covering ix_deals_close alone; only they are then read.
    biggest = select(Deal.id).where(*closing_where).order_by(*closing_order).limit(LIST_LIMIT * 2)
    closing = [
        ClosingDeal(r[0], r[1], r[2], r[3], stage_by_id[r[4]][2], r[5], r[6])
        for r in s.execute(
            select(
                Deal.id, Deal.title, Deal.amount, Deal.close_date, Deal.stage_id, User.slack_id, Deal.currency
            )
            .outerjoin(User, Deal.owner_id == User.id)
            .where(Deal.id.in_(biggest.scalar_subquery()))
            .order_by(*closing_order)
        )
    ]

    overdue_rows = s.execute(
        select(User.slack_id, User.name, func.count(Task.id))
        .select_from(Task)
        .outerjoin(User, Task.assignee_id == User.id)
        .where(
            Task.workspace_id == workspace_id,
            Task.done_at.is_(None),
            Task.due_utc < now,
            # One pipeline's summary: only the tasks on its deals.
            *(
                [
                    targets.linked_to_any(
                        Task, workspace_id, "deal", select(Deal.id).where(Deal.stage_id.in_(shown_ids or []))
                    )
                ]
                if pipeline_id is not None
                else []
            ),
        )
        .group_by(User.slack_id, User.name)
        .order_by(func.count(Task.id).desc(), User.name)
    ).all()
    overdue = [OverdueOwner(r[0], r[1] or "nobody", int(r[2])) for r in overdue_rows]

    open_ids = set(open_stage_ids)
    owner_sums: dict[int, tuple[int, Amounts]] = {}
    for stage_id, owner_key, currency, count, amount in totals:
        if stage_id in open_ids and count:
            c, a = owner_sums.get(owner_key, (0, {}))
            owner_sums[owner_key] = (c + int(count), add_amounts(a, {currency: Decimal(amount or 0)}))
    people = {
        r[0]: (r[1], r[2])
        for r in s.execute(select(User.id, User.slack_id, User.name).where(User.id.in_(list(owner_sums))))
    }
    owners = sorted(
        (OwnerLine(*people.get(key, (None, "nobody")), c, a) for key, (c, a) in owner_sums.items()),
        # Largest first by the workspace's own currency, then by count.
        key=lambda o: (-o.amounts.get(ws.default_currency, Decimal(0)), -o.count, o.name),
    )

    return PipelineSummary(
        workspace_id=workspace_id,
        currency=ws.default_currency,
        tz=tz,
        generated_at=now,
        since=since,
        stages=stages,
        change_counts=change_counts,
        changes=changes,
        week_start=week_start,
        week_end=week_end,
        closing_count=int(closing_count),
        closing_amounts=closing_amounts,
        closing=closing,
        overdue_total=sum(o.count for o in overdue),
        overdue_by_owner=overdue[:15],
        owners=owners[:15],
    )


def _changes(
    s: Session,
    workspace_id: int,
    since: datetime,
    now: datetime,
    stage_by_id: dict[int, Any],
    pipeline_of: dict[int, tuple[int, str]] | None = None,
    shown: set[int] | None = None,
) -> tuple[dict[str, int], dict[str, list[ChangedDeal]]]:
    """New, moved, won and lost deals, read from the audit trail (undone changes do not count).
    ``shown``: one pipeline's stages, whose deals' changes alone count (a deal that left or entered it
    among them); a move between pipelines names both (``pipeline_of``: a stage's pipeline id and name)."""
    after_stage = AuditEvent.after["stage_id"].as_integer()
    before_stage = AuditEvent.before["stage_id"].as_integer()
    events = s.execute(
        select(AuditEvent.record_id, AuditEvent.action, before_stage, after_stage)
        .where(
            AuditEvent.workspace_id == workspace_id,
            AuditEvent.record_type == "deal",
            AuditEvent.at >= since,
            AuditEvent.at < now,
            AuditEvent.undone_by_op.is_(None),
            # Creations, and updates that changed the stage; nothing else is read.
            (AuditEvent.action == "create") | ((AuditEvent.action == "update") & after_stage.is_not(None)),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    # A deal deleted since is not news: only the deals still on file (deleted ones are never read).
    ids = sorted({e[0] for e in events})
    alive = (
        set(s.scalars(select(Deal.id).where(Deal.workspace_id == workspace_id, Deal.id.in_(ids))))
        if ids
        else set()
    )
    if shown is not None and alive:
        now_in = set(s.scalars(select(Deal.id).where(Deal.id.in_(alive), Deal.stage_id.in_(shown))))
        was_in = {e[0] for e in events if e[2] is not None and int(e[2]) in shown}
        alive &= now_in | was_in
    events = [e for e in events if e[0] in alive]
    created: set[int] = set()
    # deal id -> (first stage seen in the window, last stage)
    moves: dict[int, tuple[int | None, int]] = {}
    for deal_id, action, before, after in events:
        if action == "create":
            created.add(deal_id)
        elif after is not None:
            first = moves[deal_id][0] if deal_id in moves else before
            moves[deal_id] = (first, int(after))
    kinds: dict[str, list[tuple[int, int | None, int | None]]] = {k: [] for k in CHANGE_KINDS}
    for deal_id in sorted(created):
        kinds["new"].append((deal_id, None, None))
    for deal_id, (first, last) in moves.items():
        if first == last:
            continue
        stage = stage_by_id.get(last)
        kind = "moved"
        if stage is not None and stage[3]:
            kind = "won" if stage[4] else "lost"
        kinds[kind].append((deal_id, first, last))
    wanted = {d for rows in kinds.values() for d, _, _ in rows[:LIST_LIMIT]}
    deals = {
        r[0]: (r[1], r[2], r[3])
        for r in s.execute(select(Deal.id, Deal.title, Deal.amount, Deal.currency).where(Deal.id.in_(wanted)))
    }

    def name(stage_id: int | None, other: int | None = None) -> str | None:
        row = stage_by_id.get(stage_id) if stage_id is not None else None
        if row is None:
            return None
        where = (pipeline_of or {}).get(stage_id) if stage_id is not None else None
        there = (pipeline_of or {}).get(other) if other is not None else None
        # From one pipeline to another: "Sales · Lead → Renewals · Lead", not "Lead → Lead".
        return f"{where[1]} · {row[2]}" if where and there and where[0] != there[0] else row[2]

    changes = {
        kind: [
            ChangedDeal(d, deals[d][0], deals[d][1], name(a, b), name(b, a), deals[d][2])
            for d, a, b in rows[:LIST_LIMIT]
            if d in deals
        ]
        for kind, rows in kinds.items()
    }
    return {k: len(v) for k, v in kinds.items()}, changes


class SummaryService:
    """The summary on demand (``/crm pipeline``), the same content the subscriptions post."""

    def __init__(self, sessions: sessionmaker[Session], clock: Any = None) -> None:
        self.sessions = sessions
        self.clock = clock

    def now(self) -> datetime:
        if self.clock is None:
            return datetime.now(UTC)
        return self.clock.now() if hasattr(self.clock, "now") else self.clock()  # type: ignore[no-any-return]

    def pipeline_summary(
        self, actor: Actor, *, since: datetime | None = None, pipeline: str | None = None
    ) -> PipelineSummary:
        """Figures as of now, in the reader's time zone; changes since ``since`` (default 24 hours).
        ``pipeline``: one of the workspace's pipelines, as a person named it."""
        with self.sessions() as s:
            scoped(s, actor.workspace_id)
            pipeline_id = find_pipeline(s, actor.workspace_id, pipeline).id if pipeline else None
            summary = compute_summary(
                s, actor.workspace_id, now=self.now(), since=since, tz=actor.tz, pipeline_id=pipeline_id
            )
            # The team's totals for everyone; each owner's line only for those who may see it.
            summary.owners[:] = [o for o in summary.owners if policy.sees_figures_of(actor, o.slack_id)]
            return summary

    def pipeline_named_in(self, actor: Actor, text: str) -> str | None:
        """The one of the workspace's pipelines a request names ("pipeline renewals"), if any; with only
        one pipeline there is nothing to choose."""
        said = f" {words(text)} "
        with self.sessions() as s:
            scoped(s, actor.workspace_id)
            pipelines = workspace_pipelines(s, actor.workspace_id)
            if len(pipelines) < 2:
                return None
            for p in pipelines:
                if f" {words(p.name)} " in said or f" {words(p.key)} " in said:
                    return p.name
            return None


__all__ = [
    "ChangedDeal",
    "ClosingDeal",
    "OverdueOwner",
    "OwnerLine",
    "PipelineSummary",
    "StageLine",
    "SummaryService",
    "compute_summary",
]
