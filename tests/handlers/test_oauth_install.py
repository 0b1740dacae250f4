"""Installing the app into any workspace (OAuth mode), over the real protocol: the browser's install page
and OAuth redirect through the front door, Slack's side played by the fake (``oauth.v2.access``), each
workspace then served with its own bot token (requests and the scheduler's messages), token rotation,
an org-wide install on Enterprise Grid, and an uninstall: tokens gone at once, the CRM data after the
retention period. Both databases."""

from __future__ import annotations

import http.client
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot.clock import ManualClock
from bot.scheduler import Scheduler
from bot.scheduler.runner import still_installed, workspace_tokens
from bot.services import installs
from models import Delivery, Task, Workspace, slack_bots, slack_installations, slack_oauth_states
from tests.handlers.helpers import app_started
from tests.support.fakeslack import FakeSlack, token_of
from tests.support.slackhttp import ANN, BOB, Front, SlackHTTP, dm, event_callback

CARA = "U0CARA333"


@pytest.fixture
def oauth(fake: FakeSlack, front: Front, engine: Engine, clock: ManualClock) -> Iterator[SlackHTTP]:
    """The app in OAuth mode: no bot token of its own, the fake Slack's client id and secret."""
    with app_started(
        fake,
        front,
        engine,
        clock,
        bot_token=None,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        retention_days=30,
    ) as server:
        fake.add_user(CARA, "Cara Grid", tz="Europe/Berlin")
        yield server


@pytest.fixture
def oauth_in_euros(fake: FakeSlack, front: Front, engine: Engine, clock: ManualClock) -> Iterator[SlackHTTP]:
    """OAuth mode with the operator's defaults for new workspaces: Paris, euros."""
    with app_started(
        fake,
        front,
        engine,
        clock,
        bot_token=None,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        default_tz="Europe/Paris",
        default_currency="EUR",
    ) as server:
        yield server


def _state_cookie(page_headers: dict[str, str]) -> str:
    cookie = page_headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie
    return cookie.split(";")[0]


def open_install_page(slack: SlackHTTP) -> tuple[str, str]:
    """The install page as a browser gets it: its Add to Slack link's state, and the state cookie."""
    page = slack.get("/slack/install")
    assert page.status == 200, page
    assert "Add to Slack" in page.body
    link = re.search(r"href='(https://slack\.com/oauth/v2/authorize\?[^']+)'", page.body)
    assert link, page.body
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [slack.fake.client_id]
    assert "chat:write" in query["scope"][0].split(",") and "commands" in query["scope"][0].split(",")
    cookie = _state_cookie(page.headers or {})
    assert cookie == f"slack-app-oauth-state={query['state'][0]}"
    return query["state"][0], cookie


def install(slack: SlackHTTP, team_id: str | None, name: str, **grant: object) -> str:
    """A full install round trip; returns the bot token Slack issued."""
    state, cookie = open_install_page(slack)
    code = slack.fake.grant(team_id, name, **grant)  # type: ignore[arg-type]
    done = slack.get(f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie})
    assert done.status == 200, done.body
    assert "Installed in" in done.body and name in done.body
    issued = [t for t, g in slack.fake.grants.items() if g.team_name == name or g.enterprise_name == name]
    return issued[-1]


def bots(slack: SlackHTTP, team_id: str | None = None) -> list[dict[str, object]]:
    with slack.services.sessions() as s:
        query = select(slack_bots)
        if team_id is not None:
            query = query.where(slack_bots.c.team_id == team_id)
        return [dict(r._mapping) for r in s.execute(query)]


def rows(slack: SlackHTTP, table: object) -> int:
    with slack.services.sessions() as s:
        return len(s.execute(select(table)).all())  # type: ignore[call-overload]


def dm_reply_token(slack: SlackHTTP, text: str, *, user: str, team: str, **body: object) -> str | None:
    """Write to the bot from ``team``; the token its answer in the DM was posted with."""
    channel = f"D{user}"
    before = len(slack.fake.calls_to("chat.postMessage"))
    event = event_callback(dm(text, user=user, channel=channel), team=team)
    event.update(body)
    assert slack.send_event(event).status == 200
    answer = slack.fake.wait_for(
        lambda f: next(
            (c for c in f._unlocked("chat.postMessage")[before:] if c.params.get("channel") == channel), None
        ),
        timeout=10,
    )
    return token_of(answer)


def scheduler(slack: SlackHTTP, clock: ManualClock) -> Scheduler:
    settings = slack.services.settings
    client = WebClient(base_url=slack.fake.api_url, retry_handlers=[])
    return Scheduler(
        slack.services.sessions,
        client,
        clock,
        pace_seconds=0,
        workers=1,
        tokens=workspace_tokens(settings, slack.services.sessions, client),
        retention_days=settings.retention_days,
        still_installed=still_installed(settings, slack.services.sessions, client),
    )


# ---- the install ---------------------------------------------------------------------------------------


def test_install_round_trip_keeps_the_workspace_token_and_checks_the_state(oauth: SlackHTTP) -> None:
    token = install(oauth, "TACME", "Acme Sales")

    [bot] = bots(oauth, "TACME")
    assert bot["bot_token"] == token and bot["team_name"] == "Acme Sales"
    assert bot["client_id"] == oauth.fake.client_id
    [access] = oauth.fake.calls_to("oauth.v2.access")
    assert access.params["code"].startswith("code-")
    with oauth.services.sessions() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == "TACME"))
        assert ws is not None and ws.uninstalled_at is None and ws.name == "Acme Sales"
    assert rows(oauth, slack_oauth_states) == 0  # the state was used up

    # The same redirect again (a replayed link): its state is spent, nothing is installed twice.
    state, cookie = open_install_page(oauth)
    code = oauth.fake.grant("TOTHER", "Other")
    first = oauth.get(f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie})
    assert first.status == 200
    again = oauth.get(f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie})
    assert again.status == 401 and "already used or has expired" in again.body
    # A state this browser was never given (no cookie): refused before Slack is asked.
    state, _ = open_install_page(oauth)
    code = oauth.fake.grant("TEVIL", "Evil")
    stolen = oauth.get(f"/slack/oauth_redirect?code={code}&state={state}")
    assert stolen.status == 400 and "did not start the install" in stolen.body
    forged = oauth.get(
        f"/slack/oauth_redirect?code={code}&state=made-up",
        headers={"Cookie": "slack-app-oauth-state=made-up"},
    )
    assert forged.status == 401
    cancelled = oauth.get("/slack/oauth_redirect?error=access_denied&state=x")
    assert cancelled.status == 200 and "cancelled" in cancelled.body
    assert len(oauth.fake.calls_to("oauth.v2.access")) == 2
    assert bots(oauth, "TEVIL") == []


def test_the_install_pages_pass_the_front_door_only_as_a_browsers_get(oauth: SlackHTTP) -> None:
    # Slack's own requests stay signed: an unsigned POST to the events path is refused as before.
    assert oauth.post(b"{}", "application/json", signature="v0=" + "0" * 64).status == 401
    # The browser pages are GETs without a body; anything else is not served.
    assert oauth.post(b"x=1", "text/plain", path="/slack/install").status == 404
    assert oauth.get("/slack/oauth_redirect?" + "a" * 5000).status == 414
    conn = http.client.HTTPConnection("127.0.0.1", oauth.front.port, timeout=10)
    try:
        conn.request("GET", "/slack/install", body=b"state=x", headers={"Content-Type": "text/plain"})
        assert conn.getresponse().status == 400
    finally:
        conn.close()
    assert rows(oauth, slack_oauth_states) == 0  # none of these was given a state
    assert oauth.get("/slack/events").status == 404


def test_without_oauth_there_is_no_install_page(slack: SlackHTTP) -> None:
    assert slack.get("/slack/install").status == 404
    assert slack.get("/slack/oauth_redirect?code=x&state=y").status == 404


# ---- serving several workspaces --------------------------------------------------------------------------


def test_two_workspaces_are_served_with_their_own_tokens(oauth: SlackHTTP, clock: ManualClock) -> None:
    token_a = install(oauth, "TACME", "Acme Sales")
    token_b = install(oauth, "TBETA", "Beta Corp")
    assert token_a != token_b

    assert dm_reply_token(oauth, "help", user=ANN, team="TACME") == token_a
    assert dm_reply_token(oauth, "help", user=BOB, team="TBETA") == token_b
    # Each workspace's people and records are its own.
    ann = oauth.crm.actor("TACME", ANN)
    bob = oauth.crm.actor("TBETA", BOB)
    assert ann is not None and bob is not None and ann.workspace_id != bob.workspace_id

    # A reminder in each workspace goes out with that workspace's token.
    oauth.crm.create_task(ann, "Send Acme the pricing", due="2026-11-18T16:00")
    oauth.crm.create_task(bob, "Call Beta back", due="2026-11-18T16:00")
    oauth.fake.reset()
    sched = scheduler(oauth, clock)
    try:
        clock.advance(timedelta(hours=7))
        stats = sched.tick()
    finally:
        sched.stop()
    assert stats.sent == 2, stats
    posts = {c.params["channel"]: token_of(c) for c in oauth.fake.calls_to("chat.postMessage")}
    assert posts == {ANN: token_a, BOB: token_b}


def test_a_workspace_that_never_installed_gets_no_answer_with_another_ones_token(oauth: SlackHTTP) -> None:
    install(oauth, "TACME", "Acme Sales")
    oauth.fake.reset()
    resp = oauth.send_event(event_callback(dm("help", user=BOB, channel=f"D{BOB}"), team="TNOPE"))
    assert resp.status == 200
    oauth.settle()
    assert oauth.fake.calls_to("chat.postMessage") == []


def test_rotating_tokens_are_refreshed_for_requests_and_for_the_scheduler(
    oauth: SlackHTTP, clock: ManualClock
) -> None:
    # Expiring within Bolt's two-hour margin: the next use refreshes it.
    first = install(oauth, "TROT", "Rotating Co", rotating=True, expires_in=600)
    [bot] = bots(oauth, "TROT")
    assert bot["bot_refresh_token"] and bot["bot_token_expires_at"] is not None

    used = dm_reply_token(oauth, "help", user=ANN, team="TROT")
    assert used != first and used is not None and used.startswith("xoxe.xoxb-")
    refreshes = [
        c for c in oauth.fake.calls_to("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"
    ]
    assert len(refreshes) == 1
    [bot] = bots(oauth, "TROT")
    assert bot["bot_token"] == used  # saved: the next request starts from it

    ann = oauth.crm.actor("TROT", ANN)
    assert ann is not None
    oauth.crm.create_task(ann, "Renew the contract", due="2026-11-18T16:00")
    oauth.fake.reset()
    sched = scheduler(oauth, clock)
    try:
        clock.advance(timedelta(hours=7))
        assert sched.tick().sent == 1
    finally:
        sched.stop()
    [post] = oauth.fake.calls_to("chat.postMessage")
    [bot] = bots(oauth, "TROT")
    assert token_of(post) == bot["bot_token"] != used  # rotated again, as it was about to expire


def test_an_org_wide_install_serves_every_workspace_of_the_org(oauth: SlackHTTP, clock: ManualClock) -> None:
    token = install(
        oauth, None, "Grid Org", enterprise_id="E0GRID", enterprise_name="Grid Org", org_wide=True
    )
    [bot] = bots(oauth)
    assert bot["team_id"] is None and bot["enterprise_id"] == "E0GRID" and bot["is_enterprise_install"]

    # An event in one of the org's workspaces, as Slack sends it for an org-wide install.
    org = {
        "enterprise_id": "E0GRID",
        "is_enterprise_install": True,
        "authorizations": [
            {
                "enterprise_id": "E0GRID",
                "team_id": None,
                "user_id": "UBOT1",
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ],
    }
    assert dm_reply_token(oauth, "help", user=CARA, team="TGRID1", **org) == token
    cara = oauth.crm.actor("TGRID1", CARA)
    assert cara is not None
    with oauth.services.sessions() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == "TGRID1"))
        assert ws is not None and ws.enterprise_id == "E0GRID"

    oauth.crm.create_task(cara, "Grid follow-up", due="2026-11-18T16:00")
    oauth.fake.reset()
    sched = scheduler(oauth, clock)
    try:
        clock.advance(timedelta(hours=7))
        assert sched.tick().sent == 1
    finally:
        sched.stop()
    [post] = oauth.fake.calls_to("chat.postMessage")
    assert token_of(post) == token

    # The org uninstalls: its token goes, and every workspace of the org starts its retention.
    uninstall = event_callback({"type": "app_uninstalled"}, team="TGRID1")
    uninstall.update(org)
    assert oauth.send_event(uninstall).status == 200
    assert bots(oauth) == []
    with oauth.services.sessions() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == "TGRID1"))
        assert ws is not None and ws.uninstalled_at is not None


def _org_body(team: str) -> dict[str, object]:
    return {
        "enterprise_id": "E0GRID",
        "is_enterprise_install": True,
        "authorizations": [
            {
                "enterprise_id": "E0GRID",
                "team_id": None,
                "user_id": "UBOT1",
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ],
    }


def test_a_workspace_taken_out_of_an_org_wide_install_is_purged_after_the_retention(
    oauth: SlackHTTP, clock: ManualClock
) -> None:
    token = install(
        oauth, None, "Grid Org", enterprise_id="E0GRID", enterprise_name="Grid Org", org_wide=True
    )
    assert dm_reply_token(oauth, "help", user=CARA, team="TGRID1", **_org_body("TGRID1")) == token
    assert dm_reply_token(oauth, "help", user=BOB, team="TGRID2", **_org_body("TGRID2")) == token
    assert dm_reply_token(oauth, "help", user=ANN, team="TGRID3", **_org_body("TGRID3")) == token
    cara, bob = oauth.crm.actor("TGRID1", CARA), oauth.crm.actor("TGRID2", BOB)
    assert cara is not None and bob is not None
    oauth.crm.create_task(cara, "Grid follow-up", due="2026-11-18T16:00")
    oauth.crm.create_task(bob, "Second workspace follow-up", due="2026-11-18T16:00")

    # The org admin removes the app from TGRID2 only: the org's token stays for TGRID1.
    # (and from TGRID3, which is given it back later without the bot being told).
    revoked = event_callback({"type": "team_access_revoked", "team_ids": ["TGRID2", "TGRID3"]}, team="TGRID1")
    revoked.update(_org_body("TGRID1"))
    assert oauth.send_event(revoked).status == 200
    assert len(bots(oauth)) == 1

    oauth.fake.reset()
    oauth.fake.org_teams["E0GRID"] = ["TGRID1", "TGRID3"]
    sched = scheduler(oauth, clock)
    try:
        clock.advance(timedelta(hours=7))
        sched.tick()
        posts = [c.params["channel"] for c in oauth.fake.calls_to("chat.postMessage")]
        assert posts == [CARA]
        clock.advance(timedelta(days=31))
        sched.tick()
    finally:
        sched.stop()
    assert installs.count_rows(oauth.services.sessions, "TGRID2") == 0
    assert oauth.crm.actor("TGRID1", CARA) is not None
    # Slack says the org's install reaches TGRID3 again: its data stays, and it is served again.
    assert oauth.crm.actor("TGRID3", ANN) is not None
    with oauth.services.sessions() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == "TGRID3"))
        assert ws is not None and ws.uninstalled_at is None


# ---- leaving ---------------------------------------------------------------------------------------------


def test_uninstall_deletes_the_tokens_and_purges_the_data_after_the_retention(
    oauth: SlackHTTP, clock: ManualClock
) -> None:
    install(oauth, "TACME", "Acme Sales")
    token_b = install(oauth, "TBETA", "Beta Corp")
    dm_reply_token(oauth, "help", user=ANN, team="TACME")
    dm_reply_token(oauth, "help", user=BOB, team="TBETA")
    ann = oauth.crm.actor("TACME", ANN)
    bob = oauth.crm.actor("TBETA", BOB)
    assert ann is not None and bob is not None
    oauth.crm.create_contact(ann, "Jane Doe", email="jane@acme.com", company="Acme")
    oauth.crm.create_task(ann, "Send Acme the pricing", due="2026-11-18T16:00")
    oauth.crm.create_task(bob, "Call Beta back", due="2026-11-18T16:00")
    with oauth.services.sessions.begin() as s:  # an install page opened weeks ago, never come back from
        s.execute(
            slack_oauth_states.insert().values(state="abandoned", expire_at=datetime(2026, 11, 1, 12, 0))
        )

    resp = oauth.send_event(event_callback({"type": "app_uninstalled"}, team="TACME"))
    assert resp.status == 200
    assert bots(oauth, "TACME") == [] and bots(oauth, "TBETA") != []
    with oauth.services.sessions() as s:
        assert (
            s.scalar(select(slack_installations.c.id).where(slack_installations.c.team_id == "TACME")) is None
        )
    acme_rows = installs.count_rows(oauth.services.sessions, "TACME")
    assert acme_rows > 5  # the CRM data is kept for now

    # Nothing goes to the uninstalled workspace; the other one is served as before.
    oauth.fake.reset()
    sched = scheduler(oauth, clock)
    try:
        clock.advance(timedelta(hours=7))
        stats = sched.tick()
        assert stats.sent == 1 and stats.failed == 1
        [post] = oauth.fake.calls_to("chat.postMessage")
        assert post.params["channel"] == BOB and token_of(post) == token_b
        with oauth.services.sessions() as s:
            failed = s.scalar(select(Delivery).where(Delivery.state == "failed"))
            assert failed is not None and failed.last_error == "permanent: not_installed"

        clock.advance(timedelta(days=29))
        sched.tick()
        assert installs.count_rows(oauth.services.sessions, "TACME") >= acme_rows
        assert oauth.crm.find_contacts(ann, "Jane Doe")
        clock.advance(timedelta(days=1, hours=1))
        sched.tick()
    finally:
        sched.stop()
    assert installs.count_rows(oauth.services.sessions, "TACME") == 0
    with oauth.services.sessions() as s:  # the abandoned install's state went with the hourly purge
        assert (
            s.scalar(select(slack_oauth_states.c.id).where(slack_oauth_states.c.state == "abandoned")) is None
        )
    with oauth.services.sessions() as s:
        assert s.scalar(select(Workspace.id).where(Workspace.team_id == "TACME")) is None
        assert [t.title for t in s.scalars(select(Task))] == ["Call Beta back"]
    assert installs.count_rows(oauth.services.sessions, "TBETA") > 0


def test_installing_again_within_the_retention_keeps_the_data(oauth: SlackHTTP, clock: ManualClock) -> None:
    install(oauth, "TACME", "Acme Sales")
    dm_reply_token(oauth, "help", user=ANN, team="TACME")
    oauth.send_event(event_callback({"type": "app_uninstalled"}, team="TACME"))
    token = install(oauth, "TACME", "Acme Sales")
    with oauth.services.sessions() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == "TACME"))
        assert ws is not None and ws.uninstalled_at is None
    assert oauth.crm.actor("TACME", ANN) is not None
    assert dm_reply_token(oauth, "help", user=ANN, team="TACME") == token


def test_a_revoked_bot_token_is_deleted(oauth: SlackHTTP) -> None:
    install(oauth, "TACME", "Acme Sales")
    event = event_callback(
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT1"]}}, team="TACME"
    )
    assert oauth.send_event(event).status == 200
    assert bots(oauth, "TACME") == []


# ---- the single-token setup ------------------------------------------------------------------------------


def test_single_token_setup_purges_after_an_uninstall_unless_the_token_works_again(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    """One workspace, one SLACK_BOT_TOKEN: an uninstall starts the same retention clock. Reinstalling
    from the app's settings page never passes the install page, so before purging the scheduler asks
    Slack whether the token still gets in."""
    slack.dm("help")  # T1, Ann
    settings = replace(slack.services.settings, retention_days=7)
    client = WebClient(token="xoxb-test", base_url=slack.fake.api_url, retry_handlers=[])

    def sched() -> Scheduler:
        return Scheduler(
            slack.services.sessions,
            client,
            clock,
            pace_seconds=0,
            workers=1,
            tokens=workspace_tokens(settings, slack.services.sessions, client),
            retention_days=settings.retention_days,
            still_installed=still_installed(settings, slack.services.sessions, client),
        )

    assert slack.send_event(event_callback({"type": "app_uninstalled"}, team="T1")).status == 200
    clock.advance(timedelta(days=8))
    s = sched()
    try:
        s.tick()  # the token works in T1 again: installed again, kept
    finally:
        s.stop()
    assert slack.crm.actor("T1", ANN) is not None
    with slack.services.sessions() as session:
        ws = session.scalar(select(Workspace).where(Workspace.team_id == "T1"))
        assert ws is not None and ws.uninstalled_at is None

    slack.send_event(event_callback({"type": "app_uninstalled"}, team="T1"))
    slack.fake.revoke("xoxb-test")
    clock.advance(timedelta(days=8))
    s = sched()
    try:
        s.tick()
    finally:
        s.stop()
    assert installs.count_rows(slack.services.sessions, "T1") == 0


def test_no_secret_or_token_reaches_the_log(oauth: SlackHTTP, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = install(oauth, "TACME", "Acme Sales")
    dm_reply_token(oauth, "help", user=ANN, team="TACME")
    oauth.send_event(event_callback({"type": "app_uninstalled"}, team="TACME"))
    text = caplog.text
    assert "installed in workspace TACME" in text
    assert oauth.fake.client_secret not in text
    assert token not in text


def test_a_workspace_made_by_its_install_takes_the_operators_zone_and_currency(
    oauth_in_euros: SlackHTTP,
) -> None:
    install(oauth_in_euros, "TACME", "Acme Sales")
    with oauth_in_euros.services.sessions() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == "TACME"))
        assert ws is not None and (ws.default_tz, ws.default_currency) == ("Europe/Paris", "EUR")
