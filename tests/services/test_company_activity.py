"""When each company's deals were last active (bot/services/company_activity.py), kept for the customers
gone quiet: after every kind of write and its undo it must equal the rows counted again from scratch,
and say when the company's deals were last active as the story tells it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from bench.seed import seed
from bot.clock import ManualClock
from bot.db import make_session_factory
from bot.services import CRM, Actor, company_activity
from bot.services.dataio.importer import Importer
from models import Company, CompanyActivity

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def kept(crm: CRM, workspace_id: int) -> dict[int, datetime]:
    with crm.sessions() as s:
        return {
            r.company_id: r.last_activity_at
            for r in s.scalars(select(CompanyActivity).where(CompanyActivity.workspace_id == workspace_id))
        }


def recounted(crm: CRM, workspace_id: int) -> dict[int, datetime]:
    """The same, counted again from the deals (and rolled back)."""
    engine = crm.sessions.kw["bind"]
    with crm.sessions() as s:
        conn = s.connection()
        company_activity.rebuild(conn, workspace_id)
        rows = {
            r.company_id: r.last_activity_at
            for r in s.scalars(select(CompanyActivity).where(CompanyActivity.workspace_id == workspace_id))
        }
        s.rollback()
    assert engine is not None
    return rows


def same(crm: CRM, actor: Actor) -> dict[str, datetime]:
    """The kept rows, checked against a recount, by company name."""
    now, again = kept(crm, actor.workspace_id), recounted(crm, actor.workspace_id)
    assert now == again
    with crm.sessions() as s:
        names = dict(
            s.execute(select(Company.id, Company.name).execution_options(include_deleted=True)).tuples().all()
        )
    return {names[c]: at for c, at in now.items()}


def _company_ids(crm: CRM) -> dict[str, int]:
    with crm.sessions() as s:
        return dict(s.execute(select(Company.name, Company.id)).tuples().all())


def test_rows_follow_deals_activity_moves_deletes_merges_and_undos(engine: Engine) -> None:
    clock = ManualClock(START)
    crm = CRM(make_session_factory(engine), clock.now)
    ann = crm.register_user("T1", "UANN", name="Ann Rep", tz="UTC", role="admin")
    a = crm.create_deal(ann, "Acme renewal", company="Acme", amount="5000")
    clock.advance(timedelta(days=1))
    jane = crm.create_contact(ann, "Jane Doe", company="Acme").contact
    assert jane is not None
    b = crm.create_deal(ann, "Acme pilot", company="Acme", amount="700", contact=jane.id)
    crm.create_deal(ann, "Solo", amount="10")  # no company: no row
    clock.advance(timedelta(days=1))
    g = crm.create_deal(ann, "Globex order", company="Globex", amount="100")
    assert a.deal and b.deal and g.deal
    assert same(crm, ann) == {"Acme": START + timedelta(days=1), "Globex": START + timedelta(days=2)}

    # Activity logged on a deal, and with a contact (each of their open deals): set-based updates.
    clock.advance(timedelta(days=3))
    crm.log_interaction(ann, "call", "pricing", deal=a.deal.id)
    assert same(crm, ann)["Acme"] == START + timedelta(days=5)
    clock.advance(timedelta(days=1))
    crm.log_interaction(ann, "email", "sent the deck", contact=jane.id)
    assert same(crm, ann)["Acme"] == START + timedelta(days=6)

    # An edit is activity; a deal moved to another company takes its activity with it, and back.
    clock.advance(timedelta(days=1))
    moved = crm.update_deal(ann, b.deal.id, company="Globex")
    rows = same(crm, ann)
    assert rows["Globex"] == START + timedelta(days=7) and rows["Acme"] == START + timedelta(days=5)
    crm.undo(ann, moved.op_id)
    assert same(crm, ann)["Acme"] == START + timedelta(days=6)

    # Deleting a company's only deal removes its row; the undo brings it back.
    gone = crm.delete_record(ann, "deal", "Globex order")
    assert "Globex" not in same(crm, ann)
    crm.undo(ann, gone.op_id)
    assert same(crm, ann)["Globex"] == START + timedelta(days=2)

    # Merging Globex into Acme: its deals are Acme's; the undo parts them again.
    ids = _company_ids(crm)
    merged = crm.merge(ann, "company", ids["Acme"], ids["Globex"])
    assert set(same(crm, ann)) == {"Acme"}
    crm.undo(ann, merged.op_id)
    assert same(crm, ann)["Globex"] == START + timedelta(days=2)

    # A company deleted with its deals, and put back.
    gone = crm.delete_record(ann, "company", "Acme", with_records=True)
    assert set(same(crm, ann)) == {"Globex"}
    crm.undo(ann, gone.op_id)
    assert same(crm, ann)["Acme"] == START + timedelta(days=6)

    # A deal made and undone leaves nothing behind.
    clock.advance(timedelta(days=1))
    h = crm.create_deal(ann, "Hooli upsell", company="Hooli")
    assert same(crm, ann)["Hooli"] == START + timedelta(days=8)
    crm.undo(ann, h.op_id)
    assert "Hooli" not in same(crm, ann)


def test_rows_follow_a_stage_removed_with_its_deals_moved_and_put_back(engine: Engine) -> None:
    clock = ManualClock(START)
    crm = CRM(make_session_factory(engine), clock.now)
    ann = crm.register_user("T1", "UANN", name="Ann Rep", tz="UTC", role="admin")
    for n in range(3):
        crm.create_deal(ann, f"Deal {n}", company=f"Co {n}", amount=1000 + n, stage="demo")
    before = same(crm, ann)
    clock.advance(timedelta(days=2))
    removed = crm.remove_stage(ann, "demo", move_to="lost")
    assert same(crm, ann) == before
    crm.undo(ann, removed.op_id)
    assert same(crm, ann) == before


def test_rows_follow_an_import_and_its_undo(engine: Engine, tmp_path: Path) -> None:
    clock = ManualClock(START)
    crm = CRM(make_session_factory(engine), clock.now)
    ann = crm.register_user("T1", "UANN", name="Ann Rep", tz="UTC", role="admin")
    crm.create_deal(ann, "Acme renewal", company="Acme", amount="50000")
    made = tmp_path / "deals.csv"
    made.write_text(
        "Deal Name,Amount,Stage,Company\nHooli upsell,3000,demo,Hooli\nUmbrella platform,9000,won,Umbrella\n"
    )
    imp = Importer(crm.sessions)
    first = imp.run(ann, made, "deal")
    assert first.created == 2
    assert set(same(crm, ann)) == {"Acme", "Hooli", "Umbrella"}
    changed = tmp_path / "changed.csv"
    changed.write_text("Deal Name,Amount,Stage,Company\nAcme renewal,60000,proposal,Acme\n")
    second = imp.run(ann, changed, "deal", mode="update")
    assert second.updated == 1
    same(crm, ann)
    imp.undo(ann, second.batch_id)
    same(crm, ann)
    imp.undo(ann, first.batch_id)
    assert set(same(crm, ann)) == {"Acme"}


def test_the_seeder_keeps_them_for_its_deals(engine: Engine) -> None:
    seed(engine, contacts=300, deals=2_000, users=5, migrate=False)
    crm = CRM(make_session_factory(engine))
    manager = crm.actor("TBENCH", "UB00000")
    assert manager is not None
    assert len(same(crm, manager)) == 30
