"""Standing orders for the pipeline summary asked for in words, in a DM or after /crm: they subscribe (or
unsubscribe) the channel, with the usual confirmation and Undo, instead of showing the summary once."""

from __future__ import annotations

import pytest

from models import Subscription
from tests.handlers.helpers import rows
from tests.support.slackhttp import SlackHTTP, text_of

SALES = "<#C0SALES01|sales>"


def schedules(slack: SlackHTTP) -> list[tuple[str, str, int | None, str]]:
    return sorted((s.channel_id, s.frequency, s.weekday, s.time_local) for s in rows(slack, Subscription))


def test_post_the_summary_every_morning_subscribes_the_channel_and_undo_takes_it_back(
    slack: SlackHTTP,
) -> None:
    reply = slack.dm(f"post the pipeline summary in {SALES} every morning at 9")
    shown = text_of(reply)
    assert "<#C0SALES01> will get the pipeline summary daily at 09:00" in shown, shown
    assert "Open:" not in shown  # not the summary itself
    assert schedules(slack) == [("C0SALES01", "daily", None, "09:00")]
    undone = slack.press(reply, "Undo")
    assert "Undone" in text_of(undone)
    assert schedules(slack) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"send the weekly pipeline summary to {SALES} on mondays at 8:30am", ("weekly", 0, "08:30")),
        (f"share the pipeline report in {SALES} every friday at 4pm", ("weekly", 4, "16:00")),
        (f"post the pipeline summary to {SALES} daily at 7:30", ("daily", None, "07:30")),
        # No "summary" said: an order to post the pipeline somewhere on a rhythm is still one.
        (f"send the pipeline to {SALES} every Monday at 8", ("weekly", 0, "08:00")),
        (f"post the pipeline in {SALES} every friday at 5pm", ("weekly", 4, "17:00")),
    ],
)
def test_weekly_and_daily_orders_in_words(
    slack: SlackHTTP, text: str, expected: tuple[str, int | None, str]
) -> None:
    shown = text_of(slack.command(text))
    assert "will get the pipeline summary" in shown, shown
    assert schedules(slack) == [("C0SALES01", *expected)]


def test_stop_posting_the_summary_unsubscribes(slack: SlackHTTP) -> None:
    slack.command(f"subscribe {SALES} daily 09:00")
    slack.command(f"subscribe {SALES} weekly monday 09:00")
    shown = text_of(slack.dm(f"stop posting the weekly pipeline summary in {SALES}"))
    assert "Stopped: one summary" in shown, shown
    assert schedules(slack) == [("C0SALES01", "daily", None, "09:00")]
    shown = text_of(slack.command(f"unsubscribe {SALES} from the pipeline summary"))
    assert "Stopped" in shown, shown
    assert schedules(slack) == []


def test_asking_for_the_pipeline_still_shows_it(slack: SlackHTTP) -> None:
    shown = text_of(slack.dm("how's the pipeline looking?"))
    assert "will get the pipeline summary" not in shown
    assert schedules(slack) == []
