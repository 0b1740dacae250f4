"""Reports for one pipeline (`/crm report won pipeline Renewals this month`), over signed HTTP, in a
workspace with two pipelines whose stages differ ("Sales" as every workspace starts, and "Renewals" whose
Demo is called "Usage review"). The expected figures are worked out here, in plain Python, from the story
the test tells (which deal is in which pipeline, went through which stage on which day, and for how
much), not by the bot's queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from statistics import mean, median

from slack_sdk import WebClient

from bot.scheduler import Scheduler
from models import ReportSubscription
from tests.handlers.helpers import rows
from tests.support.fakeslack import Call
from tests.support.slackhttp import ANN, BOB, SlackHTTP, text_of

SALES_OPEN = ["Lead", "Qualified", "Demo", "Proposal", "Negotiation"]
RENEWALS_OPEN = ["Lead", "Qualified", "Usage review", "Proposal", "Negotiation"]
OPEN = {"Sales": SALES_OPEN, "Renewals": RENEWALS_OPEN}
# The default stages' win probabilities (percent), as a manager reads them off /crm stages.
PROBABILITY = {"Lead": 10, "Proposal": 60}


@dataclass
class Story:
    title: str
    pipeline: str
    owner: str
    amount: int
    # (stage, day of November it entered it); "won"/"lost" last when it closed.
    path: list[tuple[str, int]]
    close: str | None = None  # expected close date of an open deal
    outcome: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        last = self.path[-1][0]
        self.outcome = last if last in ("won", "lost") else None


DEALS = [
    Story("Alpha", "Sales", ANN, 10000, [("Lead", 2), ("Qualified", 4), ("won", 12)]),
    Story("Bravo", "Sales", ANN, 4000, [("Lead", 2), ("lost", 9)]),
    Story("Charlie", "Sales", BOB, 6000, [("Lead", 3), ("Demo", 5), ("won", 10)]),
    Story("Delta", "Sales", ANN, 3000, [("Lead", 3)], close="2026-12-15"),
    Story("Acme renewal", "Renewals", ANN, 7000, [("Lead", 2), ("Usage review", 6), ("won", 11)]),
    Story("Globex renewal", "Renewals", BOB, 2000, [("Lead", 3), ("lost", 12)]),
    Story("Initech renewal", "Renewals", BOB, 5000, [("Lead", 4), ("Proposal", 7)], close="2026-12-20"),
]


def _at(slack: SlackHTTP, day: int, hour: int = 15) -> None:
    slack.services.clock.set(datetime(2026, 11, day, hour, 0, tzinfo=UTC))  # type: ignore[attr-defined]


def _tell(slack: SlackHTTP) -> None:
    """The story, told in order of the days it happened."""
    slack.command("help")  # Ann: the workspace's first writer, an admin; Bob a rep
    slack.command("help", user=BOB)
    _at(slack, 1)
    slack.command("pipelines add Renewals renewal")
    slack.command("stages rename renewals:demo to Usage review")
    events = sorted(
        ((day, i, d, stage) for d in DEALS for i, (stage, day) in enumerate(d.path)), key=lambda e: e[:2]
    )
    for day, i, d, stage in events:
        _at(slack, day)
        as_who = {"user": d.owner}
        if i == 0:
            close = f" close {d.close}" if d.close else ""
            slack.command(f"deal add {d.title} ${d.amount:,}{close}", **as_who)
            if d.pipeline != "Sales":
                slack.command(f"deal pipeline {d.title} to {d.pipeline}", **as_who)
        else:
            moved = text_of(slack.command(f"deal move {d.title} to {stage.lower()}", **as_who))
            assert d.title in moved and "⚠️" not in moved, moved
    _at(slack, 18)


def run_at(slack: SlackHTTP, when: datetime) -> None:
    """The scheduler, once, at ``when``."""
    slack.services.clock.set(when)  # type: ignore[attr-defined]
    client = WebClient(token="xoxb-test", base_url=slack.fake.api_url, retry_handlers=[])
    sched = Scheduler(slack.services.sessions, client, slack.services.clock, pace_seconds=0, workers=1)  # type: ignore[attr-defined]
    try:
        sched.tick()
    finally:
        sched.stop()


def posts_to(slack: SlackHTTP, channel: str) -> list[Call]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def _uploaded(slack: SlackHTTP, title: str) -> bool:
    """Whether a chart of that title was uploaded (uploads follow the reply, in the work after the ack)."""
    slack.settle()
    return any(title in str(c.params) for c in slack.fake.calls_to("files.completeUploadExternal"))


def _money(amount: Decimal | int) -> str:
    return f"${Decimal(amount):,.0f}"


def _deals(n: int) -> str:
    return f"{n} deal" if n == 1 else f"{n} deals"


def _of(pipeline: str | None = None, owner: str | None = None) -> list[Story]:
    return [
        d
        for d in DEALS
        if (pipeline is None or d.pipeline == pipeline) and (owner is None or d.owner == owner)
    ]


def _days_to_close(d: Story) -> int:
    return d.path[-1][1] - d.path[0][1]


def test_won_lost_and_win_rate_for_one_pipeline_alone_and_with_an_owner(slack: SlackHTTP) -> None:
    _tell(slack)
    for pipeline in ("Renewals", "Sales"):
        won = [d for d in _of(pipeline) if d.outcome == "won"]
        shown = text_of(slack.command(f"report won pipeline {pipeline} this month"))
        assert f"The team's deals won in {pipeline}" in shown, shown
        assert f"{_deals(len(won))} · {_money(sum(d.amount for d in won))}" in shown, shown
        for who in {d.owner for d in won}:
            mine = [d for d in won if d.owner == who]
            assert f"<@{who}>: {len(mine)} · {_money(sum(d.amount for d in mine))}" in shown, shown

        closed = [d for d in _of(pipeline) if d.outcome]
        rate = len(won) / len(closed)
        shown = text_of(slack.command(f"report win rate pipeline {pipeline} this month"))
        assert f"win rate in {pipeline}" in shown and f"{rate:.0%} ({len(won)} of {len(closed)})" in shown, (
            shown
        )

    # Every pipeline stays the default.
    everything = [d for d in DEALS if d.outcome == "won"]
    shown = text_of(slack.command("report won this month"))
    assert f"{_deals(len(everything))} · {_money(sum(d.amount for d in everything))}" in shown, shown
    assert " in Sales" not in shown and " in Renewals" not in shown, shown

    # With an owner: Bob's own, and Bob's as a manager asks for them.
    lost = [d for d in _of("Renewals", BOB) if d.outcome == "lost"]
    shown = text_of(slack.command("report lost pipeline renewals this month mine", user=BOB))
    assert "Your deals lost in Renewals" in shown or "deals lost in Renewals" in shown, shown
    assert f"{_deals(len(lost))} · {_money(sum(d.amount for d in lost))}" in shown, shown
    won = [d for d in _of("Sales", BOB) if d.outcome == "won"]
    shown = text_of(slack.command(f"report won this month <@{BOB}> pipeline Sales"))
    assert f"<@{BOB}>'s deals won in Sales" in shown, shown
    assert f"{_deals(len(won))} · {_money(sum(d.amount for d in won))}" in shown, shown

    # The trend's chart names the pipeline too.
    assert _uploaded(slack, "Deals won and lost per week in Renewals")


def test_cycle_and_velocity_for_one_pipeline(slack: SlackHTTP) -> None:
    _tell(slack)
    won = [d for d in _of("Renewals") if d.outcome == "won"]
    days = [_days_to_close(d) for d in won]
    shown = text_of(slack.command("report cycle pipeline Renewals this month"))
    assert "sales cycle in Renewals" in shown, shown
    assert f"*{mean(days):.0f} days on average* (median {median(days):.0f}) from added to won" in shown, shown
    assert f"over {_deals(len(won))} won" in shown, shown

    closed = [d for d in _of("Renewals") if d.outcome]
    open_now = [d for d in _of("Renewals") if not d.outcome]
    rate = Decimal(len(won)) / len(closed)
    average = Decimal(sum(d.amount for d in won)) / len(won)
    cycle = Decimal(sum(days)) / len(days)
    per_day = (len(open_now) * rate * average / cycle).quantize(Decimal(1))
    shown = text_of(slack.command("report velocity pipeline Renewals this month"))
    assert "pipeline velocity in Renewals" in shown and f"{_money(per_day)} a day" in shown, shown
    assert (
        f"• USD: {_deals(len(open_now))} open × {rate:.0%} won × {_money(average)} average"
        f" ÷ {cycle:.0f} days to win" in shown
    ), shown


def _funnel_lines(pipeline: str) -> tuple[str, list[str]]:
    """The pipeline's funnel over November's deals: its head line and a line per open stage."""
    stages = OPEN[pipeline]
    deals = _of(pipeline)
    won = sum(1 for d in deals if d.outcome == "won")

    def reached(d: Story, i: int) -> bool:
        return d.outcome == "won" or max(stages.index(s) for s, _ in d.path if s in stages) >= i

    lines = []
    for i, stage in enumerate(stages):
        n = sum(reached(d, i) for d in deals)
        following = won if i == len(stages) - 1 else sum(reached(d, i + 1) for d in deals)
        stays = [
            b[1] - a[1] for d in deals for a, b in zip(d.path, d.path[1:], strict=False) if a[0] == stage
        ]
        how = (
            f"median {median(stays):.0f} day{'' if median(stays) == 1 else 's'} in it"
            if stays
            else "deals went past it without a stay in it"
            if following
            else "none has left it yet"
        )
        to_next = f"{following / n:.0%}" if n else "—"
        to_won = f"{won / n:.0%}" if n else "—"
        lines.append(f"• {stage}: {n} reached · {to_next} on to the next · {to_won} won · {how}")
    head = f"{_deals(len(deals))} added · {won} won ({won / len(deals):.0%})"
    return head, lines


def test_the_funnel_of_one_pipeline_goes_through_its_own_stages(slack: SlackHTTP) -> None:
    _tell(slack)
    shown = text_of(slack.command("report funnel pipeline Renewals this month"))
    head, lines = _funnel_lines("Renewals")
    assert "The team's funnel in Renewals" in shown and head in shown, shown
    for line in lines:
        assert line in shown, (line, shown)
    assert "Demo" not in shown, shown
    assert _uploaded(slack, "Funnel in Renewals")


def test_the_funnel_of_every_pipeline_is_shown_per_pipeline(slack: SlackHTTP) -> None:
    _tell(slack)
    shown = text_of(slack.command("report funnel this month"))
    assert "each through its own stages" in shown, shown
    at_sales, at_renewals = shown.index("*Sales*"), shown.index("*Renewals*")
    for pipeline, start, stop in (("Sales", at_sales, at_renewals), ("Renewals", at_renewals, len(shown))):
        part = shown[start:stop]
        head, lines = _funnel_lines(pipeline)
        assert head in part, (pipeline, part)
        for line in lines:
            assert line in part, (line, part)
    # One chart per pipeline, each named.
    assert _uploaded(slack, "Funnel in Sales") and _uploaded(slack, "Funnel in Renewals")


def _forecast_line(stage: str, deals: list[Story], label: str) -> str:
    amount = sum(d.amount for d in deals)
    weighted = Decimal(amount) * PROBABILITY[stage] / 100
    return (
        f"• {label}: {_deals(len(deals))} · {_money(amount)} · weighted {_money(weighted)}"
        f" at {PROBABILITY[stage]}%"
    )


def test_the_forecast_of_one_pipeline_and_of_every_pipeline_by_stage(slack: SlackHTTP) -> None:
    _tell(slack)
    expected = [d for d in DEALS if d.close and not d.outcome]
    shown = text_of(slack.command("report forecast pipeline Renewals this quarter"))
    mine = [d for d in expected if d.pipeline == "Renewals"]
    stage = mine[0].path[-1][0]
    assert "The team's forecast in Renewals" in shown, shown
    assert f"{_deals(len(mine))} · {_money(sum(d.amount for d in mine))}* expected to close" in shown, shown
    assert _forecast_line(stage, mine, stage) in shown, shown
    assert "Delta" not in shown and "Sales" not in shown, shown
    assert _uploaded(slack, "Forecast in USD · Renewals")

    # Every pipeline: the stages under their pipeline's name, never two pipelines' "Lead" as one.
    shown = text_of(slack.command("report forecast this quarter"))
    assert f"{_deals(len(expected))} · {_money(sum(d.amount for d in expected))}* expected" in shown, shown
    for d in expected:
        st = d.path[-1][0]
        assert _forecast_line(st, [d], f"{d.pipeline} · {st}") in shown, shown
    assert "All pipelines" in shown, shown


def test_customers_of_one_pipeline(slack: SlackHTTP) -> None:
    _tell(slack)
    slack.command("deal edit Acme renewal company=Acme")
    shown = text_of(slack.command("report customers pipeline Renewals this year"))
    assert "customers in Renewals" in shown, shown


def test_an_unknown_pipeline_is_named_with_the_pipelines_there_are(slack: SlackHTTP) -> None:
    _tell(slack)
    shown = text_of(slack.command("report won pipeline Upsell this month"))
    assert "“Upsell” is not one of your pipelines" in shown and "Sales, Renewals" in shown, shown
    assert "deals won" not in shown, shown
    # A name of several words, however it is written, up to the period; or in quotes.
    slack.command("pipelines add New business")
    shown = text_of(slack.command("report won pipeline new BUSINESS this month"))
    assert "The team's deals won in New business" in shown and "0 deals" in shown, shown
    shown = text_of(slack.command("report won pipeline “new business” this month"))
    assert "The team's deals won in New business" in shown, shown
    shown = text_of(slack.command("report won pipeline New biz this month"))
    assert "“New biz” is not one of your pipelines" in shown and "New business" in shown, shown
    # "pipeline velocity" is the measure, not a pipeline called Velocity.
    shown = text_of(slack.command("report pipeline velocity this month"))
    assert "not one of your pipelines" not in shown, shown


def test_reports_not_about_deals_of_a_pipeline_say_so(slack: SlackHTTP) -> None:
    _tell(slack)
    for measure in ("quota", "activity", "satisfaction"):
        shown = text_of(slack.command(f"report {measure} pipeline Renewals this month"))
        assert "not counted per pipeline" in shown, (measure, shown)


def test_the_help_of_the_report_verb_shows_the_pipeline(slack: SlackHTTP) -> None:
    shown = text_of(slack.command("help report"))
    assert "pipeline NAME" in shown and "report won pipeline Renewals this quarter" in shown, shown


def test_a_subscription_keeps_its_pipeline_even_renamed(slack: SlackHTTP) -> None:
    _tell(slack)
    leads = "<#C0LEADS01|sales-leads>"
    made = text_of(
        slack.command(f"report subscribe won {leads} weekly mon 08:30 this month pipeline Renewals")
    )
    assert "the team's deals won in Renewals (this month), weekly on Monday at 08:30" in made, made
    (sub,) = rows(slack, ReportSubscription)
    assert sub.pipeline_id is not None
    listed = text_of(slack.command("report subscriptions"))
    assert "deals won in Renewals" in listed, listed
    refused = text_of(slack.command(f"report subscribe won {leads} weekly mon pipeline Upsell"))
    assert "“Upsell” is not one of your pipelines" in refused, refused
    refused = text_of(slack.command(f"report subscribe quota {leads} weekly mon pipeline Renewals"))
    assert "not counted per pipeline" in refused, refused
    assert len(rows(slack, ReportSubscription)) == 1

    slack.command("pipelines rename Renewals to Upsell")
    won = [d for d in _of("Renewals") if d.outcome == "won"]
    run_at(slack, datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    (post,) = posts_to(slack, "C0LEADS01")
    text = text_of(post)
    assert "The team's deals won in Upsell" in text, text
    assert f"{_deals(len(won))} · {_money(sum(d.amount for d in won))}" in text, text
