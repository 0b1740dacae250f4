"""The deals won and lost in a period (the won, lost and win-rate reports and their trends), checked
against a count made here deal by deal from the deals' own rows, after the writes that change what a
deal counts for: closing, re-closing, reopening, re-owning (to nobody too), a currency change, deletes
and their undo, a stage removed with its deals moved into a closed one, a second pipeline, an import of
closed deals and its undo, merging deals' companies; read in zones whose midnight is not UTC's.

SQLite reads each group (closed stage, owner, currency) as a range of its own (bot/services/reports.py
``_closed_keyed``), its groups found from the running totals; PostgreSQL groups the period's deals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks.reports import steps
from bot.services import CRM, Actor
from bot.services.dataio.importer import Importer
from bot.services.reports import Closed, merged, previous
from models import Company, Deal, Pipeline, PipelineStage, User

ZONES = ("UTC", "Asia/Kathmandu", "America/Los_Angeles")
Figures = dict[str | None, tuple[int, int, dict[str, Decimal], dict[str, Decimal]]]


Row = tuple[Any, ...]


def deal_rows(crm: CRM, actor: Actor) -> list[Row]:
    """The workspace's closed deals not deleted, from their own rows: when each closed, its amount,
    currency, owner's Slack id, whether its stage now is closed and won, and its pipeline's name."""
    tables = [x.__table__ for x in (Deal, PipelineStage, User, Pipeline)]  # type: ignore[attr-defined]
    d, st, u, p = (x.c for x in tables)
    joined = (
        tables[0]
        .join(tables[1], st.id == d.stage_id)
        .join(tables[3], p.id == st.pipeline_id)
        .outerjoin(tables[2], u.id == d.owner_id)
    )
    with crm.sessions() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(d.closed_at, d.amount, d.currency, u.slack_id, st.is_closed, st.is_won, p.name)
                .select_from(joined)
                .where(d.workspace_id == actor.workspace_id, d.deleted_at.is_(None), d.closed_at.is_not(None))
            )
        ]


def recounted(
    rows: list[Row],
    actor: Actor,
    start: date,
    end: date,
    owner: str | None = None,
    pipeline: str | None = None,
) -> Figures:
    """Per owner: (won, lost, won amounts, lost amounts) of the deals whose close day in the reader's
    zone is in the period, by the stage each is in now: a deal at a time, in Python."""
    tz = ZoneInfo(actor.tz)
    out: dict[str | None, list[Any]] = defaultdict(lambda: [0, 0, defaultdict(Decimal), defaultdict(Decimal)])
    for closed_at, amount, currency, slack_id, is_closed, is_won, pipeline_name in rows:
        when = closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=UTC)
        if not is_closed or not start <= when.astimezone(tz).date() <= end:
            continue
        if owner is not None and slack_id != owner or pipeline is not None and pipeline_name != pipeline:
            continue
        row = out[slack_id]
        row[0 if is_won else 1] += 1
        row[2 if is_won else 3][currency] += Decimal(amount or 0)
    return {k: (w, lost, dict(wa), dict(la)) for k, (w, lost, wa, la) in out.items()}


def figures(c: Closed) -> Figures:
    return {o.slack_id: (o.won, o.lost, dict(o.won_amounts), dict(o.lost_amounts)) for o in c.owners}


def _clean(f: Figures) -> Figures:
    """A currency's amount of nothing left out, as the reports leave it out (a deal without an amount)."""
    return {
        k: (w, lost, {c: a for c, a in wa.items() if a}, {c: a for c, a in la.items() if a})
        for k, (w, lost, wa, la) in f.items()
    }


def same(
    crm: CRM, actor: Actor, spans: list[tuple[date, date]], owners: tuple[str | None, ...] = (None,)
) -> int:
    """Every period, zone, owner and pipeline (each alone and all) read as the reports read it equals the
    recount; with each span's trend (its periods read at once) added up to the span. The most closed
    deals a span held, so a test knows it counted something."""
    seen, rows = 0, deal_rows(crm, actor)
    with crm.sessions() as s:
        pipelines: list[str | None] = [
            None,
            *s.scalars(select(Pipeline.name).where(Pipeline.workspace_id == actor.workspace_id)),
        ]
    for tz in ZONES:
        reader = replace(actor, tz=tz)
        for start, end in spans:
            for owner in owners:
                for pipeline in pipelines:
                    kw = {"pipeline": pipeline} if pipeline else {}
                    want = recounted(rows, reader, start, end, owner, pipeline)
                    got = crm.closed(reader, start, end, owner, **kw)
                    assert _clean(figures(got)) == _clean(want), (tz, start, end, owner, pipeline)
                    each = [(st.start, st.end) for st in steps(start, end)]
                    per = crm.closed_per_period(reader, each, owner, **kw)
                    for (a, b), c in zip(each, per, strict=True):
                        assert _clean(figures(c)) == _clean(recounted(rows, reader, a, b, owner, pipeline))
                    assert _clean(figures(merged(per, start, end))) == _clean(want)
                    if tz == "UTC" and owner is None and pipeline is None:
                        seen = max(seen, got.won + got.lost)
    return seen


def _set(crm: CRM, deal_id: int, **values: Any) -> None:
    """Change a deal's columns through the ORM (a flush, as every service's write)."""
    with crm.sessions() as s:
        deal = s.get(Deal, deal_id)
        assert deal is not None
        for k, v in values.items():
            setattr(deal, k, v)
        s.commit()


def test_closed_figures_follow_every_write_and_the_readers_zone(
    crm: CRM, ann: Actor, bob: Actor, tmp_path: Path
) -> None:
    crm.set_role(ann, "UANN", "admin")
    today = crm.now().date()
    spans = [
        (today, today),
        (today - timedelta(days=40), today + timedelta(days=10)),
        previous(today - timedelta(days=40), today + timedelta(days=10)),
        (today.replace(day=1), today),
    ]
    ids = {}
    for title, who, amount, currency, stage in (
        ("Acme renewal", ann, "50000.25", "USD", "won"),
        ("Globex pilot", bob, "12000", "USD", "lost"),
        ("Initech licenses", ann, "700.10", "EUR", "won"),
        ("Hooli upsell", bob, "3000", "EUR", "lost"),
        ("Umbrella platform", bob, None, "USD", "won"),
        ("Stark retrofit", ann, "990", "USD", "demo"),
        ("Wayne security", ann, "1500", "USD", "won"),
    ):
        made = crm.create_deal(
            who, title, company=title.split()[0], amount=amount, currency=currency, stage=stage
        )
        assert made.deal
        ids[title] = made.deal.id
    assert same(crm, ann, spans, (None, "UANN", "UBOB")) == 6

    # Closed at instants either side of midnight in UTC and in the readers' zones.
    noon = datetime.combine(today, datetime.min.time(), UTC)
    _set(crm, ids["Acme renewal"], closed_at=noon - timedelta(minutes=30))
    _set(crm, ids["Globex pilot"], closed_at=noon + timedelta(minutes=20))
    _set(crm, ids["Initech licenses"], closed_at=noon - timedelta(days=1, hours=9))
    _set(crm, ids["Hooli upsell"], closed_at=noon - timedelta(days=35, hours=13))
    _set(crm, ids["Umbrella platform"], closed_at=noon - timedelta(days=80))
    _set(crm, ids["Wayne security"], owner_id=None)  # nobody's
    same(crm, ann, spans, (None, "UBOB"))

    crm.update_deal(ann, ids["Acme renewal"], stage="lost", force=True)  # closed again
    crm.update_deal(bob, ids["Globex pilot"], stage="proposal", force=True)  # reopened
    crm.update_deal(ann, ids["Initech licenses"], owner="UBOB", currency="USD", amount="820.40", force=True)
    crm.update_deal(ann, ids["Stark retrofit"], stage="won", force=True)
    same(crm, ann, spans, (None, "UBOB"))

    gone = crm.delete_record(ann, "deal", "Hooli upsell")
    same(crm, ann, spans)
    crm.undo(ann, gone.op_id)
    same(crm, ann, spans)

    for n in range(3):
        crm.create_deal(bob, f"Demo deal {n}", amount=1000 + n, currency="GBP" if n else "USD", stage="demo")
    removed = crm.remove_stage(ann, "demo", move_to="won")  # every deal in it won at once
    assert same(crm, ann, spans, (None, "UBOB")) == 8
    crm.undo(ann, removed.op_id)
    same(crm, ann, spans, (None, "UBOB"))

    crm.add_pipeline(ann, "Renewals", renewal=True)
    crm.move_deal_to_pipeline(ann, "Stark retrofit", "Renewals")
    crm.create_deal(bob, "Renewed support", company="Acme", amount="420", stage="lost")
    same(crm, ann, spans, (None, "UBOB"))

    made = tmp_path / "deals.csv"
    made.write_text(
        "Deal Name,Amount,Currency,Stage,Company,Owner\n"
        "Cyberdyne upgrade,3000,CHF,won,Cyberdyne,UBOB\n"
        "Tyrell replicants,9000,USD,lost,Tyrell,UANN\n"
    )
    imp = Importer(crm.sessions)
    first = imp.run(ann, made, "deal")
    assert first.created == 2
    same(crm, ann, spans, (None, "UANN"))

    with crm.sessions() as s:
        companies = dict(s.execute(select(Company.name, Company.id)).tuples().all())
    joined = crm.merge(ann, "company", companies["Acme"], companies["Cyberdyne"])
    same(crm, ann, spans)
    crm.undo(ann, joined.op_id)
    imp.undo(ann, first.batch_id)
    same(crm, ann, spans, (None, "UBOB"))


def test_the_sales_cycle_median_is_the_middle_deal_or_the_mean_of_the_middle_two(
    crm: CRM, ann: Actor
) -> None:
    """Odd and even counts, ties and a deal won before it was added (counted as no days): the median is
    the middle one, or the mean of the middle two, as statistics.median has it."""
    from statistics import mean, median

    today = crm.now().date()
    noon = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)
    took: list[float] = []
    for n, days in enumerate((3.5, 10.25, 10.25, 1.0, 40.75, -2.0, 7.0)):
        made = crm.create_deal(ann, f"Deal {n}", amount=100, stage="won")
        assert made.deal
        _set(crm, made.deal.id, created_at=noon - timedelta(days=days), closed_at=noon)
        took.append(max(days, 0.0))
        c = crm.cycle(ann, today, today)
        assert c.won == len(took)
        assert c.median is not None and abs(c.median - median(took)) < 1e-6, (took, c.median)
        assert c.average is not None and abs(c.average - mean(took)) < 1e-6


def test_a_trend_of_hundreds_of_periods_is_read_whole(crm: CRM, ann: Actor) -> None:
    """A trend over a long span (a quarter at a time since 1850) reads every period: SQLite takes at most
    500 terms in one compound statement, so the periods are read a few hundred at a time."""
    today = crm.now().date()
    made = crm.create_deal(ann, "Old win", amount=100, stage="won")
    assert made.deal
    each = [(st.start, st.end) for st in steps(date(1850, 1, 1), today)]
    assert len(each) > 700
    per = crm.closed_per_period(ann, each)
    assert len(per) == len(each) and sum(c.won for c in per) == 1 and per[-1].won == 1
