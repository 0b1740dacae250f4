"""``/crm`` over signed HTTP: every command family, help, sharing, people and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.commands.registry import Ctx, Reply, command, unregister
from models import AuditEvent, Company, Contact, Deal, Interaction, PipelineStage, Task, User
from tests.handlers.helpers import count, rows
from tests.support.fakeslack import Fault
from tests.support.slackhttp import ANN, BOB, SlackHTTP, buttons, text_of

CAT = "U0CAT3333"


def test_help_is_built_from_the_commands_with_examples(slack: SlackHTTP) -> None:
    reply = slack.command("help")
    text = text_of(reply)
    for usage in (
        "contact add",
        "contact find",
        "contact show",
        "contact edit",
        "log call",
        "deal add",
        "deal move",
        "deals [mine",
        "task add",
        "task done",
        "tasks [today",
        "pipeline",
        "undo",
    ):
        assert f"/crm {usage}" in text, usage
    assert "e.g." in text and "/crm deal move Acme renewal to proposal" in text
    assert reply.params["response_type"] == "ephemeral"
    # An empty /crm is help too, and `help deals` narrows it.
    assert "/crm contact add" in text_of(slack.command(""))
    narrowed = text_of(slack.command("help deals"))
    assert "/crm deal move" in narrowed and "/crm contact add" not in narrowed


def test_contacts_add_find_show_edit(slack: SlackHTTP) -> None:
    added = slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    assert "Added contact *Jane Doe*" in text_of(added) and "Acme Corp" in text_of(added)
    assert [b["label"] for b in buttons(added)] == ["Undo", "Edit", "Log a call"]
    (jane,) = rows(slack, Contact)
    assert (jane.name, jane.email) == ("Jane Doe", "jane@acme.com")
    assert rows(slack, Company)[0].name == "Acme Corp"

    found = text_of(slack.command("contact find jnae doe"))  # a typo still finds her
    assert "Jane Doe" in found and "jane@acme.com" in found

    slack.command("log call with Jane Doe: walked through pricing")
    shown = text_of(slack.command("contact show Jane Doe"))
    assert "Recent interactions" in shown and "walked through pricing" in shown and "Open tasks" in shown

    edited = slack.command('contact edit Jane Doe title="VP Sales" lifecycle=customer')
    assert "title: — → VP Sales" in text_of(edited)
    jane = rows(slack, Contact)[0]
    assert (jane.title, jane.lifecycle) == ("VP Sales", "customer")
    moved = text_of(slack.command("contact edit Jane Doe company=Globex"))
    assert "company → Globex" in moved


def test_log_interaction_on_contact_and_company(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    logged = slack.command("log call with Jane Doe: discussed pricing for the Q1 rollout")
    assert "Logged a call with *Jane Doe* at *Acme Corp*" in text_of(logged)
    assert "Add follow-up" in [b["label"] for b in buttons(logged)]
    slack.command("note on Acme Corp: budget freeze until January")
    slack.command("deal add Acme renewal 50k")
    on_deal = slack.command("log meeting on deal Acme renewal: kickoff")
    assert "Logged a meeting with *Acme renewal*" in text_of(on_deal)
    kinds = sorted((i.kind, i.summary, i.deal_id is not None) for i in rows(slack, Interaction))
    assert kinds == [
        ("call", "discussed pricing for the Q1 rollout", False),
        ("meeting", "kickoff", True),
        ("note", "budget freeze until January", False),
    ]


def test_deals_add_move_amount_close_show_list(slack: SlackHTTP) -> None:
    added = slack.command("deal add Acme renewal $50k closing Dec 15")
    assert "Added deal *Acme renewal* · Lead · $50,000 · closes Tue 15 Dec 2026" in text_of(added)
    assert "Move to qualified" in [b["label"] for b in buttons(added)]

    moved = slack.command("deal move Acme renewal to proposal")
    assert "stage → *Proposal*" in text_of(moved)
    slack.command("deal amount Acme renewal 65k")
    changed = slack.command("deal close Acme renewal 2026-12-20")
    assert "close date: Tue 15 Dec 2026 → Sun 20 Dec 2026" in text_of(changed)
    (deal,) = rows(slack, Deal)
    assert (deal.amount, deal.close_date) == (Decimal("65000.00"), date(2026, 12, 20))

    shown = text_of(slack.command("deal show acme renewl"))
    assert "Proposal" in shown and "$65,000" in shown
    slack.command("deal add Globex platform 1.2M stage demo")
    mine = text_of(slack.command("deals mine"))
    assert "Acme renewal" in mine and "Globex platform" in mine
    by_stage = text_of(slack.command("deals demo"))
    assert "Globex platform" in by_stage and "Acme renewal" not in by_stage


def test_tasks_for_me_and_a_teammate_read_in_my_time_zone(slack: SlackHTTP) -> None:
    made = slack.command("task add call Jane tomorrow 3pm")
    assert "Task *call Jane* for you · due Thu 19 Nov 2026 15:00" in text_of(made)
    (task,) = rows(slack, Task)
    # Ann is in New York: 15:00 there is 20:00 UTC.
    assert task.due_at.replace(tzinfo=UTC) == datetime(2026, 11, 19, 20, 0, tzinfo=UTC)

    # Bob has never talked to the bot: he is looked up in Slack and stored with his zone.
    theirs = slack.command(f"<@{BOB}> send the contract to Globex by Friday")
    assert f"for <@{BOB}>" in text_of(theirs)
    bob = rows(slack, User, User.slack_id == BOB)[0]
    assert (bob.name, bob.tz) == ("Bob Rep", "Europe/Paris")

    listed = slack.command("tasks")
    assert "call Jane" in text_of(listed) and "send the contract" not in text_of(listed)
    assert "Nothing" in text_of(slack.command("tasks overdue")) or "nothing open" in text_of(
        slack.command("tasks overdue")
    )
    assert "call Jane" in text_of(slack.command("tasks week"))
    bobs = text_of(slack.command(f"tasks week <@{BOB}|bob>"))
    assert f"<@{BOB}>'s tasks for the coming 7 days" in bobs and "send the contract to Globex" in bobs

    done = slack.command("task done call jane")
    assert "Done: *call Jane*" in text_of(done)
    assert rows(slack, Task, Task.title == "call Jane")[0].done_at is not None


def test_pipeline_for_me_and_the_team(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $50k stage proposal")
    slack.command("deal add Initech pilot $20k", user=BOB)
    team = slack.command("pipeline")
    text = text_of(team)
    assert "Proposal" in text and "$50,000" in text and "Open: 2 deals · $70,000" in text
    assert f"<@{ANN}>" in text and f"<@{BOB}>" in text
    mine = text_of(slack.command("my pipeline"))
    assert "Your pipeline" in mine and "Open: 1 deal · $50,000" in mine


def test_share_posts_in_the_channel(slack: SlackHTTP) -> None:
    assert slack.command("pipeline share").params["response_type"] == "in_channel"
    assert slack.command("pipeline in channel").params["response_type"] == "in_channel"
    assert slack.command("pipeline").params["response_type"] == "ephemeral"
    # "share" that is part of what was said is not the flag.
    task = slack.command("share the deck with Jane by Friday")
    assert task.params["response_type"] == "ephemeral"
    assert rows(slack, Task)[0].title == "share the deck with Jane"


def test_first_seen_person_is_stored_with_name_and_time_zone(slack: SlackHTTP) -> None:
    slack.fake.add_user(CAT, "Cat Tanaka", tz="Asia/Tokyo", email="cat@example.com")
    slack.command("help", user=CAT)
    slack.command("help", user=CAT)
    (cat,) = rows(slack, User, User.slack_id == CAT)
    assert (cat.name, cat.tz, cat.email) == ("Cat Tanaka", "Asia/Tokyo", "cat@example.com")
    assert [c.params["user"] for c in slack.fake.calls_to("users.info")].count(CAT) == 1
    # Her "tomorrow 9am" is Tokyo's: it is already Thursday there, so Friday 09:00 JST.
    slack.command("task add call Jane tomorrow 9am", user=CAT)
    (task,) = rows(slack, Task)
    assert task.due_at.replace(tzinfo=UTC) == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def test_bad_input_gets_the_right_form_and_writes_nothing(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann exists; everything below must leave no record behind
    before = count(slack, AuditEvent)

    unknown = text_of(slack.command("frobnicate the widgets"))
    assert "not sure what to do" in unknown and "/crm help" in unknown
    subcommand = text_of(slack.command("contact frob Jane"))
    assert "don't know how to do “contact frob Jane”" in subcommand and "/crm contact add NAME" in subcommand
    missing = text_of(slack.command("contact add"))
    assert "needs more" in missing and "/crm contact add NAME" in missing
    email = text_of(slack.command("contact add Bob Stone bob@bad"))
    assert "“bob@bad” is not an email address" in email and "/crm contact add" in email
    amount = text_of(slack.command("deal amount Acme renewal 5x"))
    assert "amount" in amount and "/crm deal amount DEAL AMOUNT" in amount
    when = text_of(slack.command("deal close Acme renewal someday"))
    assert "close date" in when and "2026-12-15" in when
    bad_day = text_of(slack.command("task add call Jane by 2026-13-45"))
    assert "“2026-13-45” is not a date" in bad_day and "/crm task add" in bad_day
    bad_money = text_of(slack.command("deal add Acme renewal $5x0k"))
    assert "“$5x0k” is not an amount" in bad_money and "/crm deal add" in bad_money
    nobody = slack.command("log call with Zed Nobody: hello")
    assert "matching “Zed Nobody”" in text_of(nobody)
    assert "Create contact “Zed Nobody”" in [b["label"] for b in buttons(nobody)]
    stage = text_of(slack.command("deal add Acme renewal 50k stage sideways"))
    assert "“sideways” is not a pipeline stage" in stage and "/crm deal add" in stage

    assert count(slack, Contact) == count(slack, Deal) == count(slack, Interaction) == count(slack, Task) == 0
    assert count(slack, AuditEvent) == before
    assert count(slack, PipelineStage) == 7


def test_slack_trouble_is_survived(slack: SlackHTTP) -> None:
    # users.info down on first contact: the person is stored by id in the default zone, and looked
    # up again next time.
    slack.fake.add_user(CAT, "Cat Tanaka", tz="Asia/Tokyo")
    slack.fake.fail_next("users.info", Fault(200, {"ok": False, "error": "fatal_error"}))
    assert "What I can do" in text_of(slack.command("help", user=CAT))
    assert rows(slack, User, User.slack_id == CAT)[0].name == CAT
    slack.command("help", user=CAT)
    (cat,) = rows(slack, User, User.slack_id == CAT)
    assert (cat.name, cat.tz) == ("Cat Tanaka", "Asia/Tokyo")

    # A 429 from chat.postMessage is retried after Retry-After, and the reply still arrives once.
    slack.fake.fail_next(
        "chat.postMessage", Fault(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    )
    slack.dm("thanks!")
    posts = slack.fake.wait_calls("chat.postMessage", 2)
    assert len(posts) == 2 and posts[1].at - posts[0].at >= 0.9
    assert "welcome" in text_of(posts[1])


def test_slow_extras_run_after_the_reply_is_posted(slack: SlackHTTP) -> None:
    @command("zz chart", usage="zz chart", hidden=True)
    def chart(ctx: Ctx, args: str) -> Reply:
        """A reply with a slow extra."""
        assert ctx.client is not None
        client = ctx.client
        return Reply.say("figures", after=[lambda: client.chat_postMessage(channel="C-extra", text="chart")])

    try:
        reply = slack.command("zz chart")
        extra = slack.fake.wait_calls("chat.postMessage")[0]
        assert text_of(reply).startswith("figures") and extra.params["channel"] == "C-extra"
        assert reply.at < extra.at
    finally:
        unregister("zz chart")


def test_someone_elses_lists_name_them_with_a_working_mention(slack: SlackHTTP) -> None:
    slack.command(f"task add send contract for <@{BOB}|bob> by Friday")
    slack.command("deal add Globex pilot 12k", user=BOB)
    for text in (f"tasks <@{BOB}|bob>", f"deals <@{BOB}|bob>"):
        shown = text_of(slack.command(text))
        # Slack only renders an unescaped <@U…> as the person's name.
        assert f"<@{BOB}>'s" in shown and "&lt;@" not in shown, shown


def test_moving_a_deal_to_a_stage_that_does_not_exist_names_the_stages(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal 50k")
    before = count(slack, AuditEvent)
    shown = text_of(slack.command("deal move Acme renewal to finished"))
    assert "“finished” is not a pipeline stage" in shown and "negotiation" in shown, shown
    assert count(slack, AuditEvent) == before


def test_one_persons_pipeline_counts_one_deal_in_the_singular(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal 50k")
    shown = text_of(slack.command("pipeline mine"))
    assert "1 deal ·" in shown and "1 deals" not in shown and "0 deals" in shown, shown


def test_a_phone_number_the_parser_could_not_take_is_said_back_not_dropped(slack: SlackHTTP) -> None:
    shown = text_of(slack.command("contact add Tim Park 555-12 at Hooli"))
    assert "“555-12” is not a phone number" in shown and "/crm contact add NAME" in shown, shown
    assert count(slack, Contact) == 0
    # A well-formed number, and digits that belong to the company's name, are taken as they are.
    slack.command("contact add Tim Park +1 (415) 555-0100 at Studio 54")
    (tim,) = rows(slack, Contact)
    assert tim.phone == "+1 (415) 555-0100"


def test_a_problem_about_a_channel_names_it_with_a_working_reference(slack: SlackHTTP) -> None:
    slack.command("subscribe <#C0SALES01|sales> daily 09:00")
    again = text_of(slack.command("subscribe <#C0SALES01|sales> daily 09:00"))
    assert "<#C0SALES01> already gets the summary" in again and "&lt;#" not in again, again
    missing = text_of(slack.command("unsubscribe <#C0OTHER02|other>"))
    assert "<#C0OTHER02>" in missing and "&lt;#" not in missing, missing


def test_a_task_without_a_due_date_says_so_plainly(slack: SlackHTTP) -> None:
    added = text_of(slack.command("task add send the deck"))
    listed = text_of(slack.command("tasks"))
    for text in (added, listed):
        assert "no due date" in text and "due no due date" not in text, text


def test_a_value_the_parser_could_not_read_gets_the_same_form_and_example_as_help(slack: SlackHTTP) -> None:
    amount = text_of(slack.command("deal amount Acme renewal lots"))
    assert "The form is `/crm deal amount DEAL AMOUNT`, e.g. `/crm deal amount Acme renewal 65k`" in amount
    when = text_of(slack.command("deal close Acme renewal someday"))
    assert "The form is `/crm deal close DEAL DATE`, e.g. `/crm deal close Acme renewal 2026-12-15`" in when


def test_find_and_show_a_contact_by_email_as_help_says(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    found = text_of(slack.command("contact find jane@acme.com"))
    assert "not an email address" not in found and "Jane Doe" in found, found
    shown = text_of(slack.command("contact show jane@acme.com"))
    assert "not an email address" not in shown and "Jane Doe" in shown, shown


def test_help_on_an_unknown_topic_says_so_and_lists_the_topics(slack: SlackHTTP) -> None:
    reply = text_of(slack.command("help frobnicate"))
    assert "no help topic “frobnicate”" in reply
    for topic in ("contacts", "deals", "tasks", "pipeline"):
        assert topic in reply.lower()
    # and not the whole list, as if the topic had been understood
    assert "What I can do" not in reply


def test_the_full_help_cuts_no_topic_short(slack: SlackHTTP) -> None:
    reply = slack.command("help")
    sections = [b["text"]["text"] for b in reply.params["blocks"] if b.get("type") == "section"]
    assert all(len(t) < 3000 and t.count("`") % 2 == 0 for t in sections), [len(t) for t in sections]
    whole = text_of(reply)
    for form in ("stages remove", "stages rename", "stages set", "webhooks"):
        assert f"/crm {form}" in whole, form
    assert len(reply.params["blocks"]) <= 50


def test_subscriptions_from_another_channel_lists_the_workspaces_with_their_channels(
    slack: SlackHTTP,
) -> None:
    slack.command("subscribe <#C0SALES01|sales> daily 09:00", channel="C0GENERAL1")
    listed = text_of(slack.command("subscriptions", channel="C0GENERAL1"))
    assert "<#C0SALES01>" in listed and "daily at 09:00" in listed, listed
    assert "No pipeline summaries in this channel" in listed and "this workspace" in listed, listed
    here = text_of(slack.command("subscriptions", channel="C0SALES01"))
    assert "Pipeline summaries in <#C0SALES01>" in here, here
