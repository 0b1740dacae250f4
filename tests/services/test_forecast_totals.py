"""The forecast's totals (bot/services/forecast_totals.py), kept per month of expected close, stage, owner,
currency and forecast category: after every kind of deal write and its undo they must equal the deals
counted again from scratch (a deleted deal, or one with no expected close date, counts nowhere), and say
what the story's deals add up to."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from bench.seed import seed
from bot.clock import ManualClock
from bot.db import make_session_factory
from bot.services import CRM, Actor, forecast_totals
from bot.services.dataio.importer import Importer
from bot.services.forecasts import Forecast, ForecastStage, Slice, buckets
from models import Company, Deal, ForecastTotal, PipelineStage, User
from models.entities import FORECAST_CATEGORIES

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
# (month, stage key, owner's Slack id or "", currency, category) -> (deals, amount)
Named = dict[tuple[date, str, str, str, str], tuple[int, Decimal]]


def kept(crm: CRM, workspace_id: int) -> dict[tuple[object, ...], tuple[int, Decimal]]:
    """The kept rows that count anything (a row whose deals all left stays, at nothing)."""
    with crm.sessions() as s:
        rows = s.scalars(select(ForecastTotal).where(ForecastTotal.workspace_id == workspace_id)).all()
        return {
            (r.close_month, r.stage_id, r.owner_key, r.currency, r.forecast_category): (
                r.deals,
                Decimal(r.amount),
            )
            for r in rows
            if r.deals or r.amount
        }


def recounted(crm: CRM, workspace_id: int) -> dict[tuple[object, ...], tuple[int, Decimal]]:
    """The same, counted again from every deal not deleted, here in Python."""
    out: dict[tuple[object, ...], list[object]] = defaultdict(lambda: [0, Decimal(0)])
    with crm.sessions() as s:
        for d in s.scalars(select(Deal).where(Deal.workspace_id == workspace_id)):
            if d.close_date is None:
                continue
            at = (d.close_date.replace(day=1), d.stage_id, d.owner_id or 0, d.currency, d.forecast_category)
            out[at][0] += 1  # type: ignore[operator]
            out[at][1] += d.amount or Decimal(0)  # type: ignore[operator]
    return {k: (int(v[0]), Decimal(v[1])) for k, v in out.items()}  # type: ignore[call-overload]


def rebuilt(crm: CRM, workspace_id: int) -> dict[tuple[object, ...], tuple[int, Decimal]]:
    """What :func:`forecast_totals.rebuild` (the bulk writers' recount) makes of them, rolled back."""
    with crm.sessions() as s:
        forecast_totals.rebuild(s.connection(), workspace_id)
        rows = {
            (r.close_month, r.stage_id, r.owner_key, r.currency, r.forecast_category): (
                r.deals,
                Decimal(r.amount),
            )
            for r in s.scalars(select(ForecastTotal).where(ForecastTotal.workspace_id == workspace_id))
        }
        s.rollback()
    return rows


def same(crm: CRM, actor: Actor) -> Named:
    """The kept rows, checked against both recounts, by stage key and owner's Slack id."""
    now = kept(crm, actor.workspace_id)
    assert now == recounted(crm, actor.workspace_id)
    assert now == rebuilt(crm, actor.workspace_id)
    with crm.sessions() as s:
        stages = dict(s.execute(select(PipelineStage.id, PipelineStage.key)).tuples().all())
        people = dict(s.execute(select(User.id, User.slack_id)).tuples().all())
    return {
        (month, stages[stage], people.get(owner, ""), currency, category): v  # type: ignore[index,call-overload]
        for (month, stage, owner, currency, category), v in now.items()
    }


def test_totals_follow_every_kind_of_deal_write_and_its_undo(engine: Engine) -> None:
    clock = ManualClock(START)
    crm = CRM(make_session_factory(engine), clock.now)
    ann = crm.register_user("T1", "UANN", name="Ann Rep", tz="UTC", role="admin")
    crm.register_user("T1", "UBOB", name="Bob Rep", tz="UTC")
    a = crm.create_deal(ann, "Acme renewal", company="Acme", amount="5000", close_date="2026-04-10").deal
    b = crm.create_deal(
        ann, "Acme pilot", company="Acme", amount="700", close_date="2026-04-28", stage="demo", owner="UBOB"
    ).deal
    g = crm.create_deal(
        ann, "Globex order", company="Globex", amount="100", currency="EUR", close_date="2026-05-02"
    )
    crm.create_deal(ann, "Undated", amount="10")  # no expected close date: counts nowhere
    assert a and b and g.deal
    april, may, june = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)
    assert same(crm, ann) == {
        (april, "lead", "UANN", "USD", "pipeline"): (1, Decimal("5000")),
        (april, "demo", "UBOB", "USD", "pipeline"): (1, Decimal("700")),
        (may, "lead", "UANN", "EUR", "pipeline"): (1, Decimal("100")),
    }

    # Each thing a deal is counted by, changed and undone.
    for change in (
        {"amount": "6000"},
        {"currency": "GBP", "amount": "4000", "force": True},
        {"close_date": "2026-06-15"},
        {"close_date": "2026-04-20"},  # the same month: the same row
        {"stage": "won"},
        {"owner": "UBOB"},
    ):
        w = crm.update_deal(ann, a.id, **change)  # type: ignore[arg-type]
        same(crm, ann)
        crm.undo(ann, w.op_id)
        same(crm, ann)
    moved = crm.update_deal(ann, a.id, close_date="2026-06-15", amount="9000", stage="proposal")
    assert same(crm, ann)[(june, "proposal", "UANN", "USD", "pipeline")] == (1, Decimal("9000"))
    categorised = crm.categorize_deal(ann, a.id, "commit")
    assert same(crm, ann)[(june, "proposal", "UANN", "USD", "commit")] == (1, Decimal("9000"))
    crm.undo(ann, categorised.op_id)
    crm.undo(ann, moved.op_id)
    assert same(crm, ann)[(april, "lead", "UANN", "USD", "pipeline")] == (1, Decimal("5000"))

    # A date given to a deal that had none, and added amounts.
    dated = crm.update_deal(ann, "Undated", close_date="2026-05-30", add_amount="5")
    assert same(crm, ann)[(may, "lead", "UANN", "USD", "pipeline")] == (1, Decimal("15"))
    crm.undo(ann, dated.op_id)
    assert (may, "lead", "UANN", "USD", "pipeline") not in same(crm, ann)

    # Deleted, it counts nowhere; restored by the undo, it counts again.
    gone = crm.delete_record(ann, "deal", "Globex order")
    assert (may, "lead", "UANN", "EUR", "pipeline") not in same(crm, ann)
    crm.undo(ann, gone.op_id)
    assert same(crm, ann)[(may, "lead", "UANN", "EUR", "pipeline")] == (1, Decimal("100"))

    # Merging Globex into Acme moves its deals, which stay counted where they were; and back.
    with crm.sessions() as s:
        ids = dict(s.execute(select(Company.name, Company.id)).tuples().all())
    before = same(crm, ann)
    merged = crm.merge(ann, "company", ids["Acme"], ids["Globex"])
    assert same(crm, ann) == before
    crm.undo(ann, merged.op_id)
    assert same(crm, ann) == before

    # A company deleted with its deals, and put back.
    gone = crm.delete_record(ann, "company", "Acme", with_records=True)
    assert set(same(crm, ann)) == {(may, "lead", "UANN", "EUR", "pipeline")}
    crm.undo(ann, gone.op_id)
    assert same(crm, ann) == before

    # A deal made and undone leaves nothing behind.
    h = crm.create_deal(ann, "Hooli upsell", amount="42", close_date="2026-07-01")
    assert same(crm, ann)[(date(2026, 7, 1), "lead", "UANN", "USD", "pipeline")] == (1, Decimal("42"))
    crm.undo(ann, h.op_id)
    assert same(crm, ann) == before


def test_totals_follow_a_stage_removed_with_its_deals_moved_and_put_back(engine: Engine) -> None:
    clock = ManualClock(START)
    crm = CRM(make_session_factory(engine), clock.now)
    ann = crm.register_user("T1", "UANN", name="Ann Rep", tz="UTC", role="admin")
    for n in range(3):
        crm.create_deal(ann, f"Deal {n}", amount=1000 + n, stage="demo", close_date=f"2026-0{4 + n}-0{1 + n}")
    gone = crm.create_deal(ann, "Gone", amount=1, stage="demo", close_date="2026-04-09")
    crm.delete_record(ann, "deal", gone.deal.id if gone.deal else 0)
    before = same(crm, ann)
    clock.advance(timedelta(days=2))
    removed = crm.remove_stage(ann, "demo", move_to="proposal")
    after = same(crm, ann)
    assert {stage for _m, stage, *_ in after} == {"proposal"}
    assert sum(n for n, _ in after.values()) == 3
    crm.undo(ann, removed.op_id)
    assert same(crm, ann) == before

    # A deal moved into another pipeline, then that pipeline removed with its deals moved back; undone.
    # (Compared by stage id: the new pipeline's stages have the same keys.)
    first = kept(crm, ann.workspace_id)
    crm.add_pipeline(ann, "Renewals", renewal=True)
    crm.move_deal_to_pipeline(ann, "Deal 1", "Renewals")
    same(crm, ann)
    moved = kept(crm, ann.workspace_id)
    assert sum(n for n, _ in moved.values()) == 3 and moved != first
    gone = crm.remove_pipeline(ann, "Renewals", move_to="demo")
    same(crm, ann)
    assert kept(crm, ann.workspace_id) == first
    crm.undo(ann, gone.op_id)
    same(crm, ann)
    assert kept(crm, ann.workspace_id) == moved


def test_totals_follow_an_import_and_its_undo(engine: Engine, tmp_path: Path) -> None:
    clock = ManualClock(START)
    crm = CRM(make_session_factory(engine), clock.now)
    ann = crm.register_user("T1", "UANN", name="Ann Rep", tz="UTC", role="admin")
    crm.create_deal(ann, "Acme renewal", company="Acme", amount="50000", close_date="2026-04-10")
    made = tmp_path / "deals.csv"
    made.write_text(
        "Deal Name,Amount,Stage,Company,Close Date\n"
        "Hooli upsell,3000,demo,Hooli,2026-05-20\nUmbrella platform,9000,won,Umbrella,2026-02-03\n"
    )
    imp = Importer(crm.sessions)
    first = imp.run(ann, made, "deal")
    assert first.created == 2
    assert len(same(crm, ann)) == 3
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "Deal Name,Amount,Stage,Company,Close Date\nAcme renewal,60000,proposal,Acme,2026-06-01\n"
    )
    second = imp.run(ann, changed, "deal", mode="update")
    assert second.updated == 1
    assert same(crm, ann)[(date(2026, 6, 1), "proposal", "UANN", "USD", "pipeline")] == (1, Decimal("60000"))
    imp.undo(ann, second.batch_id)
    same(crm, ann)
    imp.undo(ann, first.batch_id)
    assert same(crm, ann) == {(date(2026, 4, 1), "lead", "UANN", "USD", "pipeline"): (1, Decimal("50000"))}


def test_the_seeder_keeps_them_for_its_deals(engine: Engine) -> None:
    seed(engine, contacts=300, deals=2_000, users=5, migrate=False)
    crm = CRM(make_session_factory(engine))
    manager = crm.actor("TBENCH", "UB00000")
    assert manager is not None
    assert sum(n for n, _ in same(crm, manager).values()) == 2_000


def _expected(crm: CRM, actor: Actor, start: date, end: date, owner: str | None) -> Forecast:
    """The forecast's current part worked out here, deal by deal, from every open deal not deleted."""
    with crm.sessions() as s:
        stages = {st.id: st for st in s.scalars(select(PipelineStage))}
        owner_id = s.scalar(select(User.id).where(User.slack_id == owner)) if owner else None
        deals = [
            d
            for d in s.scalars(select(Deal).where(Deal.workspace_id == actor.workspace_id))
            if d.close_date is not None
            and start <= d.close_date <= end
            and not stages[d.stage_id].is_closed
            and (owner_id is None or d.owner_id == owner_id)
        ]
    periods = buckets(start, end)
    by_stage: dict[str, Slice] = defaultdict(Slice)
    by_bucket = [Slice() for _ in periods]
    categories = {c: Slice() for c in FORECAST_CATEGORIES}
    for d in deals:
        st, amount = stages[d.stage_id], d.amount or Decimal(0)
        by_stage[st.name] = by_stage[st.name].plus(1, d.currency, amount, st.probability)
        i = next(i for i, (a, b) in enumerate(periods) if a <= d.close_date <= b)  # type: ignore[operator]
        by_bucket[i] = by_bucket[i].plus(1, d.currency, amount, st.probability)
        categories[d.forecast_category] = categories[d.forecast_category].plus(
            1, d.currency, amount, st.probability
        )
    lines = [ForecastStage(name, None, sl.deals, sl.amounts, sl.weighted) for name, sl in by_stage.items()]
    return Forecast(
        start, end, lines, [(a, b, sl) for (a, b), sl in zip(periods, by_bucket, strict=True)], categories
    )


def test_the_forecast_reads_whole_months_kept_and_the_edges_from_the_deals_alike(engine: Engine) -> None:
    """Whatever the period (days, weeks, months begun or ended part way, quarters), the forecast counts
    what the deals themselves add up to: the kept months and the days at the edges never overlap or
    leave a day out."""
    crm = CRM(make_session_factory(engine), ManualClock(START).now)
    ann = crm.register_user("T1", "UANN", name="Ann Rep", tz="UTC", role="admin")
    crm.register_user("T1", "UBOB", name="Bob Rep", tz="UTC")
    days = [date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 15), date(2026, 4, 30), date(2026, 5, 1)]
    days += [date(2026, 5, 31), date(2026, 6, 1), date(2026, 6, 30), date(2026, 7, 1), date(2026, 9, 30)]
    stages, currencies = ["lead", "qualified", "demo", "proposal", "won"], ["USD", "EUR"]
    for n, day in enumerate(days * 2):
        made = crm.create_deal(
            ann,
            f"Deal {n}",
            amount=100 * (n + 1),
            currency=currencies[n % 2],
            stage=stages[n % len(stages)],
            close_date=day,
            owner="UBOB" if n % 3 else "UANN",
        ).deal
        assert made is not None
        if n % 4 == 1:
            crm.categorize_deal(ann, made.id, "commit" if n % 8 == 1 else "best_case")
    crm.delete_record(ann, "deal", "Deal 3")
    periods = [
        (date(2026, 4, 1), date(2026, 4, 30)),  # one whole month
        (date(2026, 4, 1), date(2026, 6, 30)),  # a quarter
        (date(2026, 4, 13), date(2026, 4, 19)),  # a week
        (date(2026, 3, 30), date(2026, 4, 5)),  # a week across two months
        (date(2026, 4, 15), date(2026, 6, 1)),  # part of April, May whole, a day of June
        (date(2026, 3, 31), date(2026, 5, 31)),  # a day of March, two whole months
        (date(2026, 4, 2), date(2026, 5, 30)),  # no whole month at all
        (date(2026, 1, 1), date(2026, 12, 31)),  # a year, by quarter
        (date(2026, 3, 15), date(2026, 9, 30)),  # quarters begun part way
    ]
    for start, end in periods:
        for owner in (None, "UBOB"):
            got = crm.forecast(ann, start, end, owner)
            want = _expected(crm, ann, start, end, owner)
            assert sorted((st.name, st.deals, st.amounts, st.weighted) for st in got.stages) == sorted(
                (st.name, st.deals, st.amounts, st.weighted) for st in want.stages
            ), (start, end, owner)
            assert got.buckets == want.buckets, (start, end, owner)
            assert got.categories == want.categories, (start, end, owner)
    assert crm.forecast(ann, date(2026, 3, 31), date(2026, 9, 30)).deals == 15  # 20 made, 4 won, 1 deleted
