"""Tenancy in the ORM: a session scoped to a workspace loads only that workspace's rows.

Every ORM statement of a scoped session (SELECTs, relationship loads, ORM-enabled UPDATE and DELETE)
gets ``workspace_id = <its workspace>`` for each workspace-scoped entity it touches, however the query
was written. The database's workspace keys (migration 0010) stop a row from pointing into another
workspace; this stops a forgotten filter from reading one.

Every service session is scoped: an op's (bot/services/base.py ``Op``, so ``ServiceBase.op``) and a
read's (``ServiceBase.read(actor)``), and the service queries carry no ``workspace_id`` filter of their
own. Left unscoped, because they work across workspaces or before there is an actor:

- registering a user and making a workspace (``Workspaces.register_user``, ``ensure_workspace``: the
  workspace is found or made by its Slack team, and the person's op begins once it is known);
- finding the actor for a Slack user (``Workspaces.actor``, by team and user id);
- the proactive planner's and the scheduler's scans (bot/proactive, bot/scheduler), which claim due
  work in every workspace in one session; what they share with the services takes the workspace as an
  argument and filters on it (``bot.services.summary.compute_summary``).

Helpers that take a workspace id as an argument (``lookup.rank``, ``workspace.user_by_slack``,
``deals.workspace_stages``, ``policy``) still filter on it: it is part of what they are called with.

Deleted records (``models.base.SoftDeleted``: contacts, companies, deals, tasks) are left out the same
way, from every session of the factory, scoped or not (the scheduler's reminder scan too): a deleted
record is gone from lookups, lists, cards, summaries and reports without a filter in each query. What
must see them asks with :func:`with_deleted` (undo, which brings them back; the pipeline totals, which
read a row's state before a flush) or the ``include_deleted`` execution option on one statement.

Rows a session already holds are not re-checked: ``Session.get`` of an object already in its identity
map returns it without a query. Core statements on tables (not ORM entities) are not touched either.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from models.base import SoftDeleted, WorkspaceScoped

WORKSPACE = "workspace_id"
# A session (``Session.info``) or a statement (execution option) that also sees deleted records.
INCLUDE_DELETED = "include_deleted"
_INSTALLED = "_crm_tenancy_installed"


def scoped(session: Session, workspace_id: int) -> Session:
    """From now on this session reads and bulk-writes only ``workspace_id``'s rows."""
    current = session.info.get(WORKSPACE)
    if current is not None and current != workspace_id:
        # One session serving two workspaces would be the very leak this prevents.
        raise ValueError(f"session already scoped to workspace {current}, not {workspace_id}")
    session.info[WORKSPACE] = workspace_id
    return session


def with_deleted(session: Session) -> Session:
    """From now on this session also reads deleted records (to restore them, or to see what they were)."""
    session.info[INCLUDE_DELETED] = True
    return session


def scope_of(session: Session) -> int | None:
    value = session.info.get(WORKSPACE)
    return int(value) if value is not None else None


def install(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Make the sessions of this factory honour :func:`scoped` (once per factory)."""
    if not getattr(sessions, _INSTALLED, False):
        event.listen(sessions, "do_orm_execute", _limit_to_workspace)
        event.listen(sessions, "do_orm_execute", _hide_deleted)
        setattr(sessions, _INSTALLED, True)
    return sessions


def _limit_to_workspace(state: ORMExecuteState) -> None:
    workspace_id = scope_of(state.session)
    if workspace_id is None:
        return
    # A column load refreshes an object already loaded (and so already checked).
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            WorkspaceScoped,
            # The workspace is read from the closure as a bound parameter, so the statement cache is shared.
            lambda cls: cls.workspace_id == workspace_id,
            include_aliases=True,
        )
    )


def _hide_deleted(state: ORMExecuteState) -> None:
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.session.info.get(INCLUDE_DELETED) or state.execution_options.get(INCLUDE_DELETED):
        return
    state.statement = state.statement.options(
        with_loader_criteria(SoftDeleted, lambda cls: cls.deleted_at.is_(None), include_aliases=True)
    )
