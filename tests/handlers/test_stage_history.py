"""Each deal's stage history (``deal_stage_changes``, what the funnel and the forecast's look back read) is
written with every change of a deal's stage, amount, currency or expected close date, however it is made
(a command, a stage's removal, an import), and an undo of that change leaves the table exactly as it was
before it. Asked over signed HTTP; the rows are read back from the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from models import AuditEvent, Deal, DealStageChange, PipelineStage
from tests.handlers.helpers import rows
from tests.handlers.test_imports import share, updates
from tests.support.slackhttp import SlackHTTP, block_actions, button, text_of

H = DealStageChange


def _at(slack: SlackHTTP, day: int, month: int = 11, hour: int = 15) -> datetime:
    when = datetime(2026, month, day, hour, 0, tzinfo=UTC)
    slack.services.clock.set(when)  # type: ignore[attr-defined]
    return when


def _table(slack: SlackHTTP) -> list[tuple[Any, ...]]:
    """Every row, every column, in id order: what an undo must give back exactly."""
    with slack.services.sessions() as s:
        return [tuple(r) for r in s.execute(select(*H.__table__.c).order_by(H.id))]


def _keys(slack: SlackHTTP) -> dict[int, str]:
    with slack.services.sessions() as s:
        return {i: k for i, k in s.execute(select(PipelineStage.id, PipelineStage.key))}


def _deal(slack: SlackHTTP, title: str) -> Deal:
    (deal,) = rows(slack, Deal, Deal.title == title)
    return deal


def _history(slack: SlackHTTP, title: str) -> list[DealStageChange]:
    deal = _deal(slack, title)
    with slack.services.sessions() as s:
        return list(s.scalars(select(H).where(H.deal_id == deal.id).order_by(H.id)))


def _undo_restores(slack: SlackHTTP, before: list[tuple[Any, ...]]) -> None:
    undone = text_of(slack.command("undo"))
    assert "Undone" in undone or "undone" in undone.lower(), undone
    assert _table(slack) == before


def test_each_change_of_a_deal_is_a_row_and_its_undo_takes_it_back(slack: SlackHTTP) -> None:
    slack.command("help")
    made = _at(slack, 2)
    slack.command("deal add Acme renewal $10k close 2027-01-15")
    (first,) = _history(slack, "Acme renewal")
    keys = _keys(slack)
    assert (keys[first.stage_id], first.from_stage_id, first.amount, first.currency) == (
        "lead",
        None,
        Decimal("10000.00"),
        "USD",
    )
    assert first.close_date == date(2027, 1, 15) and first.at == first.valid_from == first.entered_at == made
    assert first.valid_until is None
    event = rows(slack, AuditEvent, AuditEvent.id == first.event_id)[0]
    assert (event.record_id, event.action, event.op_id) == (first.deal_id, "create", first.op_id)

    # A move: the stay in Lead ends, Qualified begins.
    before = _table(slack)
    moved = _at(slack, 4)
    slack.command("deal move Acme renewal qualified")
    lead, qualified = _history(slack, "Acme renewal")
    assert lead.valid_until == moved and keys[qualified.stage_id] == "qualified"
    assert (keys[qualified.from_stage_id or 0], qualified.from_entered_at, qualified.entered_at) == (
        "lead",
        made,
        moved,
    )
    _undo_restores(slack, before)

    # The amount, the expected close date: the stage stays, and so does when it was entered.
    slack.command("deal move Acme renewal qualified")
    before = _table(slack)
    _at(slack, 6)
    slack.command("deal amount Acme renewal 12k")
    last = _history(slack, "Acme renewal")[-1]
    assert (keys[last.stage_id], last.amount, last.from_entered_at) == (
        "qualified",
        Decimal("12000.00"),
        None,
    )
    assert last.entered_at == moved
    _undo_restores(slack, before)
    _at(slack, 7)
    slack.command("deal close Acme renewal 2027-02-20")
    assert _history(slack, "Acme renewal")[-1].close_date == date(2027, 2, 20)
    _undo_restores(slack, before)

    # Won, then lost: each a move, each undone.
    won_at = _at(slack, 9)
    slack.command("deal move Acme renewal won")
    last = _history(slack, "Acme renewal")[-1]
    assert keys[last.stage_id] == "won" and last.at == won_at and keys[last.from_stage_id or 0] == "qualified"
    _undo_restores(slack, before)
    slack.command("deal lost Acme renewal")
    assert keys[_history(slack, "Acme renewal")[-1].stage_id] == "lost"
    _undo_restores(slack, before)

    # A change that is not the stage, amount, currency or close date writes no row.
    slack.command("deal category Acme renewal commit")
    assert _table(slack) == before

    # Undoing the deal's creation takes its rows with it.
    slack.command("deal add Globex pilot $2k")
    assert len(_history(slack, "Globex pilot")) == 1
    _undo_restores(slack, before)


def test_removing_a_stage_moves_its_deals_history_and_the_undo_puts_it_back(slack: SlackHTTP) -> None:
    slack.command("help")
    _at(slack, 2)
    slack.command("deal add Acme renewal 50k stage demo")
    slack.command("deal add Globex pilot 10k stage demo")
    slack.command("deal add Initech seats 5k")
    before = _table(slack)
    removed = _at(slack, 5)
    asked = slack.command("stages remove Demo")
    url = slack.new_response_url()
    slack.send_payload(block_actions(button(asked, "Proposal"), response_url=url))
    done = slack.wait_response(url)
    assert "2 deals moved to Proposal" in text_of(done), text_of(done)
    keys = _keys(slack)
    for title in ("Acme renewal", "Globex pilot"):
        demo, proposal = _history(slack, title)
        assert demo.valid_until == removed and proposal.at == proposal.entered_at == removed
        assert keys[proposal.stage_id] == "proposal" and proposal.from_stage_id == demo.stage_id
        assert proposal.from_entered_at == demo.entered_at and proposal.event_id is not None
    assert len(_history(slack, "Initech seats")) == 1
    undone = text_of(slack.press(done, "Undo"))
    assert "Undone" in undone, undone
    assert _table(slack) == before


def test_the_funnel_leaves_out_an_undone_move_and_counts_it_once_made_again(slack: SlackHTTP) -> None:
    slack.command("help")
    _at(slack, 2)
    slack.command("deal add Acme renewal $10k")
    _at(slack, 3)
    slack.command("deal move Acme renewal demo")
    slack.command("undo")
    shown = text_of(slack.dm("report funnel this month"))
    assert "• Demo: 0 reached" in shown and "• Lead: 1 reached" in shown, shown
    _at(slack, 6)
    slack.command("deal move Acme renewal demo")
    _at(slack, 8)
    slack.command("deal move Acme renewal proposal")
    shown = text_of(slack.dm("report funnel this month"))
    assert "• Demo: 1 reached" in shown and "• Lead: 1 reached · 100% on to the next" in shown, shown
    assert "• Lead: 1 reached · 100% on to the next · 0% won · median 4 days in it" in shown, shown
    assert "• Demo: 1 reached · 100% on to the next · 0% won · median 2 days in it" in shown, shown


def test_imported_deals_get_a_first_row_and_the_imports_undo_takes_them_back(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("deal add Existing one $1k")
    before = _table(slack)
    content = b"Deal,Amount,Stage\nAcme renewal,5000,proposal\nGlobex pilot,700,demo\n"
    preview = share(slack, "deals.csv", content, "deals")
    assert "2 new" in text_of(preview), text_of(preview)
    slack.press(preview, "Import")
    done = updates(slack, lambda t: t.startswith("✅"))
    keys = _keys(slack)
    (acme,) = _history(slack, "Acme renewal")
    assert (keys[acme.stage_id], acme.amount, acme.from_stage_id, acme.valid_until) == (
        "proposal",
        Decimal("5000.00"),
        None,
        None,
    )
    assert acme.op_id is not None and acme.event_id is None
    assert len(_history(slack, "Globex pilot")) == 1
    undone = slack.press(done, "Undo import")
    assert "Import undone: 2 records removed" in text_of(undone), text_of(undone)
    assert _table(slack) == before
