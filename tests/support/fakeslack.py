"""The suite's fake Slack Web API: the console's stand-in (``bot.console.slackapi``), on a loopback port.

It records every call the bot makes, answers like Slack, serves ``response_url`` and the files upload
v2 ``upload_url``, and can fail the next calls of a method on request (429, 500, ``ok: false``).
"""

from __future__ import annotations

from bot.console.slackapi import Call, Fault, SlackStandIn


class FakeSlack(SlackStandIn):
    pass


__all__ = ["Call", "Fault", "FakeSlack"]
