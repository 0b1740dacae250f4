"""Pipelines the team defines, over signed HTTP: managers and admins add, rename, reorder and remove
stages (each with a win probability and an outcome), and add pipelines; removing a stage that holds
deals asks where they go; everything that names stages follows; every change is audited and undone
from its card; reps are refused.

Ann writes first, so she is the admin; Bob is a rep."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import ManualClock
from models import AuditEvent, Deal, Pipeline, PipelineStage
from tests.handlers.helpers import count, rows
from tests.handlers.test_views import open_modal
from tests.support.slackhttp import BOB, SlackHTTP, block_actions, button, buttons, text_of


def stage_names(slack: SlackHTTP, pipeline: str = "sales") -> list[str]:
    (p,) = rows(slack, Pipeline, Pipeline.key == pipeline)
    return [
        st.name
        for st in sorted(
            rows(slack, PipelineStage, PipelineStage.pipeline_id == p.id), key=lambda x: x.position
        )
    ]


def stage_of(slack: SlackHTTP, title: str) -> PipelineStage:
    (deal,) = rows(slack, Deal, Deal.title == title)
    (stage,) = rows(slack, PipelineStage, PipelineStage.id == deal.stage_id)
    return stage


def test_an_admin_adds_renames_reorders_and_sets_stages_and_undoes_each(slack: SlackHTTP) -> None:
    listed = text_of(slack.command("stages"))
    assert "*Demo* (`demo`) · 40%" in listed and "*Won* (`won`) · 100% · closed-won" in listed, listed

    added = slack.command("stages add Security review before negotiation 50%")
    assert "Added stage *Security review* (`security_review`) · 50%" in text_of(added), text_of(added)
    assert stage_names(slack) == [
        "Lead", "Qualified", "Demo", "Proposal", "Security review", "Negotiation", "Won", "Lost",
    ]  # fmt: skip
    renamed = slack.command("stages rename Demo to Evaluation")
    assert "renamed: Demo → Evaluation" in text_of(renamed), text_of(renamed)
    moved = slack.command("stages move Proposal before Evaluation")
    assert "order: Lead, Qualified, Proposal, Evaluation" in text_of(moved), text_of(moved)
    set_ = slack.command("stages set Evaluation 30%")
    assert "win probability: 40% → 30%" in text_of(set_), text_of(set_)
    churned = text_of(slack.command("stages add Churned lost"))
    assert "Churned" in churned and "closed-lost" in churned, churned
    (churn,) = rows(slack, PipelineStage, PipelineStage.key == "churned")
    assert (churn.is_closed, churn.is_won, churn.probability) == (True, False, 0)

    # Everything that names stages follows: a deal moves to the team's name as written, help lists it.
    slack.command("deal add Acme renewal 50k")
    assert "Evaluation" in text_of(slack.command("deal move Acme renewal to evaluation"))
    assert stage_of(slack, "Acme renewal").key == "evaluation"
    refused = text_of(slack.command("deal move Acme renewal to demo"))
    assert "“demo” is not a pipeline stage" in refused and "evaluation" in refused, refused
    assert "evaluation, security_review" in text_of(slack.command("help deals"))
    assert "Evaluation" in text_of(slack.command("pipeline"))

    # Each change is audited as Ann's, and its Undo takes it back.
    assert count(slack, AuditEvent, AuditEvent.record_type == "stage") >= 5
    slack.press(set_, "Undo")
    (evaluation,) = rows(slack, PipelineStage, PipelineStage.key == "evaluation")
    assert evaluation.probability == 40
    slack.press(moved, "Undo")
    assert stage_names(slack)[2:4] == ["Evaluation", "Proposal"]


def test_removing_a_stage_with_deals_asks_where_they_go_and_undo_brings_it_back(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal 50k stage demo")
    slack.command("deal add Globex pilot 10k stage demo")
    asked = slack.command("stages remove Demo")
    assert "“Demo” holds 2 deals. Where should they go" in text_of(asked), text_of(asked)
    assert "Demo" in stage_names(slack)  # nothing removed before the choice
    labels = [b["text"]["text"] for b in buttons(asked)]
    assert labels == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"], labels

    url = slack.new_response_url()
    slack.send_payload(block_actions(button(asked, "Proposal"), response_url=url))
    done = slack.wait_response(url)
    assert "Removed stage Demo" in text_of(done) and "2 deals moved to Proposal" in text_of(done), text_of(
        done
    )
    assert "Demo" not in stage_names(slack)
    assert (
        stage_of(slack, "Acme renewal").key == "proposal"
        and stage_of(slack, "Globex pilot").key == "proposal"
    )
    moves = rows(slack, AuditEvent, AuditEvent.record_type == "deal", AuditEvent.action == "update")
    assert len(moves) == 2 and all(e.after and "stage_id" in e.after for e in moves)
    assert "Demo" not in text_of(slack.command("pipeline"))
    history = text_of(slack.command("history Acme renewal"))
    assert "moved it Demo → Proposal" in history, history

    undone = text_of(slack.press(done, "Undo"))
    assert "Undone" in undone, undone
    assert stage_names(slack)[2] == "Demo"
    assert stage_of(slack, "Acme renewal").key == "demo" and stage_of(slack, "Globex pilot").key == "demo"

    # Named at once, and the last open stage is kept.
    direct = text_of(slack.command("stages remove Demo to Lead"))
    assert "2 deals moved to Lead" in direct, direct
    for key in ("qualified", "proposal", "negotiation"):
        slack.command(f"stages remove {key}")
    kept = text_of(slack.command("stages remove Lead to Won"))
    assert "last open stage" in kept, kept


def test_a_rep_is_refused_every_change_and_nothing_is_written(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann: the admin
    slack.command("help", user=BOB)
    before = count(slack, AuditEvent)
    for verb in (
        "stages add Security review",
        "stages rename Demo to Evaluation",
        "stages move Proposal before Demo",
        "stages set Demo 10%",
        "stages remove Demo",
        "pipelines add Renewals renewal",
    ):
        refused = text_of(slack.command(verb, user=BOB))
        assert "Only a manager or an admin can change the pipelines and their stages." in refused, (
            verb,
            refused,
        )
    assert count(slack, AuditEvent) == before
    assert "Demo" in stage_names(slack)
    assert "Lead" in text_of(slack.command("stages", user=BOB))  # reading them is everyone's


def test_values_refused_name_the_value_and_the_form(slack: SlackHTTP) -> None:
    bad = text_of(slack.command("stages set Demo probability=140"))
    assert "“140” is not a win probability" in bad and "/crm stages set Demo 40%" in bad, bad
    before = count(slack, AuditEvent)
    for written in ("-10%", "150%", "12.5%"):
        shown = text_of(slack.command(f"stages set Demo {written}"))
        assert f"“{written.rstrip('%')}” is not a win probability" in shown, (written, shown)
    assert count(slack, AuditEvent) == before
    (demo,) = rows(slack, PipelineStage, PipelineStage.key == "demo")
    assert demo.probability != 10
    unknown = text_of(slack.command("stages rename Sideways to Forwards"))
    assert "“Sideways” is not a pipeline stage" in unknown, unknown
    twice = text_of(slack.command("stages add demo"))
    assert "Sales already has a stage called “demo”" in twice, twice
    nowhere = text_of(slack.command("stages add Pilot in Partnerships"))
    assert "“Partnerships” is not one of your pipelines" in nowhere and "Sales" in nowhere, nowhere


def test_a_renewals_pipeline_has_its_own_stages_deals_and_summary(slack: SlackHTTP) -> None:
    made = text_of(slack.command("pipelines add Renewals renewal"))
    assert "Added pipeline Renewals" in made and "renewals" in made, made
    (renewals,) = rows(slack, Pipeline, Pipeline.key == "renewals")
    assert renewals.is_renewal and stage_names(slack, "renewals")[0] == "Lead"
    slack.command("stages rename renewals:demo to Usage review")
    assert "Usage review" in stage_names(slack, "renewals") and "Demo" in stage_names(slack)

    slack.command("deal add Acme renewal 50k")
    slack.command("deal add Initech pilot 10k")
    moved = text_of(slack.command("deal pipeline Acme renewal to Renewals"))
    assert "Renewals · Lead" in moved, moved
    # In its pipeline now, a stage name is read there first.
    card = slack.command("deal move Acme renewal to usage review")
    assert "Renewals · Usage review" in text_of(card), text_of(card)
    # Its form offers every pipeline's stages, each named with its pipeline, and starts on its own.
    view, _url = open_modal(slack, card, "Edit")
    (select_,) = [b for b in view["blocks"] if b["block_id"] == "f_stage"]
    options = [(o["value"], o["text"]["text"]) for o in select_["element"]["options"]]
    assert ("demo", "Sales · Demo") in options and (
        "renewals:usage_review",
        "Renewals · Usage review",
    ) in options
    assert select_["element"]["initial_option"]["value"] == "renewals:usage_review"
    assert stage_of(slack, "Acme renewal").pipeline_id == renewals.id
    assert stage_of(slack, "Initech pilot").pipeline_id != renewals.id

    summary = text_of(slack.command("pipeline"))
    assert "*Sales*" in summary and "*Renewals*" in summary and "Usage review" in summary, summary
    only = text_of(slack.command("pipeline renewals"))
    assert "Pipeline: Renewals: 1 open deal worth $50,000" in only, only
    assert "Usage review" in only and "*Sales*" not in only and "Demo" not in only, only


def test_the_stage_form_adds_and_changes_a_stage(slack: SlackHTTP) -> None:
    import json

    listed = slack.command("stages")
    before = len(slack.fake.calls_to("views.open"))
    url = slack.new_response_url()
    slack.send_payload(block_actions(button(listed, "Add or change a stage"), response_url=url))
    call = slack.fake.wait_calls("views.open", before + 1)[before]
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    (stage_select,) = [b for b in view["blocks"] if b["block_id"] == "stage"]
    assert [o["value"] for o in stage_select["element"]["options"]][1:3] == ["lead", "qualified"]

    from tests.support.slackhttp import view_submission

    values = {
        "stage": {"v": {"type": "static_select", "selected_option": {"value": "__new__"}}},
        "name": {"v": {"type": "plain_text_input", "value": "Pilot"}},
        "probability": {"v": {"type": "plain_text_input", "value": "55"}},
        "outcome": {"v": {"type": "static_select", "selected_option": None}},
        "before": {"v": {"type": "static_select", "selected_option": {"value": "proposal"}}},
    }
    assert slack.send_payload(view_submission(view, values)).status == 200
    answer = slack.wait_response(url)
    assert "Added stage *Pilot*" in text_of(answer) or "Added stage Pilot" in text_of(answer), text_of(answer)
    assert stage_names(slack)[3:5] == ["Pilot", "Proposal"]
    (pilot,) = rows(slack, PipelineStage, PipelineStage.key == "pilot")
    assert pilot.probability == 55

    bad = {**values, "probability": {"v": {"type": "plain_text_input", "value": "lots"}}}
    refused = slack.send_payload(view_submission(view, bad))
    assert refused.status == 200 and "probability" in str(refused.body), refused.body
    with slack.services.sessions() as s:
        assert s.scalar(select(PipelineStage.id).where(PipelineStage.key == "pilot_2")) is None


def test_an_admin_renames_and_removes_a_whole_pipeline_and_undoes_each(slack: SlackHTTP) -> None:
    slack.command("pipelines add Renewals renewal")
    slack.command("deal add Acme renewal 50k")
    slack.command("deal add Globex renewal 20k")
    for title in ("Acme renewal", "Globex renewal"):
        slack.command(f"deal pipeline {title} to Renewals")
    slack.command("deal move Globex renewal to renewals:proposal")

    renamed = slack.command("pipelines rename Renewals to Upsell")
    assert "Renamed pipeline Renewals → *Upsell*" in text_of(renamed), text_of(renamed)
    assert stage_names(slack, "upsell")[0] == "Lead"
    assert "Upsell · Proposal" in text_of(slack.command("deal show Globex renewal"))
    refused = text_of(slack.command("pipelines rename Upsell to Sales"))
    assert "There is already a pipeline called “Sales”" in refused, refused
    slack.press(renamed, "Undo")
    assert rows(slack, Pipeline, Pipeline.key == "renewals")[0].name == "Renewals"

    # Removing one that holds deals asks where they go: a stage of another pipeline.
    asked = slack.command("pipelines remove Renewals")
    assert "“Renewals” holds 2 deals. Where should they go" in text_of(asked), text_of(asked)
    labels = [b["text"]["text"] for b in buttons(asked)]
    assert labels[:2] == ["Sales · Lead", "Sales · Qualified"] and not any("Renewals" in x for x in labels)
    assert count(slack, Pipeline) == 2  # nothing removed before the choice
    url = slack.new_response_url()
    slack.send_payload(block_actions(button(asked, "Sales · Proposal"), response_url=url))
    done = slack.wait_response(url)
    assert "Removed pipeline Renewals" in text_of(done) and "2 deals moved to Sales · Proposal" in text_of(
        done
    ), text_of(done)
    assert count(slack, Pipeline) == 1 and not rows(slack, Pipeline, Pipeline.key == "renewals")
    assert stage_of(slack, "Acme renewal").key == "proposal" == stage_of(slack, "Globex renewal").key
    history = text_of(slack.command("history Acme renewal"))
    assert "moved it" in history and "→ Proposal" in history, history

    undone = text_of(slack.press(done, "Undo"))
    assert "Undone" in undone, undone
    assert stage_names(slack, "renewals")[:3] == ["Lead", "Qualified", "Demo"]
    assert (
        stage_of(slack, "Acme renewal").key == "lead" and stage_of(slack, "Globex renewal").key == "proposal"
    )
    assert (
        stage_of(slack, "Globex renewal").pipeline_id
        == rows(slack, Pipeline, Pipeline.key == "renewals")[0].id
    )
    assert "Renewals" in text_of(slack.command("pipeline"))

    # Named at once; the first pipeline stays; a rep may do neither.
    direct = text_of(slack.command("pipelines remove Renewals to negotiation"))
    assert "2 deals moved to Sales · Negotiation" in direct, direct
    first = text_of(slack.command("pipelines remove Sales"))
    assert "“Sales” is the first pipeline" in first, first
    slack.command("pipelines add Partners")
    for words in ("pipelines rename Partners to Alliances", "pipelines remove Partners"):
        refused = text_of(slack.command(words, user=BOB))
        assert "Only a manager or an admin can change the pipelines and their stages." in refused, refused
    assert rows(slack, Pipeline, Pipeline.key == "partners")


def test_one_pipelines_summary_shows_only_its_own_changes_and_tasks(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    slack.command("pipelines add Renewals renewal")
    slack.command("deal add Acme renewal 50k")
    slack.command("deal add Initech pilot 10k")
    slack.command("deal move Initech pilot to demo")
    slack.command("deal pipeline Acme renewal to Renewals")
    clock.advance(minutes=5)
    only = text_of(slack.command("pipeline renewals"))
    assert "Acme renewal" in only and "Initech pilot" not in only, only
    # A move between pipelines names both.
    assert "Sales · Lead → Renewals · Lead" in only, only
    # A task on no deal of the pipeline is overdue for the team, not in the pipeline's summary.
    slack.command("task add chase Initech today 11am")
    clock.advance(hours=2)
    assert "*Overdue tasks:* 1" in text_of(slack.command("pipeline"))
    assert "*Overdue tasks:* 0" in text_of(slack.command("pipeline renewals"))
