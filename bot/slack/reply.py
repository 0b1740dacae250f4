"""From a Bolt request to a :class:`Ctx`, and from a :class:`Reply` back to Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.blocks.cards import problem
from bot.blocks.messages import describe
from bot.commands.registry import Ctx, Reply
from bot.db import is_unavailable, reason
from bot.services import DomainError, installs
from bot.slack.middleware import resolve_actor, team_of

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side and nothing was saved. Please try again in a moment."


def make_ctx(
    context: BoltContext, body: dict[str, Any], source: str, *, channel_id: str | None = None
) -> Ctx:
    services = context["services"]
    # An org-wide install's events name no team in their authorization: the body names the workspace.
    team_id = context.team_id or team_of(body) or ""
    user_id = context.user_id or ""
    actor = context.get("actor")
    if actor is None or actor.name == actor.slack_id:
        actor = resolve_actor(services, context.client, team_id, user_id)
        if context.enterprise_id and team_id:
            # Someone new: their workspace may be served by their Grid org's org-wide install.
            installs.seen_in_org(services.sessions, team_id, context.enterprise_id)
    raw_channel = body.get("channel")
    channel: dict[str, Any] = raw_channel if isinstance(raw_channel, dict) else {}
    return Ctx(
        services=services,
        actor=actor,
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id or context.channel_id or channel.get("id") or body.get("channel_id"),
        channel_name=body.get("channel_name") or channel.get("name"),
        client=context.client,
        source=source,
    )


def safely(ctx: Ctx | None, work: Callable[[], Reply]) -> Reply:
    """The reply of ``work``; an unexpected failure is logged in full and the person told in one line."""
    try:
        return work()
    except DomainError as exc:
        message, hint = describe(exc)
        return Reply(message, problem(message, hint))
    except Exception as exc:
        user = ctx.user_id if ctx else "?"
        if is_unavailable(exc):
            # An outage, not a bug: its traceback would say nothing new, once per request.
            log.warning("request failed (user %s): database unreachable: %s", user, reason(exc))
        else:
            log.exception("request failed (user %s)", user)
        return Reply(SORRY, problem(SORRY))


def respond_with(respond: Callable[..., Any], reply: Reply, *, share: bool, replace: bool = False) -> None:
    kwargs: dict[str, Any] = {"text": reply.text[:3000], "blocks": reply.blocks_json()}
    if replace:
        kwargs["replace_original"] = True
    else:
        kwargs["response_type"] = "in_channel" if share else "ephemeral"
        kwargs["replace_original"] = False
    respond(**kwargs)
    run_after(reply)


def post_to_response_url(url: str, reply: Reply, *, replace: bool = True) -> None:
    WebhookClient(url, timeout=10).send(
        text=reply.text[:3000],
        blocks=reply.blocks_json(),
        replace_original=replace,
        response_type="ephemeral",
    )
    run_after(reply)


def post(
    client: WebClient,
    reply: Reply,
    *,
    channel: str,
    ephemeral_user: str | None = None,
    thread_ts: str | None = None,
) -> None:
    if ephemeral_user:
        client.chat_postEphemeral(
            channel=channel,
            user=ephemeral_user,
            text=reply.text[:3000],
            blocks=reply.blocks_json(),
            thread_ts=thread_ts,
        )
    else:
        client.chat_postMessage(
            channel=channel, text=reply.text[:3000], blocks=reply.blocks_json(), thread_ts=thread_ts
        )
    run_after(reply)


def run_after(reply: Reply) -> None:
    """The reply's extras, once it is posted; one failing extra never hides the others."""
    for extra in reply.after:
        try:
            extra()
        except Exception:
            log.exception("work after the reply failed")
