"""Which response_urls the bot will post to: Slack's own hosts over https, and hosts the operator lists."""

from __future__ import annotations

import pytest

from bot.slack.verify import allowed_response_url


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T1/123/abc",
        "https://hooks.slack.com/actions/T1/123/abc",
        "https://HOOKS.SLACK.COM/commands/T1/1/a",
        "https://hooks.slack-gov.com/commands/T1/123/abc",
    ],
)
def test_slack_hosts_are_allowed(url: str) -> None:
    assert allowed_response_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/commands/T1/1/a",  # not https
        "https://hooks.slack.com.attacker.net/x",
        "https://attacker.net/hooks.slack.com/x",
        "https://attacker.net/?u=https://hooks.slack.com/x",
        "https://user@attacker.net@hooks.slack.com/x",
        "https://slack.com.attacker.net/x",
        "https://hooks.slack.com:99999/x",
        "ftp://hooks.slack.com/x",
        "javascript:alert(1)",
        "",
        None,
        42,
        ["https://hooks.slack.com/x"],
    ],
)
def test_anything_else_is_refused(url: object) -> None:
    assert not allowed_response_url(url)


def test_listed_hosts_are_allowed_with_their_port() -> None:
    assert allowed_response_url("http://127.0.0.1:8123/response/r1", ["127.0.0.1:8123"])
    assert not allowed_response_url("http://127.0.0.1:8124/response/r1", ["127.0.0.1:8123"])
    assert allowed_response_url("https://proxy.internal/x", ["proxy.internal"])
    assert not allowed_response_url("https://proxy.internal:444/x", ["proxy.internal"])
