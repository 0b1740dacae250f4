"""The benchmark seeder at a small scale: rows land where the services find them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select

from bench.seed import seed
from bot.db import make_session_factory
from bot.services import CRM
from models import AuditEvent, Company, Contact, Deal, Feedback, Interaction, PipelineStage, Quota
from tests.support.feedback_rows import same


def test_seed_makes_a_workspace_the_services_can_work_with(engine: Engine) -> None:
    made = seed(engine, contacts=300, deals=2_000, users=5, migrate=False)
    assert (made.contacts, made.deals, made.companies) == (300, 2_000, 30)

    with engine.connect() as conn:
        assert conn.scalar(select(func.count(Deal.id))) == 2_000
        total = conn.scalar(select(func.sum(Deal.amount)))
        name = conn.scalar(select(Contact.name).order_by(Contact.id).limit(1))
    assert name is not None

    crm = CRM(make_session_factory(engine))
    manager = crm.actor("TBENCH", "UB00000")
    assert manager is not None and manager.is_manager
    pipeline = crm.pipeline(manager)
    assert sum(s.count for s in pipeline.stages) == 2_000
    assert sum((a for s in pipeline.stages for a in s.amounts.values()), Decimal(0)) == total
    # A typo in the last name still finds the person.
    first, last = name.split(" ", 1)
    assert name in [c.name for c in crm.find_contacts(manager, f"{first} {last[:-1]}x")]
    # New rows get fresh ids after the explicit ones the seeder used.
    written = crm.create_contact(manager, "Brand New Person", force=True)
    assert written.contact is not None and written.contact.id > 300


def test_seeded_history_reads_as_the_services_write_it(engine: Engine) -> None:
    seed(
        engine,
        contacts=200,
        deals=300,
        users=4,
        migrate=False,
        audit_events=3_000,
        interactions=500,
        feedback=40,
        quotas=True,
    )
    with engine.connect() as conn:
        now = {
            d.id: (d.stage_id, d.amount, d.close_date, d.closed_at, d.stage_changed_at)
            for d in conn.execute(
                select(
                    Deal.id,
                    Deal.stage_id,
                    Deal.amount,
                    Deal.close_date,
                    Deal.closed_at,
                    Deal.stage_changed_at,
                )
            )
        }
        events = conn.execute(
            select(AuditEvent.record_id, AuditEvent.action, AuditEvent.after)
            .where(AuditEvent.record_type == "deal")
            .order_by(AuditEvent.record_id, AuditEvent.at, AuditEvent.id)
        ).all()
        closed = set(conn.scalars(select(PipelineStage.id).where(PipelineStage.is_closed.is_(True))))
        lead = conn.scalar(select(PipelineStage.id).where(PipelineStage.key == "lead"))
        interactions = conn.scalar(select(func.count(Interaction.id)))
        answers = conn.execute(select(Feedback.company_id, Contact.company_id).join(Contact)).all()
        names = conn.execute(
            select(Feedback.id, Company.name).join(Company, Company.id == Feedback.company_id)
        ).all()
        quotas = conn.scalar(select(func.count(Quota.id)))
    assert 2_700 <= len(events) <= 3_300
    # Folded in order, each deal's events give the deal as it is now: made first, in Lead.
    folded: dict[int, dict[str, object]] = {}
    for deal_id, action, after in events:
        if deal_id not in folded:
            assert action == "create" and after["stage_id"] == lead
        folded.setdefault(deal_id, {}).update(after)
    for deal_id, (stage_id, amount, close_date, closed_at, changed) in now.items():
        was = folded[deal_id]
        assert was["stage_id"] == stage_id
        assert Decimal(str(was["amount"])) == amount and was["close_date"] == close_date.isoformat()
        # A closed deal closed when it last moved, as the deals service records it.
        assert (closed_at == changed) if stage_id in closed else closed_at is None
    assert interactions == 500 and quotas and len(answers) == 40
    assert all(given == own for given, own in answers)

    crm = CRM(make_session_factory(engine))
    manager = crm.actor("TBENCH", "UB00000")
    assert manager is not None
    today = date.today()
    funnel = crm.funnel(manager, today - timedelta(days=400), today + timedelta(days=1))
    # Every deal added went through Lead; the ones further on came from it.
    assert funnel.added == 300 and funnel.stages[0].reached == 300
    assert funnel.stages[0].median_days is not None
    # The answers carry their contacts' owners and companies' names, as the services' writes do.
    kept = same(crm)
    assert len(kept) == 40 and {kept[i][2] for i, _ in names} == {n for _, n in names} and names


def test_seeded_stage_history_is_what_the_migration_folds_from_the_audit_trail(engine: Engine) -> None:
    """The seeder writes each deal's stage history with its audit events; folding those events again
    as migration 0031 does (from the audit trail alone) gives the same rows."""
    import importlib.util
    from pathlib import Path

    from models import DealStageChange

    seed(engine, contacts=100, deals=200, users=3, migrate=False, audit_events=1_500)
    columns = [c for c in DealStageChange.__table__.c if c.name != "id"]

    def rows() -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(select(*columns).order_by(DealStageChange.deal_id, DealStageChange.at))
            ]

    seeded = rows()
    assert len(seeded) > 200  # a first row per deal, and its moves and edits
    path = Path(__file__).parents[2] / "models" / "migrations" / "versions" / "0031_deal_stage_changes.py"
    spec = importlib.util.spec_from_file_location("m0031", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with engine.begin() as conn:
        conn.execute(DealStageChange.__table__.delete())
        migration._backfill(conn)
    assert rows() == seeded
