"""The team's pipelines in the console's demo, as a newcomer tries them: the stages with their win
probabilities, a stage removed with its deals moved by pressing a button, and a rep refused."""

from __future__ import annotations

from sqlalchemy import Engine, select

from models import PipelineStage
from tests.console.conftest import Driver
from tests.console.test_console import number_of


def test_the_demo_team_changes_its_stages_and_a_rep_may_not(console_factory, engine: Engine) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type("/crm stages")
    assert "Demo (demo) · 40%" in shown and "Won (won) · 100% · closed-won" in shown, shown

    asked = c.type("/crm stages remove Demo")
    assert "“Demo” holds" in asked and "Where should they go" in asked, asked
    moved = c.type(str(number_of(asked, "Proposal")))
    assert "Removed stage Demo in Sales." in moved and "moved to Proposal" in moved, moved
    with engine.connect() as conn:
        assert conn.scalar(select(PipelineStage.id).where(PipelineStage.key == "demo")) is None
    assert "Undone" in c.type(str(number_of(moved, "Undo")))
    with engine.connect() as conn:
        assert conn.scalar(select(PipelineStage.id).where(PipelineStage.key == "demo")) is not None

    c.type(":as bob")
    refused = c.type("/crm stages rename Demo to Evaluation")
    assert "Only a manager or an admin can change the pipelines and their stages." in refused, refused


def test_a_whole_pipeline_is_renamed_removed_and_brought_back_in_the_console(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    c.type("/crm pipelines add Renewals renewal")
    assert "Renamed pipeline Renewals → Upsell" in c.type("/crm pipelines rename Renewals to Upsell")
    c.type("/crm deal add Console renewal 5k")
    c.type("/crm deal pipeline Console renewal to Upsell")
    asked = c.type("/crm pipelines remove Upsell")
    assert "“Upsell” holds 1 deal" in asked, asked
    removed = c.type(str(number_of(asked, "Sales · Proposal")))
    assert "Removed pipeline Upsell" in removed and "1 deal moved to Sales · Proposal" in removed, removed
    assert "Undone" in c.type(str(number_of(removed, "Undo")))
    assert "Upsell" in c.type("/crm stages")
