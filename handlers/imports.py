"""Imports and exports in Slack: ``/crm import`` (how), a CSV shared with the bot in a DM (preview,
then Import / Edit mapping / Cancel, the import after the ack with its progress in the thread, then
its result and an Undo), and ``/crm export`` (the zip, to the person's DM; managers and admins).

The work is the services' (bot/services/dataio/); this module downloads, asks and posts."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks import imports as ui
from bot.blocks.cards import problem
from bot.blocks.messages import describe
from bot.commands.registry import Ctx, Reply, command
from bot.services.dataio import jsonlines
from bot.services.dataio import pending as store
from bot.services.dataio.columns import guess_type
from bot.services.dataio.exporter import Exporter
from bot.services.dataio.importer import (
    Importer,
    Result,
    archive_dates,
    archive_members,
    import_archive,
    real_now,
    undo_all,
)
from bot.services.dataio.settings import Settings
from bot.services.dataio.tabular import NotATable, Table
from bot.services.errors import DomainError
from bot.slack.directory import slack_directory
from bot.slack.reply import make_ctx, safely

log = logging.getLogger(__name__)
# The most a shared file may hold (a million contacts is ~150 MB of CSV).
MAX_FILE_BYTES = 2 * 1024**3
PROGRESS_EVERY = 2.0
# Teammates' lookups taking longer than this are said in the thread as they go.
LOOKUPS_SAID_AFTER = 3.0
# What a pending import holds when it is an export's zip rather than one record type.
ARCHIVE = "archive"


@command("import", usage="import", examples=["import"], group="Other")
def import_help(ctx: Ctx, args: str) -> Reply:
    """How to bring records in from another CRM: share a CSV, an Excel workbook or one of my export's
    zips with me in a DM."""
    return Reply.say(ui.HOW_TO)


@command("export", usage="export", examples=["export"], group="Other")
def export(ctx: Ctx, args: str) -> Reply:
    """Everything this workspace holds, as CSVs in a zip sent to your DM (managers and admins)."""
    ctx.crm.require(ctx.actor, "export")
    client = ctx.client

    def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"crm-export-{ctx.team_id}.zip"
            done = Exporter(ctx.sessions).run(ctx.actor, out)
            if client is not None:
                client.files_upload_v2(
                    channel=_dm(client, ctx.user_id),
                    file=str(out),
                    filename=out.name,
                    title="CRM export",
                    initial_comment=ui.export_done(done.counts),
                    request_file_info=False,
                )

    return Reply.say(ui.export_started(), after=[run])


def _dm(client: Any, user_id: str) -> str:
    opened = client.conversations_open(users=user_id)
    return str((opened.get("channel") or {}).get("id") or user_id)


# ---- a file shared in the DM -----------------------------------------------------------------------


def on_shared_file(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """A person shared a file with the bot in their DM: read it and show what an import would do."""
    client = context.client
    channel = event["channel"]
    thread = event.get("thread_ts") or event.get("ts") or ""
    ctx = make_ctx(context, body, "dm", channel_id=channel)
    info = (event.get("files") or [{}])[0]
    name = str(info.get("name") or "file.csv")
    pending = store.new(ctx.team_id, ctx.user_id, channel, thread, name, "contact")
    try:
        _fetch(ctx, info, pending, event.get("text") or "")
        if pending.record_type == ARCHIVE:
            _post_archive_preview(ctx, client, pending)
            return
        result = _dry_run(ctx, pending)
    except NotATable as exc:
        # Nothing to wait for: the file is not kept.
        pending.drop()
        client.chat_postMessage(channel=channel, thread_ts=thread, text=f"📄 {name}: {exc}")
        return
    except DomainError as exc:
        pending.drop()
        text, hint = describe(exc)
        client.chat_postMessage(
            channel=channel, thread_ts=thread, text=text, blocks=[b.to_dict() for b in problem(text, hint)]
        )
        return
    _post_preview(client, pending, result)


def _fetch(ctx: Ctx, info: dict[str, Any], pending: store.Pending, text: str) -> None:
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not _slack_host(ctx, url):
        raise NotATable("I can only read files shared in Slack.")
    if int(info.get("size") or 0) > MAX_FILE_BYTES:
        raise NotATable("This file is over 2 GB; import it with `crm-bot import` instead.")
    name = pending.file_name
    _download(url, ctx.client.token if ctx.client else "", pending.data)
    if jsonlines.is_export(pending.data):
        # An export's JSON lines: kept as the zip they stand for, imported as one.
        with tempfile.TemporaryDirectory() as tmp:
            shutil.move(jsonlines.to_archive(pending.data, Path(tmp)), pending.data)
    if archive_members(pending.data):
        # An export of this CRM: every file in it, in the order they name each other.
        pending.record_type = ARCHIVE
        pending.save()
        return
    headers = Table(pending.data).read_header()
    pending.record_type = guess_type(headers, text, name)
    guessed = Importer(ctx.sessions).guess(ctx.actor, pending.record_type, headers)
    pending.mapping = {str(k): v for k, v in guessed.items()}
    pending.save()


def _slack_host(ctx: Ctx, url: str) -> bool:
    """Only Slack's own file host (or the API host the bot is pointed at) gets the bot's token."""
    host = urlsplit(url).netloc
    api = urlsplit(getattr(ctx.settings, "api_url", None) or "https://slack.com/api/").netloc
    return bool(host) and (host == api or host == "files.slack.com")


def _download(url: str, token: str | None, into: Path) -> None:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response, open(into, "wb") as out:  # noqa: S310 - host checked
        if "text/html" in (response.headers.get("Content-Type") or ""):
            raise NotATable("Slack did not give me the file (the app may lack the files:read scope).")
        while chunk := response.read(1 << 20):
            out.write(chunk)


def _dry_run(ctx: Ctx, pending: store.Pending) -> Result:
    directory = _directory(ctx, pending)
    try:
        return Importer(ctx.sessions).run(
            ctx.actor,
            pending.data,
            pending.record_type,
            mode=pending.mode,
            mapping=pending.columns() or None,
            dry_run=True,
            report=pending.report,
            file_name=pending.file_name,
            dates=pending.dates,
            directory=directory,
        )
    finally:
        if directory is not None:
            directory.finish()


def _directory(ctx: Ctx, pending: store.Pending) -> _SaidLookups | None:
    if ctx.client is None:
        return None
    return _SaidLookups(ctx.client, pending, slack_directory(ctx.client, pending.teammates))


class _SaidLookups:
    """Slack's directory for an import, saying in the file's thread how its lookups go once they take a
    while (Slack answers about 50 a minute), so a file naming many new people is not met with silence."""

    def __init__(self, client: Any, pending: store.Pending, directory: Any) -> None:
        self.client, self.pending, self.directory = client, pending, directory
        self.asked = self.found = 0
        self.started: float | None = None
        self.said_at = 0.0
        self.ts: str | None = None

    def __call__(self, email: str) -> Any:
        self.started = self.started if self.started is not None else time.monotonic()
        person = self.directory(email)
        self.asked += 1
        self.found += person is not None
        now = time.monotonic()
        if now - self.started >= LOOKUPS_SAID_AFTER and (
            self.ts is None or now - self.said_at >= PROGRESS_EVERY
        ):
            self.said_at = now
            self._say(ui.lookups_going(self.asked, self.found))
        return person

    def finish(self) -> None:
        if self.ts is not None:
            self._say(ui.lookups_done(self.asked, self.found))

    def _say(self, text: str) -> None:
        p = self.pending
        if self.ts is None:
            posted = self.client.chat_postMessage(channel=p.channel, thread_ts=p.thread_ts, text=text)
            self.ts = str(posted.get("ts") or "")
        else:
            self.client.chat_update(channel=p.channel, ts=self.ts, text=text)


def _post_archive_preview(
    ctx: Ctx, client: Any, pending: store.Pending, respond: Respond | None = None
) -> None:
    """An export's zip: its files and what it adds first; when some file's dates could be read either
    way, the same question a CSV's preview asks, and Import once it is answered."""
    members = archive_members(pending.data) or []
    adds = Settings(ctx.sessions, real_now).bring(ctx.actor, pending.data, dry_run=True)
    if not pending.dates:
        with tempfile.TemporaryDirectory() as tmp:
            unsure = archive_dates(Importer(ctx.sessions), ctx.actor, pending.data, members, Path(tmp))
        pending.dates_unsure = unsure[1] if unsure else ""
        pending.dates_found = "either" if unsure else None
    text, blocks = ui.archive_preview(
        pending.file_name,
        [m for _, m in members],
        pending.id,
        adds.described() if adds.anything else "",
        dates_unsure=pending.dates_unsure,
        dates=pending.dates,
    )
    pending.save()
    if respond is not None:
        respond(text=text, blocks=[b.to_dict() for b in blocks], replace_original=True)
        return
    posted = client.chat_postMessage(
        channel=pending.channel, thread_ts=pending.thread_ts, text=text, blocks=[b.to_dict() for b in blocks]
    )
    pending.preview_ts = posted.get("ts")
    pending.save()


def _post_preview(
    client: Any, pending: store.Pending, result: Result, respond: Respond | None = None
) -> None:
    """The preview, in the thread (or in place of the one whose button was pressed), with its bad rows."""
    pending.dates_found, pending.dates_unsure = result.written.dates, result.dates_unsure
    # Saved before the preview is seen: a button pressed the moment it appears reads what it shows.
    pending.save()
    text, blocks = ui.preview(result, pending.id, pending.mode)
    if respond is not None:
        respond(text=text, blocks=[b.to_dict() for b in blocks], replace_original=True)
    else:
        posted = client.chat_postMessage(
            channel=pending.channel,
            thread_ts=pending.thread_ts,
            text=text,
            blocks=[b.to_dict() for b in blocks],
        )
        pending.preview_ts = posted.get("ts")
    pending.save()
    if result.bad:
        _upload_report(client, pending)


def _upload_report(client: Any, pending: store.Pending) -> None:
    _upload(client, pending, pending.report, f"{Path(pending.file_name).stem}-bad-rows.csv")


def _upload(client: Any, pending: store.Pending, report: Path, name: str) -> None:
    client.files_upload_v2(
        channel=pending.channel,
        thread_ts=pending.thread_ts,
        file=str(report),
        filename=name,
        title="Bad rows and why",
        request_file_info=False,
    )


# ---- the preview's buttons ---------------------------------------------------------------------------


def ack_only(ack: Ack) -> None:
    ack()


def _pending(body: dict[str, Any], value: str) -> store.Pending | None:
    team = (body.get("team") or {}).get("id") or ""
    user = (body.get("user") or {}).get("id") or ""
    return store.load(value, team, user)


def _gone(respond: Respond) -> None:
    respond(
        text="That import is no longer waiting (it ran, was cancelled, or the file was removed).",
        replace_original=False,
        response_type="ephemeral",
    )


def on_import(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Import: after the ack, in the background; its progress replaces one message in the thread."""
    pending = _pending(body, action.get("value") or "")
    if pending is None or pending.state != "preview":
        return _gone(respond)
    if pending.dates_unsure and not pending.dates:
        respond(text=ui.dates_first(pending.dates_unsure), replace_original=False, response_type="ephemeral")
        return
    pending.state = "running"
    pending.save()
    respond(text=f"📥 {pending.file_name}: importing…", replace_original=True)
    ctx = make_ctx(context, body, "action", channel_id=pending.channel)
    client = context.client
    posted = client.chat_postMessage(
        channel=pending.channel, thread_ts=pending.thread_ts, text=ui.progress(0, 0, "reading", None)
    )
    ts = str(posted.get("ts") or "")
    last = [time.monotonic()]

    def tell(p: Any, where: str = "") -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY:
            last[0] = time.monotonic()
            client.chat_update(
                channel=pending.channel, ts=ts, text=ui.progress(p.rows, p.rate, p.phase, p.eta, where)
            )

    def run_archive() -> Reply:
        members = archive_members(pending.data) or []
        names = [m for _, m in members]

        def at(member: str) -> str:
            return f"{member} ({names.index(member) + 1} of {len(names)})" if member in names else member

        reports: dict[str, Path] = {}
        with tempfile.TemporaryDirectory() as tmp:
            done = import_archive(
                Importer(ctx.sessions),
                ctx.actor,
                pending.data,
                members,
                Path(tmp),
                mode=pending.mode,
                dates=pending.dates,
                report_for=lambda member: reports.setdefault(
                    member, pending.report.with_name(f"{pending.id}-{Path(member).stem}-bad-rows.csv")
                ),
                progress=lambda member, p: tell(p, at(member)),
            )
            for result in done.results:
                report = reports[result.file_name]
                if result.bad:
                    _upload(client, pending, report, f"{Path(result.file_name).stem}-bad-rows.csv")
                report.unlink(missing_ok=True)
        text, blocks = ui.archive_done(pending.file_name, done)
        return Reply(text, blocks)

    def run() -> Reply:
        if pending.record_type == ARCHIVE:
            return run_archive()
        directory = _directory(ctx, pending)
        result = Importer(ctx.sessions).run(
            ctx.actor,
            pending.data,
            pending.record_type,
            mode=pending.mode,
            mapping=pending.columns() or None,
            report=pending.report,
            file_name=pending.file_name,
            dates=pending.dates,
            progress=tell,
            directory=directory,
        )
        if directory is not None:
            directory.finish()
        text, blocks = ui.done(result)
        if result.bad:
            _upload_report(client, pending)
        return Reply(text, blocks)

    reply = safely(ctx, run)
    client.chat_update(channel=pending.channel, ts=ts, text=reply.text, blocks=reply.blocks_json())
    pending.drop()


def on_dates(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Month first or day first: the preview again, its dates read that way."""
    order, _, pending_id = (action.get("value") or "").partition(":")
    pending = _pending(body, pending_id)
    if pending is None or pending.state != "preview" or order not in ui.ORDERS:
        return _gone(respond)
    pending.dates = order
    pending.save()
    ctx = make_ctx(context, body, "action", channel_id=pending.channel)
    if pending.record_type == ARCHIVE:
        _post_archive_preview(ctx, context.client, pending, respond)
        return
    try:
        result = _dry_run(ctx, pending)
    except (NotATable, DomainError) as exc:
        text = describe(exc)[0] if isinstance(exc, DomainError) else str(exc)
        respond(text=text, replace_original=False, response_type="ephemeral")
        return
    _post_preview(context.client, pending, result, respond)


def on_cancel(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    pending = _pending(body, action.get("value") or "")
    if pending is None or pending.state != "preview":
        return _gone(respond)
    pending.drop()
    respond(text=f"✖️ {pending.file_name}: cancelled; nothing was imported.", replace_original=True)


def on_undo(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ctx = make_ctx(context, body, "action")
    reply = safely(
        ctx,
        lambda: Reply.say(ui.undone(undo_all(Importer(ctx.sessions), ctx.actor, action.get("value") or ""))),
    )
    respond(text=reply.text, blocks=reply.blocks_json(), replace_original=False, response_type="in_channel")


def open_mapping(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    # views.open needs the trigger within 3 seconds, so the form opens in the ack itself (it reads
    # only the file's first row).
    ack()
    pending = _pending(body, action.get("value") or "")
    if pending is None or pending.state != "preview":
        return
    headers = Table(pending.data).read_header()
    ctx = make_ctx(context, body, "action")
    custom = Importer(ctx.sessions).custom_fields(ctx.actor, pending.record_type)
    context.client.views_open(trigger_id=body["trigger_id"], view=ui.mapping_modal(pending, headers, custom))


def ack_mapping(ack: Ack, view: dict[str, Any]) -> None:
    errors = ui.mapping_errors(view)
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def on_mapping(view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """The person chose the type, the duplicates and the columns: a new preview in the thread."""
    if ui.mapping_errors(view):
        return  # the form stays open, saying what to change
    pending = store.load(
        view.get("private_metadata") or "",
        (body.get("team") or {}).get("id") or "",
        (body.get("user") or {}).get("id") or "",
    )
    if pending is None or pending.state != "preview":
        return
    record_type, mode, mapping, dates = ui.read_mapping(view)
    ctx = make_ctx(context, body, "view", channel_id=pending.channel)
    if record_type != pending.record_type:
        mapping = Importer(ctx.sessions).guess(ctx.actor, record_type, Table(pending.data).read_header())
    pending.record_type, pending.mode = record_type, mode
    pending.dates = dates or pending.dates
    pending.mapping = {str(k): v for k, v in mapping.items()}
    pending.save()
    try:
        result = _dry_run(ctx, pending)
    except (NotATable, DomainError) as exc:
        text = describe(exc)[0] if isinstance(exc, DomainError) else str(exc)
        context.client.chat_postMessage(channel=pending.channel, thread_ts=pending.thread_ts, text=text)
        return
    _post_preview(context.client, pending, result)


def register(app: App) -> None:
    app.action(ui.IMPORT_GO)(ack=ack_only, lazy=[on_import])
    app.action(ui.IMPORT_CANCEL)(ack=ack_only, lazy=[on_cancel])
    app.action(ui.IMPORT_UNDO)(ack=ack_only, lazy=[on_undo])
    for order in ui.ORDERS:
        app.action(f"{ui.IMPORT_DATES}_{order}")(ack=ack_only, lazy=[on_dates])
    app.action(ui.IMPORT_EDIT)(open_mapping)
    app.view(ui.MAPPING_VIEW)(ack=ack_mapping, lazy=[on_mapping])
    # Slack sends file_shared beside the message that carries the file; the message is what is read.
    app.event("file_shared")(ack_only)
