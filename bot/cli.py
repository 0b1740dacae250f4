"""``crm-bot``: run the bot, migrate the database, parse a message, open the local console.

Imports stay inside the commands so that ``crm-bot parse`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any


def _settings(*, require_signing_secret: bool = True):  # type: ignore[no-untyped-def]
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings(require_signing_secret=require_signing_secret)
    except SettingsError as exc:
        print(f"crm-bot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_db(args: argparse.Namespace) -> int:
    from bot.db import make_engine, reaching
    from bot.migrate import current, downgrade, upgrade

    settings = _settings()
    with reaching(settings.database_url):
        engine = make_engine(settings.database_url)
        if args.action == "upgrade":
            upgrade(engine, args.revision or "head")
            print(f"database at revision {current(engine)}")
        elif args.action == "downgrade":
            downgrade(engine, args.revision or "base")
            print(f"database at revision {current(engine) or 'base'}")
        else:
            print(current(engine) or "base (empty)")
    return 0


def _migrate_embedded(settings) -> None:  # type: ignore[no-untyped-def]
    """SQLite is the embedded default: bring its schema up to date on start. A shared PostgreSQL is
    migrated on purpose with ``crm-bot db upgrade``, never by whichever process starts first; it is
    only reached once, so that a start against a database that is not there stops in one line."""
    from bot.db import is_sqlite, make_engine, ping, reaching
    from bot.migrate import upgrade

    with reaching(settings.database_url):
        engine = make_engine(settings.database_url)
        try:
            if is_sqlite(engine):
                upgrade(engine)
            else:
                ping(engine)
        finally:
            engine.dispose()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    _migrate_embedded(settings)
    if not settings.has_slack:
        print("crm-bot: no Slack credentials (SLACK_BOT_TOKEN) set, so starting the local console instead.")
        from bot.console import main as console_main

        return console_main(settings, demo=False)
    from bot.server import serve

    return serve(settings)


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import main as console_main

    settings = _settings()
    _migrate_embedded(settings)
    return console_main(settings, demo=args.demo)


def cmd_scheduler(args: argparse.Namespace) -> int:
    from bot.scheduler.runner import run_standalone

    # The scheduler only posts: it never receives Slack's requests, so it needs no signing secret.
    return run_standalone(_settings(require_signing_secret=False))


def cmd_train_intents(args: argparse.Namespace) -> int:
    """Rebuild the intent model from the labelled corpus; with --hold-out, measure it on one set left out."""
    import time
    from pathlib import Path

    from bot.nlu import classifier

    folder = Path(args.corpus)
    started = time.perf_counter()
    model = classifier.train(classifier.load_training(folder, hold_out=args.hold_out))
    print(f"trained on {folder} in {time.perf_counter() - started:.1f} s: {len(model['features'])} features")
    if args.hold_out:
        clf = classifier.Classifier(model)
        cases = [
            json.loads(x)
            for x in (folder / args.hold_out).read_text(encoding="utf-8").splitlines()
            if x.strip()
        ]
        right = sum(clf.best(c["text"])[0] == c["expect"]["intent"] for c in cases)
        print(
            f"held out {args.hold_out}: {right} of {len(cases)} intents right ({100 * right / len(cases):.1f} %)"
        )
        return 0  # a model missing a set is for measuring only: it is not written
    classifier.MODEL.write_text(classifier.dump(model), encoding="utf-8")
    print(f"wrote {classifier.MODEL}")
    return 0


def cmd_workspace(args: argparse.Namespace) -> int:
    """``crm-bot workspace list`` / ``crm-bot workspace purge T…``: the workspaces the CRM holds data
    for, and deleting one's data now rather than when its retention period after an uninstall ends."""
    from bot.db import make_engine, make_session_factory, reaching
    from bot.services import installs

    settings = _settings(require_signing_secret=False)
    _migrate_embedded(settings)
    with reaching(settings.database_url):
        engine = make_engine(settings.database_url)
        try:
            sessions = make_session_factory(engine)
            if args.action == "list":
                return _list_workspaces(installs.workspaces(sessions, settings.retention_days))
            return _purge(sessions, args.team_id, force=args.installed)
        finally:
            engine.dispose()


def _list_workspaces(found: Sequence[Any]) -> int:
    if not found:
        print("no workspaces")
    for ws in found:
        org = f" (org {ws.enterprise_id})" if ws.enterprise_id else ""
        state = (
            f"uninstalled {ws.uninstalled_at:%Y-%m-%d %H:%M} UTC, purged after {ws.purge_at:%Y-%m-%d %H:%M} UTC"
            if ws.uninstalled_at
            else "installed"
        )
        print(f"{ws.team_id}  {ws.name or '-'}{org}: {state}")
    return 0


def _purge(sessions: Any, team_id: str | None, *, force: bool) -> int:
    from bot.services import installs

    if not team_id:
        print("crm-bot: workspace purge needs the workspace's Slack team id, e.g. T0123ABCD", file=sys.stderr)
        return 2
    known = {ws.team_id: ws for ws in installs.workspaces(sessions, 0)}
    ws = known.get(team_id or "")
    if ws is None:
        print(
            f"crm-bot: no data for workspace {team_id}; `crm-bot workspace list` shows the ones there are",
            file=sys.stderr,
        )
        return 1
    if ws.uninstalled_at is None and not force:
        print(
            f"crm-bot: {team_id} is still installed; uninstall the app there first, or add --installed "
            "to delete its data anyway",
            file=sys.stderr,
        )
        return 1
    purged = installs.purge(sessions, ws.team_id)
    print(f"purged workspace {purged.team_id}: {purged.rows} rows deleted")
    return 0


def _services(settings):  # type: ignore[no-untyped-def]
    from bot.db import make_engine, make_session_factory

    _migrate_embedded(settings)
    return make_session_factory(make_engine(settings.database_url))


class _ProgressLine:
    """One line on stderr, rewritten in place: rows so far, rows per second, time left."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, p) -> None:  # type: ignore[no-untyped-def]
        import time

        now = time.monotonic()
        if p.phase == "reading" and now - self.last < 0.5:
            return
        self.last = now
        eta = f", about {p.eta:.0f} s left" if p.eta is not None else ""
        line = f"{p.phase}: {p.rows:,} rows, {p.rate:,.0f} rows/s{eta}"
        print(f"\r{line:<70}", end="", file=sys.stderr, flush=True)

    @staticmethod
    def clear() -> None:
        """The progress line wiped, so that a refusal after it starts a line of its own."""
        print(f"\r{'':<70}\r", end="", file=sys.stderr, flush=True)


def _refused(exc) -> int:  # type: ignore[no-untyped-def]
    from bot.blocks.messages import describe

    text, hint = describe(exc)
    print(f"crm-bot: {text}" + (f" {hint}" if hint else ""), file=sys.stderr)
    return 2


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.services.dataio.importer import Importer, operator, undo_all
    from bot.services.dataio.tabular import NotATable
    from bot.services.errors import DomainError

    settings = _settings(require_signing_secret=False)
    sessions = _services(settings)
    try:
        actor = operator(sessions, args.workspace, args.as_user)
        importer = Importer(sessions)
        args.directory = _directory(settings)
        if args.undo:
            undone = undo_all(importer, actor, args.undo)
            print(
                f"undone: {undone.deleted:,} records deleted, {undone.restored:,} put back, "
                f"{undone.kept:,} kept (changed or used since the import)"
            )
            from bot.blocks.imports import people_undone

            if said := people_undone(undone.people):
                print(said)
            return 0
        if not args.file:
            print("crm-bot: name the file to import", file=sys.stderr)
            return 2
        return _import_file(importer, actor, Path(args.file), args)
    except FileExistsError as exc:
        print(
            f"crm-bot: {exc} is there already; name another with --bad-rows, or move it away", file=sys.stderr
        )
        return 2
    except NotATable as exc:
        _ProgressLine.clear()
        print(f"crm-bot: {args.file}: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        _ProgressLine.clear()
        return _refused(exc)


def _directory(settings):  # type: ignore[no-untyped-def]
    """Slack, for the teammates a file names by email, when a bot token is configured; else nobody is
    looked up (an OAuth install's tokens are each workspace's, and Slack is not called without one)."""
    if not settings.bot_token:
        return None
    from bot.slack.client import make_client
    from bot.slack.directory import slack_directory

    return slack_directory(make_client(settings))


def _import_file(importer, actor, path, args) -> int:  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    from bot.services.dataio import jsonlines
    from bot.services.dataio.importer import archive_members, import_archive, record_type_of

    if jsonlines.is_export(path):
        # An export's JSON lines: read back through the zip they stand for.
        with tempfile.TemporaryDirectory() as tmp:
            return _import_file(importer, actor, jsonlines.to_archive(path, Path(tmp)), args)
    members = archive_members(path)
    if members is None:
        if not args.type:
            print(
                "crm-bot: say what the file holds: --type contacts|companies|deals|tasks|interactions",
                file=sys.stderr,
            )
            return 2
        report = _report_path(args, path)
        result = importer.run(
            actor,
            path,
            record_type_of(args.type),
            mode=args.mode,
            dry_run=args.dry_run,
            report=report,
            file_name=path.name,
            dates=args.dates,
            progress=_ProgressLine(),
            directory=getattr(args, "directory", None),
        )
        _said(result, args, report)
        return 0
    reports = {member: _report_path(args, path, member) for _, member in members}
    progress: dict[str, _ProgressLine] = {}
    with tempfile.TemporaryDirectory() as tmp:
        done = import_archive(
            importer,
            actor,
            path,
            members,
            Path(tmp),
            mode=args.mode,
            dry_run=args.dry_run,
            dates=args.dates,
            report_for=reports.get,
            progress=lambda member, p: progress.setdefault(member, _ProgressLine())(p),
            done=lambda member, result: _said(result, args, reports[member]),
        )
    if done.brought.anything:
        # A dry run adds nothing first, so the columns of the fields it would add are left out above.
        print(f"{path.name}: {'would be ' if args.dry_run else ''}{done.brought.described()}")
    if done.settled_text():
        print(f"{path.name}: {'would be: ' if args.dry_run else ''}{done.settled_text()}")
        if "enable the webhook" in done.settled_text():
            print("  in Slack: /crm webhooks lists them by number; /crm webhooks enable N")
    if done.replayed.events or done.replayed.matched:
        print(f"{path.name}: {done.replayed.described()}")
    if not args.dry_run:
        print(f"undo every file of it: crm-bot import --undo {','.join(done.batch_ids)}")
    return 0


def _report_path(args, source, member=None):  # type: ignore[no-untyped-def]
    """Where the bad rows go: the path given, else beside the file imported, named after it (and after
    the export's file within a zip), numbered rather than written over a file that is there. A path
    given that is there already is refused (FileExistsError) before anything is imported."""
    import os
    from pathlib import Path

    if args.bad_rows is not None:
        given = Path(args.bad_rows).expanduser()
        if member is not None:
            given = given.with_name(f"{given.stem}-{Path(member).stem}{given.suffix or '.csv'}")
        if given.exists():
            raise FileExistsError(str(given))
        return given.absolute()
    folder = source.absolute().parent
    if not os.access(folder, os.W_OK):
        # A file read from somewhere read-only (a mounted share): its report comes here instead.
        folder = Path.cwd()
    stem = source.stem if member is None else f"{source.stem}-{Path(member).stem}"
    path, n = folder / f"{stem}-bad-rows.csv", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-bad-rows-{n}.csv"
    return path


def _said(result, args, report) -> None:  # type: ignore[no-untyped-def]
    from bot.blocks.imports import past_line, teammates_line, unknown_lines

    name = result.file_name
    print(file=sys.stderr)
    verb = "would import" if args.dry_run else "imported"
    rows = f"{result.rows:,} row" + ("" if result.rows == 1 else "s")
    print(f"{name} ({result.layout}): {rows} in {result.seconds:.1f} s")
    print(
        "  columns: "
        + ", ".join(f"{result.column_name(i)} → {result.label(f)}" for i, f in sorted(result.mapping.items()))
    )
    if result.unmapped:
        print("  left out: " + ", ".join(result.unmapped))
    dates = _dates_said(result)
    if dates:
        print(f"  dates: {dates}")
    if past := past_line(result):
        print(f"  {past}")
    if found := teammates_line(result):
        print(f"  {found}")
    for line in unknown_lines(result):
        print(f"  {line}")
    treated = {"skip": ("skipped", result.skipped), "update": ("updated", result.updated)}
    word, n = treated.get(args.mode, ("merged", result.updated))
    print(
        f"  {verb}: {result.new:,} new, {result.matching:,} matching records already here ({n:,} {word}), "
        f"{result.repeated:,} repeated in the file, {result.bad:,} bad"
    )
    if result.bad:
        print(f"  bad rows and why: {report}")
    if not args.dry_run:
        print(f"  undo it all: crm-bot import --undo {result.batch_id}")


def _dates_said(result) -> str:  # type: ignore[no-untyped-def]
    """How the file's slashed days were read, as a line of the summary ("" when it has none)."""
    from bot.blocks.imports import dates_read
    from bot.blocks.messages import either_way

    if not result.written.example:
        return ""
    if result.dates_unsure:
        example = either_way(result.written.example)
        return f"{example}; read month first here (say which with --dates mdy or --dates dmy)"
    return dates_read(result, " (as --dates says)")


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.blocks.imports import counted
    from bot.services.dataio.exporter import Exporter
    from bot.services.dataio.importer import operator
    from bot.services.errors import DomainError

    sessions = _services(_settings(require_signing_secret=False))
    try:
        actor = operator(sessions, args.workspace, args.as_user)
        done = Exporter(sessions).run(actor, Path(args.out), args.format)
    except DomainError as exc:
        return _refused(exc)
    print(f"exported to {args.out}: {counted(done.counts)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-bot", description="A CRM that lives in Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="serve Slack (HTTP or Socket Mode) with the scheduler; console if no credentials"
    )
    run.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="database migrations: upgrade, downgrade, current")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument(
        "revision", nargs="?", help="target revision (default: head for upgrade, base for downgrade)"
    )
    db.set_defaults(func=cmd_db)

    sub.add_parser(
        "parse", help="turn a message into a CRM intent (JSON); --batch for JSON lines", add_help=False
    )

    console = sub.add_parser("console", help="chat with the bot in this terminal, as in Slack")
    console.add_argument("--demo", action="store_true", help="seed a small team, pipeline and history first")
    console.set_defaults(func=cmd_console)

    workspace = sub.add_parser(
        "workspace", help="workspaces: list them, or purge one's data now (after an uninstall)"
    )
    workspace.add_argument("action", choices=["list", "purge"])
    workspace.add_argument("team_id", nargs="?", help="the workspace's Slack team id (T…), for purge")
    workspace.add_argument(
        "--installed", action="store_true", help="purge even though the app is still installed there"
    )
    workspace.set_defaults(func=cmd_workspace)

    imp = sub.add_parser(
        "import", help="import records from a CSV file (or an export zip); --dry-run to look first"
    )
    imp.add_argument("file", nargs="?", help="the CSV file, or a zip written by crm-bot export")
    imp.add_argument("--type", help="what the file holds: contacts, companies, deals, tasks, interactions")
    imp.add_argument("--workspace", help="the Slack team id (T…); needed when the database holds several")
    imp.add_argument("--as", dest="as_user", help="the Slack user id (U…) it is done as (default: an admin)")
    imp.add_argument(
        "--mode",
        choices=["skip", "update", "merge"],
        default="skip",
        help="records already there: skip them, update them with the file, or fill only what they lack",
    )
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imp.add_argument(
        "--dates",
        choices=["mdy", "dmy"],
        help="how to read 03/04/2025: month first or day first (default: as the file shows; a file "
        "whose every such date could be either is refused until this says)",
    )
    imp.add_argument(
        "--bad-rows",
        "--report",
        dest="bad_rows",
        metavar="PATH",
        help="where the bad rows go (default: FILE-bad-rows.csv beside the file; never over a file)",
    )
    imp.add_argument(
        "--undo",
        metavar="BATCH",
        help="undo a whole import by the id it printed (an export's: ids,comma,separated)",
    )
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export every record, import and audit event of a workspace")
    exp.add_argument("out", help="the file to write (.zip of CSVs, or .jsonl)")
    exp.add_argument("--workspace", help="the Slack team id (T…); needed when the database holds several")
    exp.add_argument("--as", dest="as_user", help="the Slack user id (U…) it is done as (default: an admin)")
    exp.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    exp.set_defaults(func=cmd_export)

    scheduler = sub.add_parser("scheduler", help="run only the scheduler (reminders, nudges, summaries)")
    scheduler.set_defaults(func=cmd_scheduler)

    train = sub.add_parser(
        "train-intents", help="rebuild the intent model (a second opinion) from labelled messages"
    )
    train.add_argument(
        "--corpus", default="tests/nlu", help="folder of labelled .jsonl sets (default: tests/nlu)"
    )
    train.add_argument(
        "--hold-out", metavar="SET", help="leave one set out and report accuracy on it; writes nothing"
    )
    train.set_defaults(func=cmd_train_intents)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "parse":
        # The parser has its own argument contract (shared/nlu) and must start fast.
        from bot.nlu.command import main as parse_main

        return parse_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Its DEBUG lines quote whole responses, tokens included (oauth.v2.access): never, even with -v.
    logging.getLogger("slack_sdk.web.base_client").setLevel(logging.INFO)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from bot.db import DatabaseUnreachable

    try:
        return int(args.func(args) or 0)
    except DatabaseUnreachable as exc:
        # An operational failure, not a bug: one line that names the database, no traceback.
        print(f"crm-bot: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
