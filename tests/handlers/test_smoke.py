from tests.support.slackhttp import SlackHTTP, text_of


def test_help(slack: SlackHTTP) -> None:
    reply = slack.command("help")
    assert "contact add" in text_of(reply)
