"""The exact /crm forms outside the message contract (bot.nlu.commands)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.nlu.commands import parse_command, split_share

NOW = datetime(2026, 11, 18, 10, tzinfo=ZoneInfo("America/New_York"))


def cmd(text: str) -> dict | None:
    return parse_command(text, user="U0ANN1111", now=NOW)


def test_share_flag() -> None:
    assert split_share("pipeline share") == ("pipeline", True)
    assert split_share("pipeline in channel") == ("pipeline", True)
    assert split_share("--share deals mine") == ("deals mine", True)

    def verbs(rest: str) -> bool:
        return rest.split()[0] in ("pipeline", "deals")

    assert split_share("pipeline team share", verbs) == ("pipeline team", True)
    assert split_share("share pipeline", verbs) == ("pipeline", True)
    task = "share the deck with Jane by Friday"
    assert split_share(task, verbs) == (task, False)
    assert split_share("ask Jane what she can share", verbs) == ("ask Jane what she can share", False)
    assert split_share("ask Jane what she can share in channel", verbs)[1] is True
    assert split_share("share") == ("share", False)


def test_listing_and_showing() -> None:
    assert cmd("deals") == {"intent": "list_deals", "confidence": 1.0, "slots": {"owner": "U0ANN1111"}}
    assert cmd("deals team")["slots"] == {}
    # One stage is the team's deals in it; "deals mine proposal" narrows it to one's own.
    assert cmd("deals proposal")["slots"] == {"stage": "proposal"}
    assert cmd("deals mine proposal")["slots"] == {"owner": "U0ANN1111", "stage": "proposal"}
    assert cmd("deals all won")["slots"] == {"stage": "won"}
    assert cmd("deals <@U0BOB2222|bob>")["slots"] == {"owner": "U0BOB2222"}
    assert cmd("deals are slow this month") is None
    assert cmd("deal show Acme renewal")["slots"] == {"deal": "Acme renewal"}
    assert cmd("contact show Jane Doe") == {
        "intent": "show_contact",
        "confidence": 1.0,
        "slots": {"contact": "Jane Doe"},
    }
    assert cmd("undo")["intent"] == "undo"
    assert cmd("had a call with Jane") is None


def test_changes() -> None:
    edit = cmd('contact edit Jane Doe title="VP Sales" lifecycle=customer')
    assert edit == {
        "intent": "update_contact",
        "confidence": 1.0,
        "slots": {"contact": "Jane Doe", "title": "VP Sales", "lifecycle": "customer"},
    }
    assert cmd("contact edit Jane Doe shoe=42")["intent"] == "invalid"
    assert cmd("deal amount Acme renewal $65k")["slots"] == {
        "deal": "Acme renewal",
        "amount": 65000.0,
        "currency": "USD",
    }
    assert cmd("deal amount Acme renewal lots")["intent"] == "invalid"
    # An ISO code before or after, a regional format: read whole, never left in the deal's name.
    assert cmd("deal amount Acme renewal EUR 27000")["slots"] == {
        "deal": "Acme renewal",
        "amount": 27000.0,
        "currency": "EUR",
    }
    assert cmd("deal amount Acme renewal 45.000 CHF")["slots"]["currency"] == "CHF"
    assert cmd("deal close Acme renewal 2026-12-20")["slots"] == {
        "deal": "Acme renewal",
        "close_date": "2026-12-20",
    }
    assert cmd("deal close Acme renewal on friday")["slots"] == {
        "deal": "Acme renewal",
        "close_date": "2026-11-20",
    }
    assert cmd("deal close Acme renewal someday")["intent"] == "invalid"
    assert cmd("task done #12")["slots"] == {"task": 12}
    logged = cmd("log meeting on deal Acme renewal: kickoff")
    assert logged["slots"] == {"kind": "meeting", "deal": "Acme renewal", "summary": "kickoff"}


def test_role_forms() -> None:
    assert cmd("role") == {"intent": "show_roles", "confidence": 1.0, "slots": {}}
    assert cmd("roles")["intent"] == "show_roles"
    assert cmd("role <@U0BOB2222|bob>")["slots"] == {"person": "U0BOB2222"}
    assert cmd("role <@U0BOB2222|bob> Manager") == {
        "intent": "set_role",
        "confidence": 1.0,
        "slots": {"person": "U0BOB2222", "role": "manager"},
    }
    assert cmd("role <@U0BOB2222|bob> boss")["intent"] == "invalid"
    assert cmd("role bob manager")["slots"]["field"] == "person"
    # Chat that starts with the word is left to the parser.
    assert cmd("role play the demo with Jane tomorrow") is None
