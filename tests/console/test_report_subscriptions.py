"""A report subscribed to a channel in the console: the report arrives at its local time, its chart
after it, and the figures as text."""

from __future__ import annotations

import re

from tests.console.conftest import Driver


def test_a_subscribed_report_arrives_with_its_chart(console_factory) -> None:  # type: ignore[no-untyped-def]
    c: Driver = console_factory(demo=True)
    shown = c.type("/crm report subscribe won #sales weekly wed 09:00 this month")
    assert "#sales will get the team's deals won (this month), weekly on Wednesday at 09:00" in shown, shown
    assert "Undo" in shown
    listed = c.type("/crm report subscriptions")
    assert "Remove" in listed and "deals won (this month)" in listed, listed
    shown = c.type(":clock tomorrow 09:00")
    assert re.search(r"crm in #sales:\n  The team's deals won", shown), shown
    assert "*Per week*" in shown or "Per week" in shown, shown
    assert re.search(r"crm in #sales: 📎 Deals won and lost per week", shown), shown
    help_shown = c.type("/crm help report")
    assert "report subscribe" in help_shown and "report unsubscribe" in help_shown, help_shown


def test_a_report_for_one_pipeline_in_the_console(console_factory) -> None:  # type: ignore[no-untyped-def]
    c: Driver = console_factory(demo=True)
    c.type("/crm pipelines add Renewals renewal")
    shown = c.type("/crm report won pipeline renewals this month")
    assert "The team's deals won in Renewals" in shown and "0 deals" in shown, shown
    shown = c.type("/crm report funnel this month")
    assert "*Sales*" in shown or "Sales:" in shown, shown
    refused = c.type("/crm report won pipeline Upsell")
    assert "“Upsell” is not one of your pipelines" in refused and "Renewals" in refused, refused
    shown = c.type("/crm report subscribe won #sales weekly wed 09:00 this month pipeline Renewals")
    assert "#sales will get the team's deals won in Renewals (this month)" in shown, shown
    shown = c.type(":clock tomorrow 09:00")
    assert re.search(r"crm in #sales:\n  The team's deals won in Renewals", shown), shown
