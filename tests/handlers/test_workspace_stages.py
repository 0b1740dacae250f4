"""A workspace's pipeline is its rows in pipeline_stages: a team that renamed and added stages moves deals
to its own stages as written, and its forms, help, errors and pipeline name its stages, never the default
list."""

from __future__ import annotations

from sqlalchemy import select, update

from models import Deal, PipelineStage, Workspace
from tests.handlers.helpers import rows
from tests.handlers.test_views import open_modal
from tests.support.slackhttp import SlackHTTP, text_of

OWN = "lead, qualified, poc, proposal, security_review, negotiation, won, lost"


def _own_pipeline(slack: SlackHTTP) -> None:
    """ "demo" renamed to a proof of concept, and a security review added before negotiation."""
    slack.command("help")  # the workspace and its default stages exist once someone wrote
    with slack.services.sessions.begin() as s:
        ws = s.scalar(select(Workspace.id).where(Workspace.team_id == "T1"))
        s.execute(
            update(PipelineStage)
            .where(PipelineStage.workspace_id == ws, PipelineStage.key == "demo")
            .values(key="poc", name="Proof of concept")
        )
        s.execute(
            update(PipelineStage)
            .where(PipelineStage.workspace_id == ws, PipelineStage.position >= 4)
            .values(position=PipelineStage.position + 1)
        )
        pipeline = s.scalar(
            select(PipelineStage.pipeline_id).where(PipelineStage.workspace_id == ws).limit(1)
        )
        s.add(
            PipelineStage(
                workspace_id=ws,
                pipeline_id=pipeline,
                key="security_review",
                name="Security Review",
                position=4,
            )
        )


def test_deals_move_to_the_workspaces_own_stages_as_written(slack: SlackHTTP) -> None:
    _own_pipeline(slack)
    slack.command("deal add Acme renewal 50k")
    moved = text_of(slack.command("deal move Acme renewal to security review"))
    assert "Security Review" in moved, moved
    (deal,) = rows(slack, Deal)
    (stage,) = rows(slack, PipelineStage, PipelineStage.id == deal.stage_id)
    assert stage.key == "security_review"

    assert "Proof of concept" in text_of(slack.dm("move Acme renewal to Proof Of Concept"))
    assert "Security Review" in text_of(slack.dm("set Acme renewal stage to SECURITY-REVIEW"))


def test_a_stage_the_workspace_does_not_have_is_refused_naming_its_stages(slack: SlackHTTP) -> None:
    _own_pipeline(slack)
    slack.command("deal add Acme renewal 50k")
    gone = text_of(slack.command("deal move Acme renewal to demo"))
    assert "“demo” is not a pipeline stage" in gone and f"Stages: {OWN}." in gone, gone
    unknown = text_of(slack.command("deal move Acme renewal to finished"))
    assert "“finished” is not a pipeline stage" in unknown and OWN in unknown, unknown
    typed = text_of(slack.command("deal add Initech pilot 10k stage sideways"))
    assert "“sideways” is not a pipeline stage" in typed and OWN in typed and "/crm deal add" in typed, typed
    (deal,) = rows(slack, Deal)
    (stage,) = rows(slack, PipelineStage, PipelineStage.id == deal.stage_id)
    assert stage.key == "lead"


def test_help_forms_and_the_pipeline_name_the_workspaces_stages(slack: SlackHTTP) -> None:
    _own_pipeline(slack)
    helped = text_of(slack.command("help deals"))
    assert f"Move a deal to a stage ({OWN})." in helped, helped

    card = slack.command("deal add Acme renewal 50k")
    view, _url = open_modal(slack, card, "Edit")
    (stage,) = [b for b in view["blocks"] if b["block_id"] == "f_stage"]
    options = [(o["value"], o["text"]["text"]) for o in stage["element"]["options"]]
    assert ("security_review", "Security Review") in options and ("poc", "Proof of concept") in options
    assert [v for v, _ in options] == OWN.split(", ")
    assert stage["element"]["initial_option"]["value"] == "lead"

    slack.command("deal move Acme renewal to security review")
    pipeline = text_of(slack.command("pipeline"))
    assert "Security Review" in pipeline and "Proof of concept" in pipeline and "Demo" not in pipeline, (
        pipeline
    )
