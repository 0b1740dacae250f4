"""The intent modal's submission: checked in the ack (errors shown in the modal), written after it."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks import ids, modals
from bot.commands.registry import Ctx, Reply
from bot.intents import execute, guarded, interaction_written
from bot.services.edits import UNSET, edit_interaction, edit_task
from bot.slack.dedupe import claim
from bot.slack.reply import make_ctx, post, post_to_response_url, safely


def _read(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    slots, errors = modals.read(meta["i"], values)
    # A record given by id and left as it was keeps its id (a name could match someone else).
    for slot, label in (meta.get("l") or {}).items():
        if slots.get(slot) == label and (meta.get("r") or {}).get(slot) is not None:
            slots[slot] = meta["r"][slot]
    return meta, slots, errors


def check(ack: Ack, view: dict[str, Any]) -> None:
    _, _, errors = _read(view)
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def submit(view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    meta, slots, errors = _read(view)
    if errors:
        return
    services = context["services"]
    if not claim(services.sessions, f"view:{view.get('id')}", services.now()):
        return
    ctx = make_ctx(context, body, "view", channel_id=meta.get("ch"))
    reply = safely(ctx, lambda: apply(ctx, meta, slots))
    if meta.get("ru"):
        post_to_response_url(meta["ru"], reply, replace=True)
    else:
        post(context.client, reply, channel=ctx.user_id)


def apply(ctx: Ctx, meta: dict[str, Any], slots: dict[str, Any]) -> Reply:
    intent = meta["i"]
    record = meta.get("ids") or {}
    if meta.get("m") == "edit" and intent == "log_interaction" and record.get("interaction"):
        follow_up = slots.get("follow_up") or {}
        return guarded(
            ctx,
            lambda: interaction_written(
                ctx,
                edit_interaction(
                    ctx.crm,
                    ctx.actor,
                    int(record["interaction"]),
                    task_id=record.get("task"),
                    kind=slots.get("kind"),
                    summary=slots.get("summary") or "",
                    contact=slots.get("contact"),
                    company=slots.get("company"),
                    occurred_at=slots.get("occurred_at") or UNSET,
                    follow_up=follow_up,
                ),
                "Updated",
            ),
        )
    if meta.get("m") == "edit" and intent == "create_task" and record.get("task"):

        def change_task() -> Reply:
            w = edit_task(
                ctx.crm,
                ctx.actor,
                int(record["task"]),
                title=slots.get("title"),
                due=slots.get("due"),
                assignee=slots.get("assignee"),
            )
            from bot.blocks import cards
            from bot.blocks.common import due_text, esc, user

            t = w.task
            assert t is not None
            return Reply(
                f"Updated task {t.title}",
                cards.written(
                    f"☐ Updated task *{esc(t.title)}* for {user(t.assignee_slack_id)} · due "
                    f"{due_text(t.due_date, t.due_at, ctx.tz)}",
                    [],
                    op_id=w.op_id,
                    next_steps=[cards.task_done_button(t)],
                ),
            )

        return guarded(ctx, change_task)
    return execute(ctx, {"intent": intent, "slots": slots}, confirmed=True)


def register(app: App) -> None:
    app.view(ids.INTENT_MODAL)(ack=check, lazy=[submit])
