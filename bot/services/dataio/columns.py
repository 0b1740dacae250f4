"""The columns of each record type that imports read and exports write.

A :class:`Column` names a field, how its cells are read (``kind``, see :mod:`cells`) and the headers
other CRMs' exports give it (HubSpot, Salesforce, Pipedrive, Zoho, plain English). Its ``header`` is
what this product's own export writes, so an export always maps back onto the same fields.

Other features add their fields with :func:`register` (a custom field: ``register("contact",
Column("cf_region", "Region", "text"))``); until a column has somewhere to be stored (``stored``), an
import reads and checks it but leaves it out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.text import fold
from bot.services.views import CustomFieldView

RECORD_TYPES = ("company", "contact", "deal", "task", "interaction")
# What a person types after --type or in Slack: plural or singular.
TYPE_NAMES = {
    **{t: t for t in RECORD_TYPES},
    **{"companies": "company"},
    **{t + "s": t for t in RECORD_TYPES},
}


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    # Where the value lands on the record; empty for a value only used to find or link something.
    stored: str | None = None
    # Read-only in an import (ids, times this product keeps): exported, never imported.
    export_only: bool = False

    @property
    def target(self) -> str | None:
        return self.stored


def _c(
    fld: str,
    header: str,
    kind: str = "text",
    *aliases: str,
    stored: str | None = "",
    export_only: bool = False,
) -> Column:
    return Column(fld, header, kind, aliases, fld if stored == "" else stored, export_only)


_COMPANY = [
    _c("source_id", "ID", "text", stored=None),
    _c(
        "name",
        "Name",
        "name",
        "Company name",
        "Company",
        "Account Name",
        "Organization - Name",
        "Organization",
        "Organization name",
        "Account",
        "Accounts Name",
    ),
    _c(
        "domain",
        "Domain",
        "domain",
        "Company Domain Name",
        "Website",
        "Website URL",
        "Domain name",
        "Organization - Website",
        "Web site",
    ),
    _c("industry", "Industry", "text", "Organization - Industry", "Account Industry"),
    _c(
        "owner_id",
        "Owner",
        "user",
        "Company owner",
        "Account Owner",
        "Organization - Owner",
        "Owner Name",
        "Owner email",
        "OwnerId",
    ),
    _c("tags", "Tags", "tags", "Tag", "Labels", "Organization - Labels"),
    _c("lifecycle", "Lifecycle", "lifecycle", "Lifecycle Stage", "Organization - Lifecycle"),
    _c(
        "created_at",
        "Created At",
        "datetime",
        "Create Date",
        "Created Date",
        "Created Time",
        "Organization - Organization created",
        "CreatedDate",
    ),
    # A record in the trash (deleted, and restorable) goes back into the trash.
    _c("deleted_at", "Deleted At", "datetime"),
]

_CONTACT = [
    _c("source_id", "ID", "text", stored=None),
    _c("name", "Name", "name", "Full Name", "Contact Name", "Person - Name", "Person Name", "Contact"),
    _c("first_name", "First Name", "text", "FirstName", "Person - First name", "Given Name", stored=None),
    _c(
        "last_name",
        "Last Name",
        "text",
        "LastName",
        "Person - Last name",
        "Surname",
        "Family Name",
        stored=None,
    ),
    _c(
        "email",
        "Email",
        "email",
        "E-mail",
        "Email Address",
        "E-mail Address",
        "Person - Email",
        "Email - Work",
        "Person - Email - Work",
        "Primary Email",
        "Work Email",
    ),
    _c(
        "phone",
        "Phone",
        "phone",
        "Phone Number",
        "Person - Phone",
        "Phone - Work",
        "Person - Phone - Work",
        "Mobile",
        "Mobile Phone",
        "Mobile Phone Number",
        "Business Phone",
        "Telephone",
    ),
    _c(
        "title",
        "Title",
        "job_title",
        "Job Title",
        "Position",
        "Job title",
        "Designation",
        "Person - Job title",
    ),
    _c(
        "company",
        "Company",
        "company",
        "Company Name",
        "Associated Company",
        "Account Name",
        "Account",
        "Organization",
        "Person - Organization",
        "Organization name",
        "Organisation",
        stored=None,
    ),
    _c("lifecycle", "Lifecycle", "lifecycle", "Lifecycle Stage", "Person - Lifecycle"),
    _c(
        "owner_id",
        "Owner",
        "user",
        "Contact owner",
        "Contact Owner",
        "Person - Owner",
        "Owner Name",
        "Owner email",
        "OwnerId",
        "Record Owner",
    ),
    _c("tags", "Tags", "tags", "Tag", "Labels", "Person - Labels"),
    _c("preferred_channel", "Preferred Channel", "channel", "Preferred Contact Method"),
    _c(
        "created_at",
        "Created At",
        "datetime",
        "Create Date",
        "Created Date",
        "Created Time",
        "Person - Person created",
        "CreatedDate",
    ),
    # A record in the trash (deleted, and restorable) goes back into the trash.
    _c("deleted_at", "Deleted At", "datetime"),
]

_DEAL = [
    _c("source_id", "ID", "text", stored=None),
    _c(
        "title",
        "Title",
        "name",
        "Deal Name",
        "Opportunity Name",
        "Deal - Title",
        "Deal Title",
        "Name",
        "Opportunity",
        "Deal",
    ),
    _c("amount", "Amount", "money", "Deal - Value", "Value", "Deal Value", "Expected Revenue"),
    _c(
        "currency",
        "Currency",
        "currency",
        "Deal - Currency",
        "Opportunity Currency",
        "Currency Code",
        "CurrencyIsoCode",
        "Amount Currency",
    ),
    # Which of the team's pipelines the stage is in: stages of two pipelines may share a name.
    _c("pipeline", "Pipeline", "pipeline", "Deal - Pipeline", "Pipeline Name", "Deal Pipeline", stored=None),
    _c("stage_id", "Stage", "stage", "Deal Stage", "Deal - Stage", "StageName", "Opportunity Stage"),
    _c(
        "forecast_category",
        "Forecast Category",
        "forecast",
        "ForecastCategoryName",
        "Forecast Category Name",
        "Deal - Forecast category",
    ),
    _c("closed_at", "Closed At", "datetime", "Closed Date", "Deal - Won time", "Won Time"),
    _c(
        "close_date",
        "Close Date",
        "date",
        "Closing Date",
        "Expected Close Date",
        "Deal - Expected close date",
        "CloseDate",
        "Expected close date",
    ),
    _c(
        "company",
        "Company",
        "company",
        "Associated Company",
        "Account Name",
        "Account",
        "Deal - Organization",
        "Organization",
        "Company Name",
        stored=None,
    ),
    _c(
        "contact",
        "Contact",
        "contact",
        "Associated Contact",
        "Contact Name",
        "Deal - Contact person",
        "Contact person",
        "Primary Contact",
        "Contact Email",
        stored=None,
    ),
    _c(
        "owner_id",
        "Owner",
        "user",
        "Deal owner",
        "Deal Owner",
        "Opportunity Owner",
        "Deal - Owner",
        "Owner Name",
        "OwnerId",
    ),
    # The deal's channel ("deal room"), where its news is posted.
    _c("room_channel_id", "Deal Room", "text", "Room Channel"),
    _c("tags", "Tags", "tags", "Tag", "Labels", "Deal - Labels"),
    _c("closed_by_id", "Closed By", "user", "Closed by", "Deal - Closed by"),
    _c("stage_changed_at", "Stage Changed At", "datetime", "Date entered current stage", "Stage change time"),
    _c(
        "last_activity_at",
        "Last Activity At",
        "datetime",
        "Last Activity Date",
        "LastActivityDate",
        "Deal - Last activity date",
        "Last Activity Time",
    ),
    _c(
        "created_at",
        "Created At",
        "datetime",
        "Create Date",
        "Created Date",
        "Created Time",
        "Deal - Deal created",
        "CreatedDate",
    ),
    # A record in the trash (deleted, and restorable) goes back into the trash.
    _c("deleted_at", "Deleted At", "datetime"),
]

_TASK = [
    _c("source_id", "ID", "text", stored=None),
    _c("title", "Title", "name", "Subject", "Task Title", "Task", "Activity - Subject", "Task Name"),
    _c("due_date", "Due Date", "date", "Activity - Due date", "Due", "ActivityDate", "Closing Date"),
    _c("due_at", "Due At", "datetime", "Due Time", "Activity - Due time"),
    _c(
        "done_at",
        "Done At",
        "datetime",
        "Completed At",
        "Completed Date",
        "Closed Time",
        "Activity - Marked as done time",
    ),
    _c("status", "Status", "status", "Activity - Done", "Task Status", "Completed", stored=None),
    _c(
        "assignee_id",
        "Assignee",
        "user",
        "Assigned To",
        "Task Owner",
        "Activity - Assigned to user",
        "Assigned to",
        "Owner",
        "OwnerId",
    ),
    _c("creator_id", "Created By", "user", "Creator", "Created by", "Activity - Creator", "CreatedById"),
    _c(
        "contact",
        "Contact",
        "contact",
        "Contact Name",
        "Activity - Contact person",
        "Associated Contact",
        "Name",
        "Contact Email",
        stored=None,
    ),
    _c(
        "company",
        "Company",
        "company",
        "Activity - Organization",
        "Account Name",
        "Associated Company",
        "Organization",
        stored=None,
    ),
    _c("deal", "Deal", "deal", "Activity - Deal", "Associated Deal", "Deal Name", "Related To", stored=None),
    _c(
        "created_at",
        "Created At",
        "datetime",
        "Create Date",
        "Created Date",
        "Created Time",
        "Activity - Add time",
    ),
    # A record in the trash (deleted, and restorable) goes back into the trash.
    _c("deleted_at", "Deleted At", "datetime"),
]

_INTERACTION = [
    _c("source_id", "ID", "text", stored=None),
    _c(
        "kind",
        "Kind",
        "interaction_kind",
        "Type",
        "Activity Type",
        "Call Type",
        "Activity - Type",
        "Engagement Type",
    ),
    _c(
        "summary",
        "Summary",
        "summary",
        "Notes",
        "Note",
        "Description",
        "Note - Content",
        "Body",
        "Subject",
        "Activity - Note",
        "Comments",
    ),
    _c(
        "occurred_at",
        "Occurred At",
        "datetime",
        "Date",
        "Activity Date",
        "Call Start Time",
        "Note - Add time",
        "Activity - Add time",
        "Timestamp",
        "Meeting Date",
    ),
    _c("author_id", "Author", "user", "Owner", "Created By", "Activity - User", "Call Owner", "Note - User"),
    _c(
        "contact",
        "Contact",
        "contact",
        "Contact Name",
        "Note - Person",
        "Associated Contact",
        "Contact Email",
        "Activity - Contact person",
        stored=None,
    ),
    _c(
        "company",
        "Company",
        "company",
        "Note - Organization",
        "Associated Company",
        "Account Name",
        "Activity - Organization",
        stored=None,
    ),
    _c("deal", "Deal", "deal", "Note - Deal", "Associated Deal", "Activity - Deal", "Deal Name", stored=None),
    # The Slack message it was logged from.
    _c("permalink", "Link", "link", "Permalink", "Message Link", "Slack Link"),
    _c("created_at", "Created At", "datetime", "Create Date", "Created Date", "Created Time"),
]

# The export's ids of the records a row links to (its own is "ID"): an export's zip imported whole links
# by them, so names that repeat reach the very record meant (bot/services/dataio/ids.py).
LINK_IDS = {
    "contact": ("company",),
    "deal": ("company", "contact"),
    "task": ("contact", "deal"),
    "interaction": ("contact", "company", "deal"),
}
LINK_HEADERS = {"company": "Company ID", "contact": "Contact ID", "deal": "Deal ID"}


def _with_link_ids(record_type: str, cols: list[Column]) -> list[Column]:
    """The columns with each link's id column right after it ("Company", then "Company ID")."""
    out = []
    links = LINK_IDS.get(record_type, ())
    for col in cols:
        out.append(col)
        if col.field in links:
            out.append(_c(f"{col.field}_source", LINK_HEADERS[col.field], "text", stored=None))
    return out


_REGISTRY: dict[str, list[Column]] = {
    "company": _COMPANY,
    "contact": _with_link_ids("contact", _CONTACT),
    "deal": _with_link_ids("deal", _DEAL),
    "task": _with_link_ids("task", _TASK),
    "interaction": _with_link_ids("interaction", _INTERACTION),
}


def register(record_type: str, column: Column) -> None:
    """Add a field to a record type's imports and exports (custom fields, new columns)."""
    cols = _REGISTRY[record_type]
    if any(c.field == column.field for c in cols):
        raise ValueError(f"{record_type} already has a column {column.field}")
    cols.append(column)


def columns(record_type: str) -> list[Column]:
    return list(_REGISTRY[record_type])


def importable(record_type: str) -> list[Column]:
    return [c for c in _REGISTRY[record_type] if not c.export_only]


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def header_key(header: str) -> str:
    """A header as compared: folded, letters and digits only ("E-mail" and "Email" are one)."""
    return _NOT_ALNUM.sub("", fold(header))


CUSTOM = "custom:"


def custom_name(f: CustomFieldView) -> str:
    """How a mapping names a workspace's own field (by id: a renamed field is still the same one)."""
    return f"{CUSTOM}{f.id}"


def _custom_keys(header: str) -> list[str]:
    # "Region", and as other tools write a field of one's own: "Custom: Region", "cf_region", "Region (custom)".
    key = header_key(header)
    out = [key]
    for prefix in ("custom", "cf"):
        if key.startswith(prefix) and len(key) > len(prefix):
            out.append(key[len(prefix) :])
    if key.endswith("custom") and len(key) > 6:
        out.append(key[:-6])
    return out


def guess_mapping(
    record_type: str, headers: list[str], custom: Sequence[CustomFieldView] = ()
) -> dict[int, str]:
    """Which field each column of a file holds (by position), from its header: this product's own
    header first, then the workspace's own fields (``custom``, by name, as its export writes them),
    then the other CRMs' names. A header matching nothing is left out (and said so): a column is never
    made into a new field by an import."""
    own: dict[str, str] = {}
    other: dict[str, str] = {}
    for col in importable(record_type):
        own.setdefault(header_key(col.header), col.field)
        for alias in col.aliases:
            other.setdefault(header_key(alias), col.field)
    theirs = {header_key(f.name): custom_name(f) for f in custom if f.record_type == record_type}
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for pos, header in enumerate(headers):
        key = header_key(header)
        # A custom field may share a name with a column this product added since (a deal's "Pipeline"):
        # the export writes the record's own columns first, so a second column of that name is the field.
        candidates = [own.get(key), *(theirs.get(k) for k in _custom_keys(header)), other.get(key)]
        fld = next((c for c in candidates if c and c not in taken), None)
        if fld:
            mapping[pos] = fld
            taken.add(fld)
    return mapping


def label(record_type: str, fld: str, custom: Sequence[CustomFieldView] = ()) -> str:
    """A mapped field as a person reads it: its export header, or the custom field's name."""
    if fld.startswith(CUSTOM):
        return next((f"{f.name} (custom field)" for f in custom if custom_name(f) == fld), fld)
    return column(record_type, fld).header


def field_names(record_type: str) -> list[str]:
    return [c.field for c in importable(record_type)]


def column(record_type: str, fld: str) -> Column:
    return next(c for c in _REGISTRY[record_type] if c.field == fld)


# Words a person uses for what a file holds, in a message or a file name.
TYPE_WORDS = {
    "contact": ("contact", "people", "person", "persons", "leads"),
    "company": ("compan", "account", "organi", "orgs"),
    "deal": ("deal", "opportunit", "pipeline"),
    "task": ("task", "todo", "to-do", "activities"),
    "interaction": ("note", "interaction", "call", "meeting", "engagement", "history"),
}


def guess_type(headers: list[str], *hints: str) -> str:
    """What a file holds: as the person said (or its name says), else the type most of its columns fit."""
    for hint in hints:
        words = hint.lower()
        for kind, stems in TYPE_WORDS.items():
            if any(stem in words for stem in stems):
                return kind
    fits = {kind: len(guess_mapping(kind, headers)) for kind in RECORD_TYPES}
    return max(RECORD_TYPES, key=lambda k: (fits[k], k == "contact"))
