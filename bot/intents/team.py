"""The team: who is a rep, a manager or an admin, and giving someone a role."""

from __future__ import annotations

from typing import Any

from bot.blocks import cards
from bot.blocks.common import section, user
from bot.commands.registry import Ctx, Reply
from bot.spec import IntentSpec, Verb


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def set_role(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    person, role = str(slots["person"]), str(slots["role"])
    w = ctx.crm.set_role(ctx.actor, person, role)
    if "role" not in w.changed:
        return Reply.say(f"{user(person)} is already {_a(role)}.")
    old, new = (str(r) for r in w.changed["role"])
    line = f"👤 {user(person)} is now {_a(new)} (was {_a(old)})."
    return Reply(line, cards.written(line, [], op_id=w.op_id))


def show_roles(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    person = slots.get("person")
    if person:
        found = ctx.crm.user(ctx.actor, str(person))
        return Reply.say(f"{user(person)} is {_a(found.role if found else 'rep')}.")
    people = ctx.crm.people(ctx.actor)
    lines = []
    for role, title in (("admin", "Admin"), ("manager", "Manager"), ("rep", "Rep")):
        members = [user(p.slack_id) for p in people if p.role == role]
        label = title + ("s" if len(members) != 1 else "")
        lines.append(f"{label}: " + (", ".join(members) or "—"))
    hint = "Admins give roles: `/crm role @someone manager`."
    text = "\n".join(lines)
    return Reply(text, [section(text), cards.context(hint)])


SPECS = (
    IntentSpec(
        "set_role",
        set_role,
        verbs=(
            Verb(
                "role",
                "role @someone rep|manager|admin",
                "Give someone a role (admins only); `/crm role` lists who has which, "
                "`/crm role @someone` shows theirs.",
                "Other",
                ("role @cat manager", "role"),
            ),
        ),
    ),
    IntentSpec("show_roles", show_roles),
)
