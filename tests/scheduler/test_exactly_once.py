"""Two schedulers on one PostgreSQL database, each with its own engine and thread, racing over the same
1,000 due reminders: exactly 1,000 messages reach Slack, none twice, none lost."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine, func, insert, select

from bot.clock import ManualClock
from bot.db import make_engine, make_session_factory
from bot.scheduler import Scheduler
from bot.services import CRM
from models import Delivery, Task, User
from tests.scheduler.conftest import START, Slack

N = 1000


def _seed(crm: CRM, people: int = 50) -> None:
    for i in range(people):
        crm.register_user("T1", f"U{i:04d}", name=f"Person {i}", tz="Europe/Berlin")
    with crm.sessions.begin() as s:
        users = list(s.execute(select(User.id, User.workspace_id)).all())
        due = START - timedelta(minutes=1)
        s.execute(
            insert(Task),
            [
                {
                    "workspace_id": users[i % len(users)][1],
                    "title": f"Task {i}",
                    "title_key": f"task {i}",
                    "assignee_id": users[i % len(users)][0],
                    "due_at": due,
                    "due_utc": due,
                    "remind_at": due,
                    "reminder_state": "pending",
                }
                for i in range(N)
            ],
        )


def test_two_schedulers_deliver_1000_reminders_exactly_once(pg_engine: Engine, slack: Slack) -> None:
    clock = ManualClock(START)
    crm = CRM(make_session_factory(pg_engine), clock=clock.now)
    _seed(crm)
    url = pg_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url, pool_size=6) for _ in range(2)]
    schedulers = [
        Scheduler(
            make_session_factory(engine),
            WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[]),
            clock,
            name=f"scheduler-{i}",
            pace_seconds=0,
            workers=3,
            batch=50,
        )
        for i, engine in enumerate(engines)
    ]
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(sched: Scheduler) -> None:
        try:
            barrier.wait()
            results[sched.name] = sched.tick()
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[sched.name] = exc

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for engine in engines:
        engine.dispose()

    assert not [r for r in results.values() if isinstance(r, BaseException)], results
    titles = Counter(p["text"].split(" — ")[0].removeprefix("Reminder: ") for p in slack.posted)
    assert len(slack.posted) == N
    assert set(titles) == {f"Task {i}" for i in range(N)}
    assert max(titles.values()) == 1
    # Both took part (the work was shared, not serialised behind one of them).
    sent = {name: getattr(stats, "sent", 0) for name, stats in results.items()}
    assert sum(sent.values()) == N and all(v > 0 for v in sent.values()), sent
    with crm.sessions() as s:
        states = dict(s.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all())
        assert states == {"sent": N}
        assert s.scalar(select(func.count()).select_from(Task).where(Task.reminder_state == "pending")) == 0
