"""Last period's forecast reads each deal's kept rows (bot/services/forecast_marks.py): after every kind
of write and its undo they must equal the rows made again from scratch; and the look back read from
them, for readers in any zone, must be what the stage history says (and what the story told here says)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.clock import ManualClock
from bot.db import make_session_factory
from bot.services import CRM, Actor, forecast_marks
from bot.services.forecasts import _from_history, _kept
from models import DealForecastMark, PipelineStage, User

START = datetime(2026, 9, 20, 15, 0, tzinfo=UTC)
ZONES = ("UTC", "America/New_York", "Asia/Tokyo", "Asia/Kolkata", "Pacific/Kiritimati", "America/Adak")


def _rows(rows: Any) -> set[tuple[Any, ...]]:
    return {
        (
            r.since_day,
            r.deal_id,
            r.close_date,
            r.owner_key,
            r.pipeline_id,
            r.stage_id,
            r.currency,
            Decimal(r.amount) if r.amount is not None else None,
            r.won_at.replace(tzinfo=None) if r.won_at is not None else None,
        )
        for r in rows
    }


def kept(crm: CRM, actor: Actor) -> set[tuple[Any, ...]]:
    with crm.sessions() as s:
        return _rows(
            s.execute(
                select(DealForecastMark.__table__).where(DealForecastMark.workspace_id == actor.workspace_id)
            )
        )


def remade(crm: CRM, actor: Actor) -> set[tuple[Any, ...]]:
    engine = crm.sessions.kw["bind"]
    with engine.connect() as conn:
        trans = conn.begin()
        forecast_marks.rebuild(conn, actor.workspace_id)
        rows = _rows(
            conn.execute(
                select(DealForecastMark.__table__).where(DealForecastMark.workspace_id == actor.workspace_id)
            )
        )
        trans.rollback()
    return rows


def same(crm: CRM, actor: Actor) -> set[tuple[Any, ...]]:
    now = kept(crm, actor)
    assert now == remade(crm, actor)
    return now


def looks_back_alike(crm: CRM, actor: Actor, start: date, end: date, owner: Actor | None = None) -> Any:
    """The look back from the kept rows, for a reader in each zone, is the stage history's."""
    assert forecast_marks.covers(start, end)
    out = None
    for tz in ZONES:
        reader = replace(actor, tz=tz)
        with crm.deals.read(reader) as s:
            stages = {st.id: st for st in s.scalars(select(PipelineStage))}
            who = s.get(User, owner.user_id) if owner is not None else None
            from_rows = {k: v for k, v in _kept(s, reader, start, end, who, None).items() if v[0]}
            from_history = _from_history(s, reader, start, end, who, None, stages)
        assert from_rows == from_history, tz
        out = out or from_history
    return out


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def crm(engine: Engine, clock: ManualClock) -> CRM:
    return CRM(make_session_factory(engine), clock.now)


def test_rows_follow_every_write_and_the_look_back_is_the_historys(
    crm: CRM, clock: ManualClock, ann: Actor, bob: Actor
) -> None:
    crm.set_role(ann, "UANN", "admin")
    big = crm.create_deal(ann, "Q4 Big", amount="20000", stage="lead", close_date="2026-11-15").deal
    small = crm.create_deal(bob, "Q4 Small", amount="5000", close_date="2026-12-10").deal
    slipped = crm.create_deal(ann, "Slipped", amount="8000", stage="proposal", close_date="2026-10-20").deal
    euro = crm.create_deal(
        bob, "Berlin", amount="7000", currency="EUR", stage="demo", close_date="2026-10-02"
    ).deal
    assert big and small and slipped and euro
    same(crm, ann)
    crm.update_deal(ann, big.id, stage="negotiation")
    edit = crm.update_deal(bob, small.id, amount="50000")
    crm.undo(bob, edit.op_id)  # taken back: not what was forecast
    crm.update_deal(ann, slipped.id, owner="UBOB")
    gone = crm.delete_record(ann, "deal", "Berlin")
    crm.undo(ann, gone.op_id)
    same(crm, ann)

    # The quarter begins (at 00:00 UTC, and at each reader's midnight around it) with changes either side.
    clock.set(datetime(2026, 9, 30, 20, 0, tzinfo=UTC))
    crm.update_deal(bob, euro.id, amount="9000")
    clock.set(datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    crm.update_deal(ann, big.id, close_date="2026-12-01")
    late = crm.create_deal(ann, "Made at two", amount="1000", close_date="2026-11-30").deal
    assert late
    clock.set(datetime(2026, 10, 1, 3, 0, tzinfo=UTC))
    crm.update_deal(bob, euro.id, stage="won")
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    crm.update_deal(bob, small.id, stage="proposal")
    clock.set(datetime(2026, 10, 10, 15, 0, tzinfo=UTC))
    crm.update_deal(ann, slipped.id, close_date="2027-01-20")
    crm.update_deal(ann, big.id, stage="won")
    lost = crm.update_deal(bob, small.id, stage="lost")
    same(crm, ann)
    crm.undo(bob, lost.op_id)
    clock.set(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    same(crm, ann)

    quarter = looks_back_alike(crm, ann, date(2026, 10, 1), date(2026, 12, 31))
    # At 00:00 UTC (the first zone): Big in negotiation, Small and Slipped as made, Berlin at its new
    # amount; Big and Berlin won since; Made at two not made yet.
    stage = {key: i for i, key in _stage_ids(crm, ann).items()}
    assert quarter == {
        (stage["negotiation"], "USD"): (1, Decimal("20000"), 1),
        (stage["lead"], "USD"): (1, Decimal("5000"), 0),
        (stage["proposal"], "USD"): (1, Decimal("8000"), 0),
        (stage["demo"], "EUR"): (1, Decimal("9000"), 1),
    }
    looks_back_alike(crm, ann, date(2026, 10, 1), date(2026, 10, 31))
    looks_back_alike(crm, ann, date(2026, 10, 1), date(2026, 11, 20))  # a quarter so far
    looks_back_alike(crm, ann, date(2026, 9, 28), date(2026, 10, 4))  # a week across the quarter
    looks_back_alike(crm, ann, date(2026, 10, 1), date(2026, 12, 31), owner=bob)


def _stage_ids(crm: CRM, actor: Actor) -> dict[int, str]:
    with crm.deals.read(actor) as s:
        return {st.id: st.key for st in s.scalars(select(PipelineStage))}


def test_the_period_begins_at_the_teams_midnight_for_every_reader(clock: ManualClock, crm: CRM) -> None:
    """A team in New York: its quarter began at 04:00 UTC, for a reader in Tokyo too; what each counts
    as won in the quarter follows their own zone."""
    crm.ensure_workspace("TNY", "NY team", default_tz="America/New_York")
    ann = crm.register_user("TNY", "UANN", name="Ann", tz="America/New_York")
    clock.set(datetime(2026, 9, 20, 15, 0, tzinfo=UTC))
    moved = crm.create_deal(ann, "Moved at two", amount="1000", close_date="2026-11-01").deal
    won = crm.create_deal(ann, "Won at three", amount="2000", close_date="2026-11-01").deal
    late = crm.create_deal(ann, "Won late", amount="500", close_date="2026-12-31").deal
    assert moved and won and late
    clock.set(datetime(2026, 9, 30, 20, 0, tzinfo=UTC))
    crm.create_deal(ann, "Made at eight", amount="4000", close_date="2026-11-01")
    clock.set(datetime(2026, 10, 1, 1, 0, tzinfo=UTC))
    crm.create_deal(ann, "Made at one", amount="8000", close_date="2026-11-01")
    clock.set(datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    crm.update_deal(ann, moved.id, stage="negotiation")
    clock.set(datetime(2026, 10, 1, 3, 0, tzinfo=UTC))
    crm.update_deal(ann, won.id, stage="won")
    clock.set(datetime(2026, 12, 31, 23, 0, tzinfo=UTC))  # 18:00 in New York, 08:00 on 1 January in Tokyo
    crm.update_deal(ann, late.id, stage="won")
    clock.set(datetime(2027, 1, 2, 15, 0, tzinfo=UTC))
    same(crm, ann)

    def seen(tz: str) -> tuple[int, dict[str, Decimal], dict[str, Decimal], int, int]:
        h = crm.forecast(replace(ann, tz=tz), date(2027, 1, 1), date(2027, 3, 31)).hindsight
        assert h is not None and (h.start, h.end) == (date(2026, 10, 1), date(2026, 12, 31))
        return h.forecast.deals, h.forecast.amounts, h.forecast.weighted, h.forecast_won, h.won.deals

    # At 04:00 UTC: Moved in negotiation (80 %), Won at three closed already, Made at eight, Made at one
    # and Won late in lead (10 %).
    forecast = (4, {"USD": Decimal("13500")}, {"USD": Decimal("2050")})
    # New York: Won late won in the quarter, Won at three before it began.
    assert seen("America/New_York") == (*forecast, 1, 1)
    # UTC: both won in its quarter.
    assert seen("UTC") == (*forecast, 1, 2)
    # Tokyo: Won at three in its quarter, Won late on 1 January, after it.
    assert seen("Asia/Tokyo") == (*forecast, 0, 1)
    looks_back_alike(crm, ann, date(2026, 10, 1), date(2026, 12, 31))
    looks_back_alike(crm, ann, date(2026, 12, 28), date(2027, 1, 3))  # a week across the year's end


def test_a_period_no_rows_are_kept_for_is_read_from_the_history(crm: CRM, ann: Actor) -> None:
    assert not forecast_marks.covers(date(2026, 10, 2), date(2026, 10, 31))  # not a first day
    assert not forecast_marks.covers(date(2026, 11, 1), date(2026, 12, 31))  # past its month
    assert forecast_marks.covers(date(2026, 10, 1), date(2026, 12, 31))
    assert forecast_marks.covers(date(2026, 1, 1), date(2026, 12, 31))
    assert forecast_marks.covers(date(2026, 11, 30), date(2026, 12, 6))  # a Monday's week
    assert not forecast_marks.covers(date(2026, 11, 30), date(2026, 12, 7))
    assert forecast_marks.horizon(date(2026, 11, 30)) == date(2026, 11, 30) + timedelta(days=6)
