"""The Web API client: Slack's URL unless ``SLACK_API_URL`` says otherwise, and 429s retried."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.settings import Settings

# slack_sdk logs every request and response at DEBUG, bodies included: oauth.v2.access's carries the
# workspace's new token. Secrets are never logged, so not even with `crm-bot -v`.
logging.getLogger("slack_sdk.web.base_client").setLevel(logging.INFO)

DEFAULT_API_URL = "https://slack.com/api/"
# A token the local console and tests use when no real one is configured; Slack would reject it.
PLACEHOLDER_TOKEN = "xoxb-local-placeholder"


def make_client(settings: Settings, *, token: str | None = None, max_retries: int = 3) -> WebClient:
    """In OAuth mode the client has no token of its own: each request's and each message's is its
    workspace's (``bot/slack/oauth.py``)."""
    return WebClient(
        token=token or settings.bot_token or (None if settings.oauth else PLACEHOLDER_TOKEN),
        base_url=settings.api_url or DEFAULT_API_URL,
        timeout=10,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ConnectionErrorRetryHandler(max_retry_count=1),
        ],
    )
