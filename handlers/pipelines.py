"""The team's own pipelines: ``/crm stages`` (list, add, rename, move, set, remove), ``/crm pipelines``
(list, add, rename, remove), ``/crm deal pipeline`` (a deal into another pipeline), ``/crm company lifecycle``; the
buttons that say where a removed stage's or pipeline's deals go, and the stage form."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks import ids
from bot.blocks import stages as cards
from bot.blocks.common import esc, unpack
from bot.commands.registry import Ctx, Reply, command
from bot.services.errors import Invalid, StageHasDeals
from bot.services.pipelines import probability
from bot.slack.dedupe import claim
from bot.slack.reply import make_ctx, post, post_to_response_url, respond_with, safely

GROUP = "Pipeline"
_OPTION = re.compile(r"\b(probability|chance|outcome|pipeline|before|after)\s*=\s*(\S+)", re.I)
# The whole number as written, sign and decimals too: "-10%" read as 10% would write what was not said.
_PERCENT = re.compile(r"\s*(?:at\s+)?(?<![\w.-])(-?\d+(?:[.,]\d+)?)\s*%")
_OUTCOME = re.compile(r"\s+(?:as\s+)?(closed[- ]won|closed[- ]lost|won|lost|open)\s*$", re.I)
_IN = re.compile(r"\s+in\s+(?:the\s+)?(.+?)(?:\s+pipeline)?\s*$", re.I)
_PLACE = re.compile(r"\s+(before|after)\s+(.+)$", re.I)


def _reply(text: str, blocks: list[Any]) -> Reply:
    return Reply(text, blocks)


def _options(args: str) -> tuple[str, dict[str, str]]:
    """``key=value`` options, a ``N%`` and a trailing won/lost/open, taken out of the words."""
    found: dict[str, str] = {}
    for m in _OPTION.finditer(args):
        key = {"chance": "probability"}.get(m.group(1).lower(), m.group(1).lower())
        found[key] = m.group(2)
    rest = _OPTION.sub("", args)
    percent = _PERCENT.search(rest)
    if percent:
        found.setdefault("probability", percent.group(1))
        rest = rest[: percent.start()] + rest[percent.end() :]
    closed = _OUTCOME.search(" " + rest.strip())
    if closed:
        found.setdefault("outcome", closed.group(1))
        rest = (" " + rest.strip())[: closed.start()]
    return " ".join(rest.split()), found


@command(
    "stages",
    usage="stages",
    examples=["stages"],
    group=GROUP,
)
def stages(ctx: Ctx, args: str) -> Reply:
    """Your pipelines' stages, in order, with their win probability, outcome and deals (and a form to change them)."""
    return _reply(*cards.stages_list(ctx.crm.pipelines(ctx.actor)))


@command(
    "stages add",
    usage="stages add NAME [before STAGE] [N%] [won|lost] [in PIPELINE]",
    examples=["stages add Security review before negotiation 50%", "stages add Churned lost in Renewals"],
    group=GROUP,
)
def stages_add(ctx: Ctx, args: str) -> Reply:
    """Add a stage to a pipeline (managers and admins): open ones go before the closed stages unless placed."""
    rest, found = _options(args)
    m = _IN.search(rest)
    if m and "pipeline" not in found:
        found["pipeline"], rest = m.group(1), rest[: m.start()]
    m = _PLACE.search(rest)
    if m and "before" not in found and "after" not in found:
        found[m.group(1).lower()], rest = m.group(2), rest[: m.start()]
    if not rest.strip():
        raise Invalid("stage.name.missing", field="name")
    if found.get("after"):
        raise Invalid("stage.add.after", field="before", value=found["after"])
    w = ctx.crm.add_stage(
        ctx.actor,
        rest,
        pipeline=found.get("pipeline"),
        before=found.get("before"),
        chance=found.get("probability"),
        closed=found.get("outcome"),
    )
    return _reply(*cards.stage_written("Added", w))


@command(
    "stages rename",
    usage="stages rename STAGE to NEW NAME",
    examples=["stages rename Demo to Evaluation"],
    group=GROUP,
)
def stages_rename(ctx: Ctx, args: str) -> Reply:
    """Rename a stage (managers and admins); its deals stay in it."""
    m = re.match(r"^(.+?)\s+(?:to|as|->|→)\s+(.+)$", args.strip(), re.I)
    if not m:
        raise Invalid("stage.rename.form", field="name", value=args.strip())
    w = ctx.crm.change_stage(ctx.actor, m.group(1), name=m.group(2))
    return _reply(*cards.stage_written("Renamed", w))


@command(
    "stages move",
    usage="stages move STAGE before|after STAGE",
    examples=["stages move Proposal before Demo"],
    group=GROUP,
)
def stages_move(ctx: Ctx, args: str) -> Reply:
    """Put a stage before or after another of its pipeline (managers and admins)."""
    m = re.match(r"^(.+?)\s+(before|after)\s+(.+)$", args.strip(), re.I)
    if not m:
        raise Invalid("stage.move.form", field="stage", value=args.strip())
    place = {m.group(2).lower(): m.group(3)}
    w = ctx.crm.change_stage(ctx.actor, m.group(1), **place)
    return _reply(*cards.stage_written("Moved", w))


@command(
    "stages set",
    usage="stages set STAGE [N%] [won|lost|open]",
    examples=["stages set Demo 30%", "stages set Churned lost", "stages set Negotiation probability=75"],
    group=GROUP,
)
def stages_set(ctx: Ctx, args: str) -> Reply:
    """Set a stage's win probability or whether it is open, closed-won or closed-lost (managers and admins)."""
    rest, found = _options(args)
    if not rest:
        raise Invalid("stage.edit.empty", field="stage")
    w = ctx.crm.change_stage(ctx.actor, rest, chance=found.get("probability"), closed=found.get("outcome"))
    return _reply(*cards.stage_written("Changed", w))


@command(
    "stages remove",
    usage="stages remove STAGE [to STAGE]",
    examples=["stages remove Demo", "stages remove Demo to Proposal"],
    group=GROUP,
    aliases=["stages delete"],
)
def stages_remove(ctx: Ctx, args: str) -> Reply:
    """Remove a stage (managers and admins); if it holds deals you choose where they go, and Undo brings it back."""
    return remove(ctx, *_and_where_to(args))


def _and_where_to(args: str) -> tuple[str, str | None]:
    """ "Demo", "Demo to Proposal", "Renewals and move its deals to negotiation": what, and where its deals go."""
    m = re.match(
        r"^(.+?)\s+(?:and\s+)?(?:move\s+(?:its\s+|the\s+)?deals\s+)?(?:to|into)\s+(.+)$", args.strip(), re.I
    )
    return (m.group(1), m.group(2)) if m else (args.strip(), None)


def remove(ctx: Ctx, stage: str, move_to: str | None) -> Reply:
    if not stage:
        raise Invalid("stage.name.missing", field="name")
    try:
        w = ctx.crm.remove_stage(ctx.actor, stage, move_to=move_to)
    except StageHasDeals as asked:
        return _reply(*cards.where_to(asked.data["stage"], asked.ref, asked.data["count"], asked.choices))
    return _reply(*cards.stage_written("Removed", w))


@command("pipelines", usage="pipelines", examples=["pipelines"], group=GROUP)
def pipelines(ctx: Ctx, args: str) -> Reply:
    """Your pipelines (e.g. new business and renewals) and their stages."""
    return stages(ctx, args)


@command(
    "pipelines add",
    usage="pipelines add NAME [renewal]",
    examples=["pipelines add Renewals renewal", "pipelines add Partnerships"],
    group=GROUP,
)
def pipelines_add(ctx: Ctx, args: str) -> Reply:
    """Add a pipeline with the usual stages to rename (managers and admins); `renewal`: a deal won there makes its contact and company loyal."""
    name = args.strip()
    renewal = bool(re.search(r"\s+(?:as\s+(?:a\s+)?)?renewals?(?:\s+pipeline)?$", " " + name, re.I))
    if renewal and len(name.split()) > 1:
        # "Renewals renewal": the last word says what it is for; "Renewals" alone is its name too.
        name = re.sub(r"\s+(?:as\s+(?:a\s+)?)?renewals?(?:\s+pipeline)?$", "", name, flags=re.I)
    if not name:
        raise Invalid("pipeline.name.missing", field="name")
    return _reply(*cards.pipeline_written(ctx.crm.add_pipeline(ctx.actor, name, renewal=renewal)))


@command(
    "pipelines rename",
    usage="pipelines rename PIPELINE to NEW NAME",
    examples=["pipelines rename Renewals to Upsell"],
    group=GROUP,
)
def pipelines_rename(ctx: Ctx, args: str) -> Reply:
    """Rename a pipeline (managers and admins); its stages and deals stay, typed as `newname:stage`."""
    m = re.match(r"^(.+?)\s+(?:to|as|->|→)\s+(.+)$", args.strip(), re.I)
    if not m:
        raise Invalid("pipeline.rename.form", field="name", value=args.strip())
    return _reply(*cards.pipeline_changed(ctx.crm.rename_pipeline(ctx.actor, m.group(1), m.group(2))))


@command(
    "pipelines remove",
    usage="pipelines remove PIPELINE [to STAGE]",
    examples=["pipelines remove Renewals", "pipelines remove Renewals to negotiation"],
    group=GROUP,
    aliases=["pipelines delete"],
)
def pipelines_remove(ctx: Ctx, args: str) -> Reply:
    """Remove a pipeline and its stages (managers and admins); you choose another pipeline's stage for its deals, and Undo brings it all back."""
    return remove_pipeline(ctx, *_and_where_to(args))


def remove_pipeline(ctx: Ctx, name: str, move_to: str | None) -> Reply:
    if not name:
        raise Invalid("pipeline.name.missing", field="name")
    try:
        w = ctx.crm.remove_pipeline(ctx.actor, name, move_to=move_to)
    except StageHasDeals as asked:
        return _reply(
            *cards.where_to(asked.data["stage"], asked.ref, asked.data["count"], asked.choices, pipeline=True)
        )
    return _reply(*cards.pipeline_changed(w))


@command(
    "deal pipeline",
    usage="deal pipeline DEAL to PIPELINE",
    examples=["deal pipeline Acme renewal to Renewals"],
    group="Deals",
)
def deal_pipeline(ctx: Ctx, args: str) -> Reply:
    """Move a deal into another pipeline: to its stage of the same name there, else to its first stage."""
    m = re.match(r"^(.+?)\s+(?:to|into)\s+(?:the\s+)?(.+?)(?:\s+pipeline)?$", args.strip(), re.I)
    if not m:
        raise Invalid("deal.pipeline.form", field="pipeline", value=args.strip())
    op_id, where = ctx.crm.move_deal_to_pipeline(ctx.actor, m.group(1), m.group(2))
    line = f"🪜 Moved *{esc(m.group(1))}* to {esc(where)}."
    from bot.blocks.cards import written

    return Reply(line.replace("*", ""), written(line, [], op_id=op_id))


@command(
    "company lifecycle",
    usage="company lifecycle COMPANY STAGE",
    examples=["company lifecycle Acme Corp advocate"],
    group="Companies",
)
def company_lifecycle(ctx: Ctx, args: str) -> Reply:
    """Set a company's lifecycle stage by hand (prospect, lead, customer, loyal, advocate)."""
    words = args.strip().rsplit(None, 1)
    if len(words) < 2:
        raise Invalid("company.lifecycle.form", field="lifecycle", value=args.strip())
    w = ctx.crm.update_company(ctx.actor, words[0], lifecycle=words[1])
    c = w.company
    assert c is not None
    from bot.blocks.cards import written

    line = f"🏢 *{esc(c.name)}* is now {esc(c.lifecycle)}."
    if not w.changed:
        line = f"🏢 *{esc(c.name)}* is already {esc(c.lifecycle)}."
    return Reply(line.replace("*", ""), written(line, [], op_id=w.op_id if w.changed else None))


# ---- buttons and the form ----------------------------------------------------------------------------


def ack_only(ack: Ack) -> None:
    ack()


def on_remove_to(
    body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """A stage chosen for a removed stage's deals: the removal, replacing the question."""
    ctx = make_ctx(context, body, "action")
    value = unpack(action.get("value")) or {}
    if not isinstance(value, dict) or not value.get("stage") or not value.get("to"):
        respond_with(respond, Reply.say("That button no longer does anything."), share=False)
        return
    reply = safely(ctx, lambda: remove(ctx, str(value["stage"]), str(value["to"])))
    respond_with(respond, reply, share=False, replace=True)


def on_pipeline_remove_to(
    body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """A stage chosen for a removed pipeline's deals: the removal, replacing the question."""
    ctx = make_ctx(context, body, "action")
    value = unpack(action.get("value")) or {}
    if not isinstance(value, dict) or not value.get("pipeline") or not value.get("to"):
        respond_with(respond, Reply.say("That button no longer does anything."), share=False)
        return
    reply = safely(ctx, lambda: remove_pipeline(ctx, str(value["pipeline"]), str(value["to"])))
    respond_with(respond, reply, share=False, replace=True)


def open_form(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    # views.open needs the trigger within 3 seconds, so the form opens in the ack itself.
    ack()
    ctx = make_ctx(context, body, "action")
    meta = json.dumps({"ru": body.get("response_url"), "ch": ctx.channel_id})
    view = cards.stage_form(ctx.crm.pipelines(ctx.actor), meta)
    context.client.views_open(trigger_id=body["trigger_id"], view=view)


def check_form(ack: Ack, view: dict[str, Any]) -> None:
    values = cards.form_values(view)
    errors: dict[str, str] = {}
    try:
        probability(values.get("probability"))
    except Invalid:
        errors["probability"] = "A whole number from 0 to 100, like 40."
    if values.get("stage") in (None, cards.NEW) and not values.get("name"):
        errors["name"] = "A new stage needs a name."
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def apply_form(ctx: Ctx, values: dict[str, str | None]) -> Reply:
    chosen = values.get("stage")
    if chosen in (None, cards.NEW):
        w = ctx.crm.add_stage(
            ctx.actor,
            values.get("name") or "",
            pipeline=values.get("pipeline"),
            before=values.get("before"),
            chance=values.get("probability"),
            closed=values.get("outcome"),
        )
        return _reply(*cards.stage_written("Added", w))
    before = values.get("before")
    w = ctx.crm.change_stage(
        ctx.actor,
        str(chosen),
        name=values.get("name"),
        before=before if before and before != chosen else None,
        chance=values.get("probability"),
        closed=values.get("outcome"),
    )
    return _reply(*cards.stage_written("Changed", w))


def submit_form(view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    services = context["services"]
    if not claim(services.sessions, f"view:{view.get('id')}", services.now()):
        return
    meta = json.loads(view.get("private_metadata") or "{}")
    ctx = make_ctx(context, body, "view", channel_id=meta.get("ch"))
    reply = safely(ctx, lambda: apply_form(ctx, cards.form_values(view)))
    if meta.get("ru"):
        post_to_response_url(meta["ru"], reply, replace=False)
    else:
        post(context.client, reply, channel=ctx.user_id)


def register(app: App) -> None:
    app.action(re.compile(f"^{ids.STAGE_REMOVE_TO}_\\d+$"))(ack=ack_only, lazy=[on_remove_to])
    app.action(re.compile(f"^{ids.PIPELINE_REMOVE_TO}_\\d+$"))(ack=ack_only, lazy=[on_pipeline_remove_to])
    app.action(ids.STAGE_FORM)(open_form)
    app.view(ids.STAGE_MODAL)(ack=check_form, lazy=[submit_form])
