"""The app leaving a workspace: ``app_uninstalled``, ``tokens_revoked``, and an org-wide install's
``team_access_revoked`` (``team_access_granted`` brings one back). The tokens go at once; the
CRM data stays for the retention period (CRM_UNINSTALL_RETENTION_DAYS), then the scheduler purges it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack import oauth


def on_uninstalled(ack: Ack, context: BoltContext) -> None:
    # Before the ack: a failure is a 500, and Slack sends the event again.
    oauth.uninstalled(context["services"], context)
    ack()


def on_tokens_revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    oauth.tokens_revoked(context["services"], event, context)
    ack()


def on_team_access_granted(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    oauth.team_access(context["services"], event, context, granted=True)
    ack()


def on_team_access_revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    oauth.team_access(context["services"], event, context, granted=False)
    ack()


def register(app: App) -> None:
    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
    # Org-wide installs on Enterprise Grid: the org admin adds or removes workspaces.
    app.event("team_access_granted")(on_team_access_granted)
    app.event("team_access_revoked")(on_team_access_revoked)
