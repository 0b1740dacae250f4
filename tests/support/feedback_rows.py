"""What each satisfaction answer carries for its report (migration 0038: its contact's owner now, whether
the contact is deleted, its company's name while on file), checked against a recount from scratch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.services import CRM

RECOUNT = (
    "SELECT f.id, c.owner_id, c.deleted_at IS NOT NULL, "
    "CASE WHEN co.deleted_at IS NULL THEN co.name END "
    "FROM feedback f JOIN contacts c ON c.id = f.contact_id "
    "LEFT JOIN companies co ON co.id = f.company_id ORDER BY f.id"
)
KEPT = "SELECT id, contact_owner_id, contact_deleted, company_name FROM feedback ORDER BY id"


def same(crm: CRM) -> dict[int, tuple[Any, ...]]:
    """The kept columns of every answer (every workspace's), checked against a recount; by answer id."""
    with crm.sessions() as s:
        kept = [(i, owner, bool(gone), name) for i, owner, gone, name in s.execute(text(KEPT))]
        recount = [(i, owner, bool(gone), name) for i, owner, gone, name in s.execute(text(RECOUNT))]
    assert kept == recount
    return {row[0]: row[1:] for row in kept}
