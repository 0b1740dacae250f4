"""The daily overdue nudge (one a day per person, grouped) and stale-deal alerts (once per quiet spell,
grouped in one message a day per owner at the start of their working day, with each deal's buttons; the
quiet period is a workspace setting; snoozable until a date)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from bot.blocks.messages import message
from bot.clock import ManualClock
from bot.proactive import Planner
from bot.proactive.kinds.reminder import REMINDER_DONE
from bot.proactive.kinds.stale_deals import STALE_LOG, STALE_MOVE, STALE_SNOOZE
from bot.services import CRM, Actor
from bot.services.errors import Invalid
from bot.services.proactive import Proactive
from models import Workspace
from tests.scheduler.conftest import Slack, action_ids, block_text


def _nudges(slack: Slack) -> list[dict]:
    return [p for p in slack.posted if p["metadata"]["event_payload"]["dedupe_key"].startswith("nudge:")]


def test_one_grouped_overdue_nudge_a_day_per_person(
    crm: CRM, ann: Actor, bob: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    a1 = crm.create_task(ann, "Quote for Acme", due=date(2026, 11, 20)).task
    a2 = crm.create_task(ann, "Call Globex", due="2026-11-23T10:00").task
    crm.create_task(ann, "Not yet", due=date(2026, 11, 30))
    crm.create_task(ann, "Send contract", due="2026-11-24T08:00", assignee="UBOB")
    assert a1 and a2
    scheduler.tick()  # the 23rd: reminders for Ann's past-due tasks go out (late)
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # 07:00 in New York, 13:00 in Paris
    scheduler.tick()
    # Not yet 09:00 for Ann; Bob's task falls due today, so it is his reminder's, not a nudge's.
    assert _nudges(slack) == []

    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # 09:00 in New York
    scheduler.tick()
    [nudge] = _nudges(slack)
    assert nudge["channel"] == "UANN"
    assert nudge["text"].startswith("2 tasks are overdue")
    text = block_text(nudge)
    assert "Quote for Acme" in text and "Call Globex" in text and "Not yet" not in text
    assert action_ids(nudge) == [REMINDER_DONE, REMINDER_DONE]

    clock.set(datetime(2026, 11, 25, 4, 0, tzinfo=UTC))  # still the 24th in New York
    scheduler.tick()
    assert len(_nudges(slack)) == 1

    crm.complete_task(ann, a1.id)
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # the 25th, 09:00 in New York; Bob's 15:00
    scheduler.tick()
    nudges = _nudges(slack)
    assert sorted((n["channel"], n["text"]) for n in nudges[1:]) == [
        ("UANN", "1 task is overdue: Call Globex"),
        ("UBOB", "1 task is overdue: Send contract"),
    ]
    scheduler.tick()
    assert len(_nudges(slack)) == 3


def _titles(post: dict) -> list[str]:
    """The deals a grouped stale-deal message lists, in order."""
    return re.findall(r"\*(.+?)\* has had no activity", block_text(post))


# 09:00 in New York on a day: the start of Ann's working day, when her stale deals are told.
def _ann_morning(day: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, 14, 0, tzinfo=UTC)


def _quiet_deal(crm: CRM, ann: Actor, title: str = "Acme renewal") -> int:
    deal = crm.create_deal(ann, title, company="Acme", amount="50000", stage="proposal").deal
    assert deal
    return deal.id


def test_stale_deal_is_flagged_once_to_its_owner_with_buttons(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    deal_id = _quiet_deal(crm, ann)  # Tuesday 24 November, 12:00 UTC
    clock.set(_ann_morning(7))  # 13 days and 2 hours later
    scheduler.tick()
    assert slack.posted == []
    clock.set(_ann_morning(8))
    scheduler.tick()
    [alert] = slack.posted
    assert alert["channel"] == "UANN"
    assert "Acme renewal" in alert["text"] and "14 days" in alert["text"]
    assert action_ids(alert) == [STALE_LOG, STALE_MOVE, STALE_SNOOZE]
    clock.set(_ann_morning(11))
    scheduler.tick()
    assert len(slack.posted) == 1  # once per quiet spell

    # Activity starts a new spell; quiet again for 14 days means one more alert.
    clock.set(datetime(2026, 12, 11, 13, 0, tzinfo=UTC))
    Proactive(crm).log_activity(ann, deal_id, "Called, they are reviewing")
    clock.set(_ann_morning(24))
    scheduler.tick()
    assert len(slack.posted) == 1
    clock.set(_ann_morning(25))
    scheduler.tick()
    assert len(slack.posted) == 2


def test_stale_days_is_a_workspace_setting_and_closed_deals_are_left_alone(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    with crm.sessions.begin() as s:
        s.execute(update(Workspace).values(stale_days=3))
    _quiet_deal(crm, ann, "Open one")
    won = crm.create_deal(ann, "Won one", amount="1000", stage="won").deal
    assert won
    clock.set(_ann_morning(27, 11))
    scheduler.tick()
    assert [_titles(p) for p in slack.posted] == [["Open one"]]


def test_stale_alert_snoozed_until_a_date(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    deal_id = _quiet_deal(crm, ann)
    clock.set(_ann_morning(9))
    scheduler.tick()
    assert len(slack.posted) == 1
    buttons = Proactive(crm)
    try:
        buttons.snooze_stale(ann, deal_id, clock.now().date())
    except Invalid as exc:
        assert "after today" in message(exc)
    else:
        raise AssertionError("snoozing until today should be refused")
    buttons.snooze_stale(ann, deal_id, "2026-12-20")
    clock.set(datetime(2026, 12, 19, 23, 0, tzinfo=UTC))
    scheduler.tick()
    assert len(slack.posted) == 1
    clock.set(_ann_morning(20))
    scheduler.tick()
    assert len(slack.posted) == 2
    assert "Acme renewal" in slack.posted[1]["text"]


def test_moving_the_stage_from_the_alert_ends_the_spell(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    deal_id = _quiet_deal(crm, ann)
    clock.set(_ann_morning(9))
    scheduler.tick()
    written = Proactive(crm).move_stage(ann, deal_id, "negotiation")
    assert written.deal and written.deal.stage == "negotiation"
    clock.advance(days=5)
    scheduler.tick()
    assert len(slack.posted) == 1


def test_stale_days_setting_is_for_managers_audited_and_undoable(crm: CRM, ann: Actor, bob: Actor) -> None:
    from bot.services.errors import Forbidden

    buttons = Proactive(crm)
    assert buttons.stale_days(ann) == 14
    with pytest.raises(Forbidden):
        buttons.set_stale_days(bob, 3)  # a rep
    with pytest.raises(Invalid):
        buttons.set_stale_days(ann, 400)
    op_id = buttons.set_stale_days(ann, 21)  # the workspace's first person is its admin
    assert buttons.stale_days(ann) == 21
    crm.undo(ann, op_id)
    assert buttons.stale_days(ann) == 14


def test_a_quiet_pipeline_does_not_bury_its_owner(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    for i in range(7):
        _quiet_deal(crm, ann, f"Deal {i}")
        clock.advance(minutes=1)
    clock.set(_ann_morning(14))
    scheduler.tick()
    # One message a day with five deals, oldest first; the other two the next day.
    [first] = slack.posted
    assert _titles(first) == [f"Deal {i}" for i in range(5)]
    assert "7 deals have gone quiet" in block_text(first) and "2 more" in block_text(first)
    clock.advance(hours=12)
    scheduler.tick()
    assert len(slack.posted) == 1
    clock.set(_ann_morning(15))
    scheduler.tick()
    assert _titles(slack.posted[1]) == ["Deal 5", "Deal 6"]


def test_stale_alert_snooze_ends_on_that_day_in_the_owners_zone(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    deal_id = _quiet_deal(crm, ann)
    clock.set(_ann_morning(9))
    scheduler.tick()
    assert len(slack.posted) == 1
    Proactive(crm).snooze_stale(ann, deal_id, "2026-12-20")
    clock.set(datetime(2026, 12, 20, 2, 0, tzinfo=UTC))  # still the 19th, 21:00, in New York
    scheduler.tick()
    assert len(slack.posted) == 1
    clock.set(datetime(2026, 12, 20, 14, 0, tzinfo=UTC))  # the 20th, 09:00 in New York
    scheduler.tick()
    assert len(slack.posted) == 2


def _stale_posts(slack: Slack) -> list[dict]:
    return [p for p in slack.posted if STALE_LOG in action_ids(p)]


def test_stale_deals_are_one_message_per_owner_at_the_start_of_their_working_day(
    crm: CRM, ann: Actor, bob: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    for title in ("Acme renewal", "Acme expansion", "Acme training"):
        _quiet_deal(crm, ann, title)
    for title in ("Globex pilot", "Globex platform"):
        _quiet_deal(crm, bob, title)
    clock.set(datetime(2026, 12, 10, 3, 0, tzinfo=UTC))  # 22:00 in New York, 04:00 in Paris
    scheduler.tick()
    assert _stale_posts(slack) == []

    clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=UTC))  # 09:00 in Paris, 03:00 in New York
    scheduler.tick()
    [for_bob] = _stale_posts(slack)
    assert for_bob["channel"] == "UBOB"
    text = block_text(for_bob)
    assert "Globex pilot" in text and "Globex platform" in text and "Acme" not in text
    assert action_ids(for_bob) == [STALE_LOG, STALE_MOVE, STALE_SNOOZE] * 2

    clock.set(datetime(2026, 12, 10, 14, 0, tzinfo=UTC))  # 09:00 in New York
    scheduler.tick()
    posts = _stale_posts(slack)
    assert [p["channel"] for p in posts] == ["UBOB", "UANN"]
    assert all(t in block_text(posts[1]) for t in ("Acme renewal", "Acme expansion", "Acme training"))
    assert action_ids(posts[1]).count(STALE_LOG) == 3
    clock.set(datetime(2026, 12, 10, 20, 0, tzinfo=UTC))
    scheduler.tick()
    assert len(_stale_posts(slack)) == 2


def test_one_stale_message_per_owner_a_day_across_schedulers(
    crm: CRM, ann: Actor, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    _quiet_deal(crm, ann, "Acme renewal")
    clock.advance(days=1, hours=3)  # Wednesday 15:00 UTC
    _quiet_deal(crm, ann, "Acme expansion")
    # Another scheduler process plans from the same database (on SQLite only one may send, so the other
    # is its planner alone); what it plans, the first one sends.
    first, second = make_scheduler(name="one"), Planner(crm.sessions)
    clock.set(datetime(2026, 12, 9, 14, 0, tzinfo=UTC))  # 09:00 in New York: only the first is 14 days quiet
    first.tick()
    [today] = _stale_posts(slack)
    assert "Acme renewal" in block_text(today) and "Acme expansion" not in block_text(today)

    clock.set(datetime(2026, 12, 9, 18, 0, tzinfo=UTC))  # the second turns stale that afternoon
    second.plan(clock.now())
    first.tick()
    assert len(_stale_posts(slack)) == 1  # Ann has had her message today

    clock.set(datetime(2026, 12, 10, 14, 0, tzinfo=UTC))  # the next morning
    second.plan(clock.now())
    first.tick()
    posts = _stale_posts(slack)
    assert len(posts) == 2
    assert "Acme expansion" in block_text(posts[1]) and "Acme renewal" not in block_text(posts[1])
