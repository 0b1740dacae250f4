"""Proactive messages are plug-ins: every kind is one module listed in the registry, the planner and the
button listeners know no kind by name, and the layers stay apart (the services know nothing of
``bot.proactive`` or Slack; no kind reaches Bolt, the handlers or Slack's transport)."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.db import make_session_factory
from bot.proactive import KINDS, Planner
from bot.proactive.kind import Button, Kind, Planned
from bot.proactive.registry import answers_below, button, buttons, find, form, forms, index_kinds, render

ROOT = Path(__file__).resolve().parents[2]


def imports(path: Path, *, typing_only: bool = True) -> set[str]:
    """Modules a file imports (with ``typing_only=False``, leaving out ``if TYPE_CHECKING:`` blocks)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    if not typing_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def under(modules: set[str], *prefixes: str) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)}


def test_the_services_import_nothing_from_proactive_blocks_or_slack() -> None:
    for path in sorted((ROOT / "bot" / "services").glob("*.py")):
        found = under(
            imports(path),
            "bot.proactive",
            "bot.blocks",
            "bot.scheduler",
            "handlers",
            "slack_sdk",
            "slack_bolt",
        )
        assert not found, f"{path.name} imports {sorted(found)}"


def test_kinds_never_reach_bolt_the_handlers_or_slacks_transport() -> None:
    for path in sorted((ROOT / "bot" / "proactive").rglob("*.py")):
        modules = imports(path)
        assert not under(modules, "slack_bolt", "handlers", "bot.slack", "bot.scheduler"), path.name
        # Block Kit value objects only: posting is the scheduler's, acking and opening views the handlers'.
        assert {m for m in under(modules, "slack_sdk") if not m.startswith("slack_sdk.models")} == set(), (
            path.name
        )


def test_planning_machinery_is_slack_free() -> None:
    for name in ("kind.py", "outbox.py", "local.py", "planner.py"):
        found = under(
            imports(ROOT / "bot" / "proactive" / name, typing_only=False), "slack_sdk", "bot.blocks"
        )
        assert not found, f"{name} imports {sorted(found)}"


def test_the_action_ids_slack_knows_are_each_owned_by_one_kind() -> None:
    # The manifest and messages already in Slack refer to these ids: they never change.
    assert sorted(b.action_id for b in buttons()) == [
        "reminder_done",
        "reminder_open",
        "reminder_snooze_hour",
        "reminder_snooze_tomorrow",
        "stale_log_activity",
        "stale_move_stage",
        "stale_snooze_until",
    ]
    assert [f.callback_id for f in forms()] == ["stale_log_activity_view"]
    log, show = button("stale_log_activity"), button("reminder_open")
    assert log is not None and log.modal is not None and log.press is None
    assert show is not None and show.below
    assert button("nothing") is None and form("nothing") is None
    assert answers_below("nudge_task:4") and answers_below("stale_actions:7")
    assert not answers_below("reminder_actions:4")


def test_every_kind_in_the_outbox_has_a_module() -> None:
    assert [k.name for k in KINDS] == [
        "reminder",
        "overdue_nudge",
        "stale_deals",
        "stale_deal",
        "summary",
        "webhook_disabled",
        "deal_room",
        "quota_milestone",
        "report",
    ]
    assert all(find(k.name) is k for k in KINDS)
    # The one kind that is not a Slack message: POSTed by bot/scheduler/webhooks.py.
    from models.scheduling import DELIVERY_KINDS

    assert set(DELIVERY_KINDS) - {k.name for k in KINDS} == {"webhook"}
    with pytest.raises(ValueError, match="unknown delivery kind"):
        render("fax", {})


def test_a_name_or_an_action_id_owned_twice_is_refused() -> None:
    reminder = find("reminder")
    assert reminder is not None
    with pytest.raises(ValueError, match="two proactive kinds"):
        index_kinds([reminder, reminder])
    copy = replace(reminder, name="reminder_copy", buttons=(Button("reminder_done"),))
    with pytest.raises(ValueError, match="owned by two kinds"):
        index_kinds([reminder, copy])


def test_the_planner_plans_whatever_kinds_it_is_given(engine: Engine) -> None:
    """No kind is named in the planner: a new kind's steps run in batches, at its own pace."""
    calls: list[tuple[datetime, int]] = []

    def plan(s: Session, now: datetime, batch: int) -> Planned:
        calls.append((now, batch))
        return Planned(1, more=len(calls) % 3 != 0)

    toy = Kind(name="toy", render=lambda payload, **_: ("", []), plan=plan, scan_every=timedelta(minutes=10))
    planner = Planner(make_session_factory(engine), batch=7, kinds=[toy])
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    stats = planner.plan(now)
    assert stats["toy"] == 3 and stats.total == 3 and [b for _, b in calls] == [7, 7, 7]
    assert planner.plan(now + timedelta(minutes=9)).total == 0  # not yet time to look again
    assert planner.plan(now + timedelta(minutes=10))["toy"] == 3
