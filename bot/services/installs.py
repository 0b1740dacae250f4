"""A workspace's install lifecycle: installed (again), uninstalled, and its CRM data purged once the
retention period after an uninstall has passed (or at once, by the operator).

The tokens themselves are slack_sdk's business (its installation store, ``bot/slack/oauth.py``); this
module only keeps the CRM's side: which Grid org a workspace is in, when it was uninstalled, and the
purge. No Slack imports.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services.errors import NotFound
from bot.services.workspace import workspace_id
from models import Workspace, metadata, slack_bots, slack_installations, slack_oauth_states

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceState:
    id: int
    team_id: str
    name: str | None
    enterprise_id: str | None
    uninstalled_at: datetime | None
    # When its data goes, for an uninstalled workspace.
    purge_at: datetime | None = None


@dataclass(frozen=True)
class Purged:
    team_id: str
    rows: int


def installed(
    sessions: sessionmaker[Session],
    *,
    team_id: str | None,
    enterprise_id: str | None,
    name: str | None = None,
    tz: str | None = None,
    currency: str | None = None,
) -> list[str]:
    """The app was installed: in one workspace (made if new), or org-wide (``team_id`` None: every
    workspace of the org the CRM knows). An uninstall waiting for its purge is called off. Returns the
    team ids concerned."""
    with sessions.begin() as s:
        if team_id:
            ws_id = workspace_id(s, team_id, name, tz, currency)
            ws = s.get(Workspace, ws_id)
            assert ws is not None
            ws.enterprise_id = enterprise_id or ws.enterprise_id
            ws.name = ws.name or name
            ws.uninstalled_at = None
            return [team_id]
        if not enterprise_id:
            return []
        teams = list(s.scalars(select(Workspace.team_id).where(Workspace.enterprise_id == enterprise_id)))
        s.execute(
            update(Workspace).where(Workspace.enterprise_id == enterprise_id).values(uninstalled_at=None)
        )
        return teams


def seen_in_org(sessions: sessionmaker[Session], team_id: str, enterprise_id: str) -> None:
    """A request from ``team_id`` said it is in the Grid org ``enterprise_id``: an org-wide install's
    token serves it, and the org's uninstall concerns it."""
    with sessions.begin() as s:
        s.execute(
            update(Workspace)
            .where(Workspace.team_id == team_id, Workspace.enterprise_id.is_(None))
            .values(enterprise_id=enterprise_id)
        )


def uninstalled(
    sessions: sessionmaker[Session],
    now: datetime,
    *,
    team_id: str | None,
    enterprise_id: str | None,
    org_wide: bool = False,
) -> list[str]:
    """The app was uninstalled from a workspace, or from a whole org: the retention clock starts (an
    earlier uninstall's clock keeps running). Returns the team ids concerned."""
    if org_wide and enterprise_id:
        where = Workspace.enterprise_id == enterprise_id
    elif team_id:
        where = Workspace.team_id == team_id
    else:
        return []
    with sessions.begin() as s:
        teams = list(s.scalars(select(Workspace.team_id).where(where)))
        s.execute(
            update(Workspace).where(where, Workspace.uninstalled_at.is_(None)).values(uninstalled_at=now)
        )
    return teams


def owner(sessions: sessionmaker[Session], ws_id: int) -> WorkspaceState | None:
    with sessions() as s:
        ws = s.get(Workspace, ws_id)
        return None if ws is None else _state(ws, None)


def workspaces(sessions: sessionmaker[Session], retention_days: int) -> list[WorkspaceState]:
    with sessions() as s:
        return [_state(ws, retention_days) for ws in s.scalars(select(Workspace).order_by(Workspace.team_id))]


def _state(ws: Workspace, retention_days: int | None) -> WorkspaceState:
    purge_at = None
    if ws.uninstalled_at is not None and retention_days is not None:
        purge_at = ws.uninstalled_at + timedelta(days=retention_days)
    return WorkspaceState(ws.id, ws.team_id, ws.name, ws.enterprise_id, ws.uninstalled_at, purge_at)


def due_for_purge(
    sessions: sessionmaker[Session], now: datetime, retention_days: int
) -> list[WorkspaceState]:
    """Workspaces uninstalled at least ``retention_days`` ago."""
    cutoff = now - timedelta(days=retention_days)
    with sessions() as s:
        return [
            _state(ws, retention_days)
            for ws in s.scalars(
                select(Workspace)
                .where(Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at <= cutoff)
                .order_by(Workspace.id)
            )
        ]


def _workspace_tables() -> list[Table]:
    """Every table whose rows belong to a workspace, children before the tables they point at."""
    return [
        t
        for t in reversed(metadata.sorted_tables)
        if "workspace_id" in t.c and t.name != Workspace.__tablename__
    ]


def purge(sessions: sessionmaker[Session], team_id: str) -> Purged:
    """Delete everything the CRM holds for ``team_id`` (its records, people, history, outbox) and any
    token left for it, in one transaction. Raises NotFound for a workspace the CRM does not know."""
    with sessions.begin() as s:
        ws_id = s.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
        if ws_id is None:
            raise NotFound("workspace.unknown", kind="workspace", ref=team_id)
        rows = 0
        for table in _workspace_tables():
            rows += _deleted(s, delete(table).where(table.c.workspace_id == ws_id))
        rows += _deleted(s, delete(Workspace).where(Workspace.id == ws_id))
        for table in (slack_bots, slack_installations):
            _deleted(s, delete(table).where(table.c.team_id == team_id))
    log.info("purged workspace %s: %d rows", team_id, rows)
    return Purged(team_id, rows)


def _deleted(s: Session, stmt: object) -> int:
    return int(getattr(s.execute(stmt), "rowcount", 0) or 0)  # type: ignore[call-overload]


def forget_expired_states(sessions: sessionmaker[Session], now: datetime) -> int:
    """Install states never brought back (the page opened, the install abandoned): slack_sdk's state
    store only deletes the ones it consumes. Its times are naive UTC."""
    naive = now.astimezone(UTC).replace(tzinfo=None)
    with sessions.begin() as s:
        return _deleted(s, delete(slack_oauth_states).where(slack_oauth_states.c.expire_at < naive))


def count_rows(sessions: sessionmaker[Session], team_id: str) -> int:
    """How many rows the CRM holds for ``team_id`` (0 once purged)."""
    with sessions() as s:
        ws_id = s.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
        if ws_id is None:
            return 0
        return 1 + sum(
            int(s.scalar(select(func.count()).select_from(t).where(t.c.workspace_id == ws_id)) or 0)
            for t in _workspace_tables()
        )
