"""The words of every domain error: a service raises a code and plain data (bot/services/errors.py); this
turns them into the message and hint a person reads, with the ``/crm`` examples and the Slack references
(``<@U…>``, ``<#C…>``) that go with them.

Everything that shows an error reads it through :func:`describe` (and an ask-first question's button
through :func:`yes_label`). A code without a template here still gets a plain sentence, never a
traceback; tests/blocks/test_messages.py checks that every code raised has one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.blocks.common import esc
from bot.services.dataio.sniff import readings
from bot.services.errors import DomainError
from bot.services.fields import plain_amount
from bot.services.subscriptions import Schedule

log = logging.getLogger(__name__)

Data = Mapping[str, Any]
# A template's text: a str.format pattern over the error's data, or a function of the data.
Text = str | Callable[[Data], str | None] | None

WEBHOOK_USAGE = "For example: /crm webhooks add https://hooks.example.com/crm events created,won,lost"
_WEBHOOKS = "See them with /crm webhooks."
SUBSCRIBE_USAGE = (
    "For example: /crm subscribe #sales daily 09:00, or /crm subscribe #sales weekly monday 09:00"
)
REPORT_SUBSCRIBE_USAGE = "For example: /crm report subscribe forecast #sales-leads weekly mon 08:30"
# What a code with no template says: the person still learns nothing happened.
UNKNOWN = "I couldn't do that."
ASK_YES = "Yes, do it"


@dataclass(frozen=True)
class Template:
    message: Text
    hint: Text = None
    yes: str = ASK_YES  # the button that says yes to an ask-first question


# ---- the words of the data's keys -------------------------------------------------------------------

# The example a missing name or title is given, by where it was asked for (``usage``).
EXAMPLES = {
    "contact": "Jane Doe",
    "contact.add": "/crm contact add Jane Doe jane@acme.com Acme",
    "company": "Acme Corp",
    "company.add": "/crm company add Acme Corp acme.com",
    "deal": "Acme renewal",
    "task": "call Jane tomorrow 3pm",
    "task.add": "/crm task add call Jane tomorrow 3pm",
}
# Workspace-wide actions (bot/services/policy.py ACTIONS) as a refusal names them.
ACTIONS = {
    "subscribe": "subscribe a channel to the pipeline summary",
    "unsubscribe": "stop a channel's pipeline summary",
    "subscriptions": "change which channels get the pipeline summary",
    "stale days": "change when deals count as stale",
    "settings": "change the workspace's settings",
    "roles": "change roles",
    "custom fields": "add, rename or remove custom fields",
    "teammate figures": "see a teammate's own figures (everyone sees the team's totals and their own)",
    "report subscriptions": "post the team's or a teammate's figures to a channel (everyone may post their own)",
    "report unsubscribe": "stop a report subscription someone else made (everyone may stop their own)",
    "webhooks": "see or change the workspace's webhooks",
    "stages": "change the pipelines and their stages",
    "quotas": "set quotas",
    "deleted records": "see and restore everyone's deleted records",
    "export": "export the workspace's records",
}
# The part a person plays in a record (bot/services/policy.py HOLDERS).
PARTS = {
    "owner": "the owner",
    "assignee": "the assignee",
    "creator": "who created it",
    "author": "who logged it",
}
VERBS = {"change": "change", "snooze": "snooze alerts on", "delete": "delete", "merge": "merge"}


def too_long(size: int, most: int) -> str:
    """The part of a too-long message that a form shows next to the field."""
    return f"{size:,} characters; the limit is {most:,}."


def _fill(text: Text, data: Data) -> str | None:
    if text is None:
        return None
    if isinstance(text, str):
        return text.format(**data)
    return text(data)


# ---- texts that need more than a pattern ------------------------------------------------------------


def day_words(day: Any) -> str:
    """A day no reader can take the wrong way round: 4 March 2027."""
    return f"{day.day} {day:%B %Y}"


def either_way(cell: str) -> str:
    """“03/04/2027 could be 4 March 2027 or 3 April 2027”: a file's day that reads both ways."""
    month_first, day_first = readings(cell)
    if month_first is None or day_first is None:
        return cell
    return f"{cell} could be {day_words(month_first)} or {day_words(day_first)}"


def _dates_ambiguous(d: Data) -> str:
    # An export's zip names which of its files.
    where = f"{d['file']}: " if d.get("file") else ""
    return f"{where}Dates like {either_way(str(d['value']))}, and nothing in the file says which."


def _currency_change(d: Data) -> str:
    old, new = plain_amount(d["old_amount"]), plain_amount(d["new_amount"])
    now = f"{d['old']} {old}" if old else d["old"]
    then = f"{d['new']} {new}" if new else d["new"]
    return f"“{d['title']}” is in {now}. Change it to {then}? Nothing is converted."


def _quota_currency_change(d: Data) -> str:
    old, new = plain_amount(d["old_amount"]), plain_amount(d["new_amount"])
    return (
        f"{d['title']} for this period is {d['old']} {old}. Change it to {d['new']} {new}?"
        " Nothing is converted."
    )


def _repeated(d: Data) -> str:
    verb = "logged" if d["kind"] == "interaction" else "added"
    return f"You {verb} this {d['kind']} a moment ago: “{d['label']}”. Add it again?"


def _custom_value(d: Data) -> str:
    form = "one of " + ", ".join(d["choices"]) if d["kind"] == "choice" else d["form"]
    return f"“{d['value']}” is not a value for {d['field']}: write {form}. Nothing was saved."


def _used_since(d: Data) -> str:
    whose = "your" if d["mine"] else f"{d['maker']}'s" if d["maker"] else "a"
    return (
        f"{d['record']} is used since by {whose} {d['kind']} “{d['label']}”; undoing would unlink it. "
        "Nothing was undone: undo that first, or keep it and change it instead."
    )


def _forbidden_action(d: Data) -> str:
    who = "an admin" if d["least"] == "admin" else "a manager or an admin"
    return f"Only {who} can {ACTIONS[d['action']]}."


def _ask(d: Data) -> str | None:
    if not d["ask"]:
        return None
    people = [f"{name} ({role})" for name, role in d["ask"]]
    return "Ask " + ", ".join(people) + (" or another of them." if d["more"] else ".")


def _record(d: Data) -> str:
    """A record as a refusal names it (bot/services/policy.py describe)."""
    kind, name = d["record_type"], d["name"]
    if kind == "contact":
        return str(name)
    if kind in ("deal", "task", "company"):
        return f"the {kind} “{name}”"
    if kind == "interaction":
        return f"the {d['interaction_kind']} with {name}" if name else f"this {d['interaction_kind']}"
    return "it"


def _forbidden_change(d: Data) -> str:
    people = [
        f"{'someone' if name is None else name} ({' and '.join(PARTS[p] for p in parts)})"
        for name, parts in d["holders"]
    ]
    return f"Only {', '.join(people)}, a manager or an admin can {VERBS[d['verb']]} {_record(d)}."


def _forbidden_undo(d: Data) -> str:
    names = ", ".join(d["makers"]) or "the person who made it"
    return f"Only {names} (who made that change), a manager or an admin can undo it."


DEAL_ROOM_USAGE = "The form is `/crm deal room DEAL [#channel]`, e.g. `/crm deal room Acme renewal`."


def _subscription_exists(d: Data) -> str:
    schedule = Schedule(d["frequency"], d["weekday"], d["time_local"])
    return f"<#{d['channel_id']}> already gets the summary {schedule.describe()}."


def _report_subscription_exists(d: Data) -> str:
    who = f"<@{d['owner']}>'s" if d["owner"] else "the team's"
    where = f" in {d['pipeline']}" if d["pipeline"] else ""
    return (
        f"<#{d['channel_id']}> already gets {who} {d['measure']}{where} ({d['period']}), {d['schedule']}"
        f" ({d['tz']}): subscription #{d['number']}. Nothing was added."
    )


def _example(d: Data) -> str | None:
    example = EXAMPLES.get(d["usage"])
    return f"For example: {example}" if example else None


def _listed(label: str, key: str, end: str = ".") -> Callable[[Data], str]:
    return lambda d: label + ", ".join(d[key]) + end


_AMOUNT_HINT = "Write it like 50000, 50k or 1.2M."
_NOT_FOUND = "I couldn't find a {kind} matching “{ref}”."
_SUBSCRIPTIONS = "See them with /crm subscriptions."

TEMPLATES: dict[str, Template] = {
    # References
    "record.not_found": Template(_NOT_FOUND),
    "record.ambiguous": Template("“{ref}” matches more than one {kind}. Which one did you mean?"),
    "company.near": Template("Did you mean {names}? There is no company “{ref}” yet."),
    "record.duplicate": Template("This looks like a {kind} you already have."),
    "record.kind.unknown": Template(
        "I can't delete a {value}.", "I can delete a contact, a company, a deal or a task."
    ),
    "merge.two": Template(
        "Which two records should I merge?",
        "The form is `/crm merge A and B`, e.g. `/crm merge Jane Doe and Jane Do`.",
    ),
    "merge.kind": Template("I can't merge {value} records.", "I can merge two contacts or two companies."),
    "merge.same": Template("Both names are {label}: there is only one record to merge."),
    "record.repeated": Template(_repeated, "Nothing was saved this time.", yes="Add anyway"),
    "person.unknown": Template(
        "I couldn't find a {kind} matching “<@{ref}>”.", "They need to say something to the bot first."
    ),
    "workspace.unknown": Template(
        "The CRM holds nothing for the workspace {ref}.", "`crm-bot workspace list` shows the ones it knows."
    ),
    "teammate.not_found": Template(
        "No one called “{ref}” is on this team.",
        "Mention them with @ so I know who you mean; someone who has never written to me must do so once first.",
    ),
    "interaction.not_found": Template(_NOT_FOUND, "It may have been undone."),
    "reference.too_long": Template(
        "That's too long to search for; give a name, an email or a few words of it ({most} characters at most)."
    ),
    # Fields
    "field.missing": Template("The {field} is missing.", _example),
    "field.too_long": Template(
        lambda d: f"The {d['label']} is {too_long(d['size'], d['most'])} Nothing was saved."
    ),
    "field.key_too_long": Template(
        "The {field} is {size:,} characters once accents and symbols are spelled out; "
        "the limit is {most:,}. Nothing was saved."
    ),
    "amount.unreadable": Template("“{value}” is not an amount.", _AMOUNT_HINT),
    "amount.out_of_range": Template("“{value}” is out of range for an amount.", _AMOUNT_HINT),
    "currency.unknown": Template(
        "“{value}” is not a currency code.", "Use a 3-letter code such as USD or EUR."
    ),
    "tag.spaces": Template("“{value}” is not a tag: a tag is one word.", "Write it like {joined}."),
    "email.invalid": Template("“{value}” is not an email address.", "Write it like jane@acme.com."),
    "phone.invalid": Template("“{value}” is not a phone number.", "Write it like +1 415 555 0100."),
    "due.unreadable": Template(
        "“{value}” is not a date I can read.", "Use a date like 2026-12-15 or “friday 3pm”."
    ),
    "date.unreadable": Template("“{value}” is not a date I can read.", "Use a date like 2026-12-15."),
    # Contacts
    "contact.field.unknown": Template(
        "I can't change “{field}” on a contact.", _listed("Fields: ", "fields", "")
    ),
    "contact.lifecycle.unknown": Template(
        "“{value}” is not a lifecycle stage.", _listed("Use ", "lifecycles")
    ),
    "contact.edit.empty": Template(
        "Nothing to change.", "For example: /crm contact edit Jane Doe email=jane@acme.com"
    ),
    # Companies
    "company.field.unknown": Template(
        "I can't change “{field}” on a company.", _listed("Fields: ", "fields", "")
    ),
    "company.edit.empty": Template(
        "Nothing to change.", "For example: /crm company edit Acme Corp industry=robotics"
    ),
    "company.domain.invalid": Template("“{value}” is not a web domain.", "Write it like acme.com."),
    "company.industry.invalid": Template(
        "“{value}” is not an industry (a phone number?).",
        "For example: /crm company add Phone Co, phoneco.com, telecom",
    ),
    "deal.close_date.long_ago": Template(
        "“{value}” is more than a year ago: not a close date I'll set.",
        "For example: /crm deal close Acme renewal 2027-01-15",
    ),
    "task.due.long_ago": Template(
        "“{value}” is more than a year ago: a task can't be due then.",
        "For example: /crm task add call Jane 2027-01-15",
    ),
    "task.due.past": Template(
        "“{value}” is already past: add the task as overdue?", "Nothing was saved yet.", yes="Add it anyway"
    ),
    "tags.missing": Template("Which tags?", "For example: tag Acme Corp as vip"),
    # Custom fields
    "custom.record.unknown": Template(
        "“{value}” is not a kind of record that can have fields.", "Fields go on a contact, company or deal."
    ),
    "custom.kind.unknown": Template(
        "“{value}” is not a kind of field.",
        "Kinds: text, number, date, choice (e.g. /crm fields add contact Region choice EMEA,APAC,AMER).",
    ),
    "custom.name.missing": Template(
        "The field needs a name.", 'For example: /crm fields add deal "Renewal date" date'
    ),
    "custom.name.too_long": Template("The field's name is {size} characters; the limit is {most}."),
    "custom.name.reserved": Template(
        "A {record_type} already has its own “{value}”.", "Set it as it is, or name the new field otherwise."
    ),
    "custom.name.taken": Template(
        "A {record_type} already has a field “{value}”.", "Rename or remove that one, or pick another name."
    ),
    "custom.choices.missing": Template(
        "A choice field needs its choices.",
        "For example: /crm fields add contact Region choice EMEA,APAC,AMER",
    ),
    "custom.choices.unwanted": Template(
        "Only a choice field has choices; a {kind} field takes none.",
        "Leave the list off, or make it a choice.",
    ),
    "custom.choices.too_many": Template(
        "A choice field takes up to {most} choices of {chars} characters each."
    ),
    "custom.field.not_found": Template(
        "There is no {record_type} field called “{ref}”.", "/crm fields lists them."
    ),
    "custom.value.invalid": Template(_custom_value),
    "record.field.unknown": Template(
        "I can't change “{field}” on a {record_type}.", _listed("Fields: ", "fields", "")
    ),
    # Deals
    "deal.stages.none": Template("This workspace has no pipeline stages.", "Ask an admin to set them up."),
    "deal.title.missing": Template(
        "A deal needs a title or a company.", "For example: /crm deal add Acme renewal 50k close 2026-12-15"
    ),
    "deal.edit.empty": Template(
        "Nothing to change on the deal.", "For example: /crm deal move Acme renewal negotiation"
    ),
    "deal.stage.unknown": Template("“{value}” is not a pipeline stage.", _listed("Stages: ", "stages")),
    "feedback.scale": Template(
        "“{value}” is not a survey scale.",
        "Scales: nps (0–10), csat (1–5). For example: /crm feedback Jane Doe nps 9",
    ),
    "feedback.score": Template(
        "“{value}” is not a score on the {scale} scale.",
        "{scale} scores are whole numbers from {low} to {high}.",
    ),
    "quota.amount": Template(
        "“{value}” is not an amount for a quota.", "For example: /crm quota @bob 100k USD Q1"
    ),
    "quota.amount.negative": Template(
        "A quota can't be negative: “{value}”.", "For example: /crm quota @bob 100k USD Q1"
    ),
    "quota.currency.change": Template(
        _quota_currency_change, "Nothing was saved yet.", yes="Yes, change the currency"
    ),
    "quota.period": Template("“{value}” is not a period.", "For example: /crm quota @bob 100k USD Q1"),
    "quota.form": Template(
        "Whose quota, how much and for when?",
        "For example: /crm quota @bob 100k USD Q1 (or this quarter, next month, 2027)",
    ),
    "deal.category.unknown": Template(
        "“{value}” is not a forecast category.",
        "Categories: pipeline, best case, commit. For example: /crm deal category Acme renewal commit",
    ),
    "deal.stage.last": Template("“{title}” is already {stage}."),
    "deal.pipeline.form": Template(
        "Which deal into which pipeline?", "For example: /crm deal pipeline Acme renewal to Renewals"
    ),
    # The team's pipelines and stages (/crm stages)
    "pipeline.unknown": Template(
        "“{value}” is not one of your pipelines.", _listed("Pipelines: ", "pipelines")
    ),
    "pipeline.exists": Template("There is already a pipeline called “{name}”.", "Try /crm pipelines"),
    "pipeline.name.missing": Template(
        "What is the pipeline called?", "For example: /crm pipelines add Renewals renewal"
    ),
    "custom.filter.op": Template(
        "“{value}”: {field} is compared by equality only.", "For example: /crm contact list region=EMEA"
    ),
    "pipeline.first": Template(
        "“{name}” is the first pipeline: its stages are the ones typed without a prefix, so it stays.",
        "Rename it instead: /crm pipelines rename {name} to NEW NAME",
    ),
    "pipeline.remove.same": Template("The deals of “{pipeline}” must go to a stage of another pipeline."),
    "pipeline.remove.has_deals": Template("“{stage}” holds {count} deals. Where should they go?"),
    "pipeline.rename.form": Template(
        "Rename which pipeline to what?", "For example: /crm pipelines rename Renewals to Upsell"
    ),
    "stage.name.missing": Template(
        "What is the stage called?", "For example: /crm stages add Security review before negotiation 50%"
    ),
    "stage.exists": Template("{pipeline} already has a stage called “{name}”.", "Try /crm stages"),
    "stage.probability.bad": Template(
        "“{value}” is not a win probability.",
        "Give a whole percentage from 0 to 100, like /crm stages set Demo 40%",
    ),
    "stage.outcome.bad": Template(
        "“{value}” is not an outcome.", "Use open, won (closed-won) or lost (closed-lost)."
    ),
    "stage.edit.empty": Template(
        "What should change on the stage?",
        "For example: /crm stages set Demo 40%, or /crm stages set Churned lost",
    ),
    "stage.move.same": Template(
        "“{stage}” can only move before or after another stage of its pipeline, not “{other}”.",
        "For example: /crm stages move Proposal before Demo",
    ),
    "stage.move.form": Template(
        "Move “{value}” where?", "For example: /crm stages move Proposal before Demo"
    ),
    "stage.rename.form": Template(
        "Rename which stage to what?", "For example: /crm stages rename Demo to Evaluation"
    ),
    "stage.add.after": Template(
        "A new stage is placed before another one.",
        "For example: /crm stages add Security review before negotiation",
    ),
    "stage.last_open": Template(
        "“{stage}” is the pipeline's last open stage; a pipeline needs one for new deals.",
        "Add another open stage first: /crm stages add NAME",
    ),
    "stage.remove.same": Template("The deals of “{stage}” must go to another stage."),
    "stage.remove.has_deals": Template("“{stage}” holds {count} deals. Where should they go?"),
    "company.lifecycle.form": Template(
        "Which company, and which lifecycle stage?", "For example: /crm company lifecycle Acme Corp advocate"
    ),
    "deal.currency.add": Template(
        "“{title}” is in {old}; I can't add {new} to it.",
        "Give the whole new amount instead, e.g. /crm deal amount Acme renewal €30k",
    ),
    "deal.currency.change": Template(
        _currency_change, "Nothing was saved yet.", yes="Yes, change the currency"
    ),
    # Tasks and interactions
    "task.scope.unknown": Template("“{value}” is not a task list.", "Lists: today, overdue, week, all."),
    "interaction.kind.unknown": Template(
        "“{value}” is not an interaction kind.", _listed("Kinds: ", "kinds")
    ),
    "interaction.kind.unknown_in_edit": Template(
        "“{value}” is not an interaction kind.", _listed("Kinds: ", "kinds", "")
    ),
    "interaction.party.missing": Template(
        "Who was it with?", "For example: /crm log call Jane Doe discussed pricing"
    ),
    "interaction.party.removed": Template("Who was it with?", "Give a contact or a company."),
    # Undo
    "undo.already_undone": Template("That change was already undone."),
    "undo.of_undo": Template("That was itself an undo; make the change again instead."),
    "undo.replayed": Template(
        "That change is history an import brought from another workspace's export; undoing the import "
        "takes it away with the records."
    ),
    "undo.unsupported": Template("That change can't be undone."),
    "undo.changed_since": Template(
        "The {record_type} was changed again since ({key}); undo the later change first."
    ),
    "undo.used_since": Template(_used_since),
    "undo.deleted_since": Template("The {record_type} was deleted since; nothing to restore."),
    "undo.exists_again": Template("The {record_type} exists again; nothing to restore."),
    # Permissions and roles
    "policy.forbidden.action": Template(_forbidden_action, _ask),
    "policy.forbidden.change": Template(_forbidden_change),
    "policy.forbidden.undo": Template(_forbidden_undo),
    "role.unknown": Template("“{value}” is not a role.", "Roles: rep, manager, admin."),
    "role.operator_admin": Template(
        "{name} is an admin because the CRM_ADMINS setting names them.",
        "Take them out of CRM_ADMINS first to change their role.",
    ),
    "role.last_admin": Template(
        "{name} is the last admin; the workspace needs one.", "Make someone else an admin first."
    ),
    # Deal rooms
    "deal.room.missing": Template("Which deal should get a room?", DEAL_ROOM_USAGE),
    "deal.room.create_failed": Template(
        "Slack would not make the deal's channel ({error}).",
        "Make the channel yourself and name it: `/crm deal room Acme renewal #acme-renewal`.",
    ),
    "deal.room.not_in_channel": Template(
        "The room <#{channel}> is linked, but I can't post there yet.",
        "Invite me to it (`/invite @crm` in the channel); its posts start then.",
    ),
    # Report subscriptions
    "report_subscription.measure.missing": Template("Which report should I post?", REPORT_SUBSCRIBE_USAGE),
    "report_subscription.measure.invalid": Template(
        "“{value}” is not a report I can post.",
        "Reports: won, lost, win rate, activity, cycle, forecast, funnel, velocity, quota, customers, satisfaction.",
    ),
    "report_subscription.schedule.missing": Template(
        "How often should I post it: daily, or weekly on which days?", REPORT_SUBSCRIBE_USAGE
    ),
    "report_subscription.channel.missing": Template(
        "Which channel should get the report?", REPORT_SUBSCRIBE_USAGE
    ),
    "report_subscription.owner.invalid": Template(
        "“{value}” is not someone I know.", "Name them with an @mention, or say mine or team."
    ),
    "report_subscription.owner.unknown": Template(
        "I don't know <@{ref}> yet.", "They appear once they have used the bot (/crm help)."
    ),
    "report_subscription.number.invalid": Template(
        "“{value}” is not a subscription number.", "/crm report subscriptions lists them with their numbers."
    ),
    "report_subscription.not_found": Template(
        "There is no report subscription number {ref}.", "/crm report subscriptions lists them."
    ),
    "report_subscription.exists": Template(
        _report_subscription_exists, "/crm report subscriptions lists them; another time is another order."
    ),
    "report_subscription.word": Template(
        "I don't know what “{value}” means in a subscription.", REPORT_SUBSCRIBE_USAGE
    ),
    "report.pipeline.unsupported": Template(
        "The {measure} report is not counted per pipeline: quotas are per person over every pipeline,"
        " activity and satisfaction are logged against people, not deals.",
        "Ask for it without `pipeline {pipeline}`; per pipeline: won, lost, win rate, cycle, velocity,"
        " funnel, forecast, customers.",
    ),
    # Pipeline summaries and alerts
    "subscription.exists": Template(_subscription_exists, _SUBSCRIPTIONS),
    "subscription.not_found": Template("I couldn't find a {kind} matching “<#{ref}>”.", _SUBSCRIPTIONS),
    "subscription.channel.invalid": Template("“{value}” is not a channel I can post to.", SUBSCRIBE_USAGE),
    "subscription.channel.missing": Template("Which channel should get the summary?", SUBSCRIBE_USAGE),
    "subscription.channel.elsewhere": Template(
        lambda d: f"I can't tell which channel {esc(d['value'])} is from here.",
        "Pick it from Slack's channel list as you type (so it turns into a link), or run the command in it.",
    ),
    "subscription.schedule.missing": Template("How often should I post the summary?", SUBSCRIBE_USAGE),
    "subscription.schedule.invalid": Template("“{value}” is not a schedule I understand.", SUBSCRIBE_USAGE),
    "subscription.weekday.missing": Template("Which day of the week?", SUBSCRIBE_USAGE),
    "subscription.weekday.invalid": Template("“{value}” is not a day of the week.", SUBSCRIBE_USAGE),
    "subscription.time.invalid": Template("“{value}” is not a time of day.", "Write it like 09:00 or 9am."),
    "stale.days.unreadable": Template(
        lambda d: f"“{esc(d['value'])}” is not a number of days.", "For example: /crm stale days 21"
    ),
    "stale.days.out_of_range": Template(
        "{days} is not a number of days I can use.", "Use 1 to 365, or 0 to turn alerts off."
    ),
    "snooze.date.missing": Template("Pick a date to snooze until."),
    "snooze.date.past": Template("Pick a day after today.", "Choose a date in the future to snooze until."),
    # Webhooks
    "webhook.url.missing": Template("Which URL should I send the events to?", WEBHOOK_USAGE),
    "webhook.url.invalid": Template(
        lambda d: f"“{esc(d['value'])}” is not a URL I can send events to.", WEBHOOK_USAGE
    ),
    "webhook.url.https": Template(
        lambda d: f"“{esc(d['value'])}” is plain http; webhooks go over https only.",
        "Use an https:// URL (an operator can allow a host with CRM_WEBHOOK_ALLOW_HOSTS).",
    ),
    "webhook.url.long": Template("The URL is {length} characters; the limit is {limit}. Nothing was saved."),
    "webhook.url.unresolvable": Template(
        lambda d: f"I can't find the host “{esc(d['host'])}”.", "Check the URL's spelling. Nothing was saved."
    ),
    "webhook.url.private": Template(
        lambda d: f"“{esc(d['host'])}” is a private or local address; webhooks only go to public hosts.",
        "An operator can allow a host inside the network with CRM_WEBHOOK_ALLOW_HOSTS.",
    ),
    "webhook.events.invalid": Template(
        lambda d: f"“{esc(d['value'])}” is not an event I send.",
        "Events: created, updated, stage_changed, won, lost, deleted (or all).",
    ),
    "webhook.exists": Template("That URL is already webhook #{id}.", _WEBHOOKS),
    "webhook.not_found": Template("There is no webhook #{ref}.", _WEBHOOKS),
    "webhook.number": Template(
        lambda d: f"“{esc(d['value'])}” is not a webhook number." if d["value"].strip() else "Which webhook?",
        "Give its number from /crm webhooks, for example: /crm webhooks remove 2",
    ),
    "webhook.verb": Template(
        lambda d: f"“{esc(d['value'])}” is not something I do with webhooks.",
        "Use /crm webhooks, or /crm webhooks add URL · remove N · test N · enable N.",
    ),
    "webhook.enabled": Template("Webhook #{id} is already on."),
    "webhook.disabled": Template(
        "Webhook #{id} is turned off.", "Turn it on with /crm webhooks enable {id}."
    ),
    # Buttons
    "button.stale": Template("That button no longer does anything."),
    # Imports and exports
    "import.type_unknown": Template(
        "“{value}” is not something I import.", "Say contacts, companies, deals, tasks or interactions."
    ),
    "import.mode_unknown": Template(
        "“{value}” is not a way to treat duplicates.", "Say skip, update or merge."
    ),
    "import.update_forbidden": Template(
        "Only managers and admins may {mode} records that are already here.",
        "Import with skip (the default) to add only the new ones.",
    ),
    "import.not_found": Template("There is no import {value} in this workspace."),
    "import.already_undone": Template("That import was undone already."),
    "import.field_gone": Template(
        "A custom field this import's columns were mapped to was removed since; look at the mapping again.",
        "Edit mapping shows the fields there are now.",
    ),
    "import.field_twice": Template(
        "Two columns are put in {value}; one of them would be lost.", "Leave one of them out."
    ),
    "import.dates_ambiguous": Template(
        _dates_ambiguous, "Say how to read them: --dates mdy (month first) or --dates dmy (day first)."
    ),
    "import.undo_forbidden": Template("Only whoever ran an import, a manager or an admin may undo it."),
    "workspace.not_here": Template("There is no workspace “{value}” in this database."),
    "workspace.which": Template(
        "This database holds several workspaces ({value}).", "Name one with --workspace T…."
    ),
    "workspace.no_admin": Template(
        "There is nobody “{value}” to act as in that workspace.", "Name them with --as U…."
    ),
    "workspace.none_yet": Template(
        "This database has no workspace yet.",
        "Start the bot (crm-bot run) or the console (crm-bot console) once so that it makes one, then import.",
    ),
    "workspace.no_admin_yet": Template(
        "That workspace has no admin yet to act as.", "Name the person to act as with --as U…."
    ),
}


def describe(exc: DomainError) -> tuple[str, str | None]:
    """The message and hint a person reads for ``exc``."""
    template = TEMPLATES.get(exc.code)
    if template is None:
        log.warning("no message for domain error %s", exc)
        return UNKNOWN, None
    try:
        return _fill(template.message, exc.data) or UNKNOWN, _fill(template.hint, exc.data)
    except (KeyError, IndexError, TypeError, ValueError):
        # Data that does not fit its template is a bug to fix, not a reason to show a traceback.
        log.exception("message for domain error %s failed", exc)
        return UNKNOWN, None


def message(exc: DomainError) -> str:
    return describe(exc)[0]


def yes_label(exc: DomainError) -> str:
    """The button that says yes to an ask-first question."""
    template = TEMPLATES.get(exc.code)
    return template.yes if template is not None else ASK_YES
