"""The shortcuts and pickers in the console: a message said in a channel logged to the CRM with its
link, a global shortcut's form whose company is chosen among numbered matches, and the App Home."""

from __future__ import annotations

from sqlalchemy import Engine, select

from models import Company, Deal, Interaction
from tests.console.conftest import Driver


def test_log_a_channel_message_with_a_picked_company(console_factory, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    c: Driver = console_factory(scheduler=False)
    c.type("/crm company add Brightdale Labs")
    c.type("/crm contact add Sofia Reyes")
    shown = c.type(":post had a call with Sofia Reyes at Brightdale, she wants the security review by Friday")
    assert "[message 1] You in #general" in shown
    # Kind kept, contact and company searched (the company by a word of its name) and picked by
    # number, deal skipped, summary/when/follow-up kept, the thread note ticked.
    c.console._lines = iter(["", "sof", "2", "lab", "2", "", "", "", "", "", "", "", "1"])
    shown = c.type(":log")
    assert "┌─ Log interaction" in shown and "From this message" in shown
    assert "2. Sofia Reyes" in shown and "1. “lab” as typed" in shown and "2. Brightdale Labs" in shown
    assert "Logged a call with" in shown
    with engine.connect() as conn:
        (logged,) = conn.execute(select(Interaction.kind, Interaction.permalink)).all()
        company = conn.scalar(select(Company.id).where(Company.name == "Brightdale Labs"))
    assert logged.kind == "call" and "/archives/CGENERAL/p" in logged.permalink
    assert company is not None
    assert "logged this to the CRM" in shown  # the quiet note in the message's thread


def test_a_global_shortcut_and_the_home_tab(console_factory, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    c: Driver = console_factory(scheduler=False)
    c.type("/crm company add Globex")
    c.console._lines = iter(["Globex expansion", "glob", "2", "", "30k", "", "", ""])
    shown = c.type(":new deal")
    assert "┌─ New deal" in shown and "2. Globex" in shown
    with engine.connect() as conn:
        (deal,) = conn.execute(select(Deal.title, Deal.company_id)).all()
    assert deal.title == "Globex expansion" and deal.company_id is not None
    shown = c.type(":home")
    assert "Your deals by stage" in shown and "Globex expansion" in shown
