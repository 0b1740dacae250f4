"""The one error handler: anything a listener did not expect is logged in full and answered in one line;
a database that cannot be reached is an outage, not a bug, and is logged as one line."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

from bot.db import is_unavailable, reason
from bot.slack.reply import SORRY

log = logging.getLogger("bot.errors")


def on_error(error: Exception, body: dict[str, Any], respond: Any = None) -> BoltResponse:
    if is_unavailable(error):
        log.warning("request not served: database unreachable: %s", reason(error))
    else:
        log.error("unhandled error in a Slack listener", exc_info=error)
    if respond is not None and isinstance(body, dict) and body.get("response_url"):
        try:
            respond(text=SORRY, response_type="ephemeral", replace_original=False)
        except Exception:
            log.exception("could not tell the person about the error")
    if isinstance(body, dict) and body.get("type") == "event_callback":
        # Failing before the ack means nothing was claimed or written: let Slack send it again later
        # (its retries are recognised, so it is still acted on once).
        return BoltResponse(status=500, body="")
    return BoltResponse(status=200, body="")


def register(app: App) -> None:
    app.error(on_error)
