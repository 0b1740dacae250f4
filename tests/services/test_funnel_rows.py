"""The funnel reads each deal's rows and their totals per day (bot/services/funnel_rows.py): after every
kind of write and its undo they must equal the rows and totals counted again from scratch, and the
funnel read from them must count the story the test tells."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.services import CRM, Actor, funnel_rows
from bot.services.dataio.importer import Importer
from models import Company, DealFunnel, DealStay, FunnelTotal, StayTotal


def _visited(text: str) -> frozenset[int]:
    # SQLite joins a deal's stages in no set order: compared as sets.
    return frozenset(int(i) for i in text.split(",")) if text else frozenset()


def kept(crm: CRM, actor: Actor) -> dict[str, Any]:
    """The rows and the (non-zero) totals of the actor's workspace as they are."""
    ws = actor.workspace_id
    with crm.sessions() as s:
        deals = {
            r.deal_id: (r.created_at, r.owner_key, r.stage_id, _visited(r.visited))
            for r in s.scalars(select(DealFunnel).where(DealFunnel.workspace_id == ws))
        }
        stays = {
            r.change_id: (r.deal_id, r.owner_key, r.pipeline_id, r.from_stage_id, r.days, r.whole_days)
            for r in s.scalars(select(DealStay).where(DealStay.workspace_id == ws))
        }
        funnel: Counter[tuple[Any, ...]] = Counter()
        for r in s.scalars(select(FunnelTotal).where(FunnelTotal.workspace_id == ws)):
            funnel[r.day, r.stage_id, _visited(r.visited)] += r.deals
        stay: Counter[tuple[Any, ...]] = Counter()
        for t in s.scalars(select(StayTotal).where(StayTotal.workspace_id == ws)):
            stay[t.day, t.pipeline_id, t.from_stage_id, t.whole_days] += t.stays
    return {"deals": deals, "stays": stays, "funnel": +funnel, "stay": +stay}


def recounted(crm: CRM, actor: Actor) -> dict[str, Any]:
    """The same, counted again from the deals and their history (and rolled back)."""
    engine = crm.sessions.kw["bind"]
    with engine.connect() as conn:
        trans = conn.begin()
        funnel_rows.rebuild(conn, actor.workspace_id)
        ws = actor.workspace_id
        deals = {
            r.deal_id: (r.created_at, r.owner_key, r.stage_id, _visited(r.visited))
            for r in conn.execute(select(DealFunnel.__table__).where(DealFunnel.workspace_id == ws))
        }
        stays = {
            r.change_id: (r.deal_id, r.owner_key, r.pipeline_id, r.from_stage_id, r.days, r.whole_days)
            for r in conn.execute(select(DealStay.__table__).where(DealStay.workspace_id == ws))
        }
        funnel: Counter[tuple[Any, ...]] = Counter()
        for r in conn.execute(select(FunnelTotal.__table__).where(FunnelTotal.workspace_id == ws)):
            funnel[r.day, r.stage_id, _visited(r.visited)] += r.deals
        stay: Counter[tuple[Any, ...]] = Counter()
        for t in conn.execute(select(StayTotal.__table__).where(StayTotal.workspace_id == ws)):
            stay[t.day, t.pipeline_id, t.from_stage_id, t.whole_days] += t.stays
        trans.rollback()
    # Read through the ORM the kept rows come back aware; so do these (the column type's).
    return {"deals": deals, "stays": stays, "funnel": +funnel, "stay": +stay}


def same(crm: CRM, actor: Actor) -> dict[str, Any]:
    now, again = kept(crm, actor), recounted(crm, actor)
    assert now == again
    return now


def reached(crm: CRM, actor: Actor, owner: str | None = None) -> tuple[int, int, list[int]]:
    f = crm.funnels.funnel(actor, date(2000, 1, 1), date(2100, 1, 1), owner)
    return f.added, f.won, [st.reached for st in f.stages]


def test_rows_follow_creates_moves_edits_owners_deletes_and_undos(crm: CRM, ann: Actor, bob: Actor) -> None:
    crm.set_role(ann, "UANN", "admin")
    a = crm.create_deal(ann, "Acme renewal", company="Acme", amount="50000", stage="lead")
    b = crm.create_deal(bob, "Globex pilot", company="Globex", amount="12000", stage="demo")
    c = crm.create_deal(ann, "Initech licenses", company="Initech")
    assert a.deal and b.deal and c.deal
    rows = same(crm, ann)
    assert len(rows["deals"]) == 3 and rows["stays"] == {}
    assert reached(crm, ann) == (3, 0, [3, 1, 1, 0, 0])

    crm.update_deal(ann, a.deal.id, stage="proposal")
    back = crm.update_deal(ann, a.deal.id, stage="qualified")  # the furthest it went stays proposal
    crm.update_deal(bob, b.deal.id, amount="15000", close_date="2030-01-31")
    crm.update_deal(ann, c.deal.id, amount="700", currency="EUR", owner="UBOB", stage="won", force=True)
    rows = same(crm, ann)
    assert len(rows["stays"]) == 3  # lead → proposal, proposal → qualified, lead → won
    assert reached(crm, ann) == (3, 1, [3, 3, 3, 2, 1])
    assert reached(crm, ann, owner="UBOB") == (2, 1, [2, 2, 2, 1, 1])

    deleted = crm.delete_record(ann, "deal", "Globex pilot")
    assert len(same(crm, ann)["deals"]) == 2
    assert reached(crm, ann, owner="UBOB") == (1, 1, [1, 1, 1, 1, 1])
    crm.undo(ann, deleted.op_id)
    assert len(same(crm, ann)["deals"]) == 3

    crm.undo(ann, back.op_id)  # at proposal again, and one stay fewer
    assert len(same(crm, ann)["stays"]) == 2
    assert reached(crm, ann) == (3, 1, [3, 3, 3, 2, 1])
    d = crm.create_deal(ann, "Hooli upsell", stage="negotiation")
    assert d.deal and d.deal.id in same(crm, ann)["deals"]
    crm.undo(ann, d.op_id)  # removes the deal
    rows = same(crm, ann)
    assert d.deal.id not in rows["deals"]
    assert reached(crm, ann) == (3, 1, [3, 3, 3, 2, 1])


def test_rows_follow_a_stage_removed_with_its_deals_moved_and_put_back(crm: CRM, ann: Actor) -> None:
    crm.set_role(ann, "UANN", "admin")
    for n in range(4):
        crm.create_deal(ann, f"Deal {n}", amount=1000 + n, stage="demo")
    before = same(crm, ann)
    removed = crm.remove_stage(ann, "demo", move_to="lost")
    assert len(same(crm, ann)["stays"]) == 4
    crm.undo(ann, removed.op_id)
    after = same(crm, ann)
    assert after["funnel"] == before["funnel"] and after["stays"] == {}


def test_rows_follow_merging_companies_and_deleting_one_with_its_deals(crm: CRM, ann: Actor) -> None:
    crm.set_role(ann, "UANN", "admin")
    crm.create_deal(ann, "Acme renewal", company="Acme", stage="demo")
    crm.create_deal(ann, "Globex pilot", company="Globex", stage="lead")
    with crm.sessions() as s:
        ids = dict(s.execute(select(Company.name, Company.id)).tuples().all())
    merged = crm.merge(ann, "company", ids["Acme"], ids["Globex"])
    same(crm, ann)
    gone = crm.delete_record(ann, "company", "Acme", with_records=True)
    assert same(crm, ann)["deals"] == {}
    crm.undo(ann, gone.op_id)
    assert len(same(crm, ann)["deals"]) == 2
    crm.undo(ann, merged.op_id)
    same(crm, ann)


def test_rows_follow_an_import_and_its_undo(crm: CRM, ann: Actor, bob: Actor, tmp_path: Path) -> None:
    crm.set_role(ann, "UANN", "admin")
    a = crm.create_deal(ann, "Acme renewal", company="Acme", amount="50000", stage="lead")
    assert a.deal
    made = tmp_path / "deals.csv"
    made.write_text(
        "Deal Name,Amount,Stage,Company,Owner,Created At\n"
        "Hooli upsell,3000,demo,Hooli,UBOB,2026-01-05T10:00:00Z\n"
        "Umbrella platform,9000,won,Umbrella,UANN,2026-02-01T23:30:00Z\n"
    )
    imp = Importer(crm.sessions)
    first = imp.run(ann, made, "deal")
    assert first.created == 2
    rows = same(crm, ann)
    assert len(rows["deals"]) == 3
    changed = tmp_path / "changed.csv"
    changed.write_text("Deal Name,Amount,Stage,Company,Owner\nAcme renewal,60000,proposal,Acme,UBOB\n")
    second = imp.run(ann, changed, "deal", mode="update")
    assert second.updated == 1
    rows = same(crm, ann)
    assert rows["deals"][a.deal.id][1:3] == (bob.user_id, rows["deals"][a.deal.id][2])
    assert len(rows["stays"]) == 1
    imp.undo(ann, second.batch_id)
    rows = same(crm, ann)
    assert rows["deals"][a.deal.id][1] == ann.user_id and rows["stays"] == {}
    imp.undo(ann, first.batch_id)
    assert list(same(crm, ann)["deals"]) == [a.deal.id]


def test_a_deal_counts_on_the_day_it_was_made_in_the_readers_zone(crm: CRM, ann: Actor) -> None:
    """The totals are per day in UTC; a reader's day begins at another instant, and the deals made
    between the two are read from their own rows."""
    from dataclasses import replace

    crm.create_deal(ann, "Late", stage="lead")
    made = next(iter(same(crm, ann)["deals"].values()))[0]
    assert isinstance(made, datetime)
    for tz in ("UTC", "Asia/Kathmandu", "America/Los_Angeles", "Pacific/Kiritimati"):
        reader = replace(ann, tz=tz)
        local = made.astimezone(__import__("zoneinfo").ZoneInfo(tz)).date()
        assert crm.funnels.funnel(reader, local, local).added == 1
        assert crm.funnels.funnel(reader, local.replace(year=local.year - 1), local).added == 1
        day_before = date.fromordinal(local.toordinal() - 1)
        assert crm.funnels.funnel(reader, day_before, day_before).added == 0
