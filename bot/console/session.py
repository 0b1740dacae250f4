"""The console's chat loop: what one types goes to the Bolt app as Slack would send it, and what the
bot sends to the Slack stand-in comes back as readable text."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from slack_bolt import App, BoltRequest, BoltResponse

from bot.blocks import ids
from bot.clock import ManualClock
from bot.console import payloads
from bot.console.payloads import Person
from bot.console.render import (
    Control,
    FormField,
    Style,
    default_style,
    form_fields,
    plain,
    render_message,
    render_view_header,
)
from bot.console.slackapi import Call, SlackStandIn
from bot.services.timeutil import zone

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SILENT = {
    "auth.test",
    "users.info",
    "conversations.open",
    "conversations.info",
    "chat.getPermalink",
    "files.getUploadURLExternal",
    "users.lookupByEmail",
    "team.info",
}

HELP = """\
Type what you would type in Slack:
  /crm <command>        the slash command, in the current channel (try /crm help)
  @crm <message>        mention the bot in the current channel
  <anything else>       a direct message to the bot
  <N> or select N       press button / open menu number N of the last reply
Console commands:
  :as NAME|USERID       act as another person (e.g. :as bob); :as alone lists the team;
                        :as U0NEW0001 Jo Doe adds one
  :tz ZONE              set your time zone (e.g. :tz Europe/Paris)
  :in #channel          type in another channel
  :home                 open the bot's App Home tab
  :post <message>       say something in the current channel, to the people there (not to the bot)
  :log [N] | :task [N]  the message shortcuts "Log to CRM" / "Create task from message" on the last
                        message posted with :post (or on message N)
  :new contact|deal|task|log
                        the global shortcuts: a form for a new record
  In a form, a picker field (contact, company, deal) searches as you type: write a few letters,
  then choose among the numbered matches.
  :share PATH [deals]   share a CSV with the bot in the DM, to import it (say what it holds, or not)
  :now                  show the time and let the scheduler catch up
  :clock +2h | +1d | +30m | tomorrow 09:00 | friday 14:00 | 2026-12-01 09:00
                        move the clock forward (times in your zone); due reminders arrive.
                        Between jumps it runs with real time.
  :help                 this help
  :quit                 leave (Ctrl-D too)"""


class TrackingExecutor(Executor):
    """Wraps Bolt's listener executor so the console knows when work after the ack is finished."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._busy = 0
        self._cond = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._cond:
            self._busy += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

        return self.inner.submit(run)

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def track(app: App) -> TrackingExecutor | None:
    """The app's tracked executor: the one it was built with, or its own wrapped in one."""
    runner = app.listener_runner
    inner = getattr(runner, "listener_executor", None)
    lazy = getattr(runner, "lazy_listener_runner", None)
    if inner is None:
        return None
    if isinstance(inner, TrackingExecutor):
        return inner
    tracker = TrackingExecutor(inner)
    runner.listener_executor = tracker  # type: ignore[attr-defined]
    if lazy is not None and hasattr(lazy, "executor"):
        lazy.executor = tracker
    return tracker


@dataclass
class Origin:
    """Where a request came from, so posts to its response_url land in the right place."""

    channel_id: str
    message_ts: str | None = None
    user_id: str | None = None


@dataclass
class Shown:
    """A message on screen whose buttons can be pressed."""

    channel_id: str | None
    ts: str | None
    message: dict[str, Any]
    ephemeral: bool
    response_url: str | None = None
    view: dict[str, Any] | None = None


@dataclass
class Pending:
    control: Control
    source: Shown


@dataclass
class Console:
    app: App
    standin: SlackStandIn
    signing_secret: str
    team_id: str
    people: dict[str, Person]
    user_id: str
    out: TextIO
    tty: bool = False
    clock: ManualClock | None = None
    tick: Callable[[], Any] | None = None
    # The next moment after the first time, up to the second, at which the scheduler has something due.
    next_due: Callable[[datetime, datetime], datetime | None] | None = None
    channel: tuple[str, str] = ("CGENERAL", "general")
    files_dir: Path | None = None
    # Who is on the team as the bot knows them: (slack id, name, role, zone).
    team: Callable[[], list[tuple[str, str, str, str]]] | None = None
    # Stores a person's new zone where the bot reads it: (slack id, name, zone).
    set_zone: Callable[[str, str, str], None] | None = None
    settle_timeout: float = 15.0
    _tracker: TrackingExecutor | None = None
    _seen: int = 0
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _origins: dict[str, Origin] = field(default_factory=dict)
    _controls: dict[int, Pending] = field(default_factory=dict)
    _fresh_numbers: bool = True
    _forms: list[dict[str, Any]] = field(default_factory=list)
    _lines: Iterator[str] | None = None
    _saved: dict[str, Path] = field(default_factory=dict)
    _session_files: Path | None = None
    # Messages with buttons that arrived for someone else, by recipient, until they are shown to them.
    _unseen: dict[str, dict[tuple[str, str], tuple[Shown, str | None]]] = field(default_factory=dict)
    # Messages people said in channels with :post, for the message shortcuts: (channel, message).
    _posted: list[tuple[tuple[str, str], dict[str, Any]]] = field(default_factory=list)
    # The form being filled: its pickers ask the app for their options.
    _filling: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self._tracker = track(self.app)
        self.standin.add_channel(*self.channel)
        for person in self.people.values():
            self._add_to_standin(person)

    # ---- who and where ---------------------------------------------------------------------------

    @property
    def user(self) -> Person:
        return self.people[self.user_id]

    def _add_to_standin(self, person: Person) -> None:
        self.standin.add_user(person.id, person.name, tz=person.tz)

    def name_of(self, user_id: str) -> str:
        if user_id == self.standin.bot_user_id:
            return "crm"
        person = self.people.get(user_id)
        return person.name if person else user_id

    def style(self) -> Style:
        return default_style(self.tty, self.user.tz, self.name_of, self.channel_name)

    def channel_name(self, channel_id: str) -> str:
        return str((self.standin.channels.get(channel_id) or {}).get("name") or channel_id)

    def now(self) -> datetime:
        return self.clock.now() if self.clock else datetime.now(UTC)

    # ---- output ----------------------------------------------------------------------------------

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def note(self, line: str) -> None:
        self.say(self.style().dim(line))

    # ---- input -----------------------------------------------------------------------------------

    def prompt(self) -> str:
        return f"{self.user.name.split()[0].lower()}@{self.channel[1]}> "

    def readline(self, prompt: str) -> str | None:
        if self.tty:
            try:
                return input(prompt)
            except EOFError:
                return None
        assert self._lines is not None
        line = next(self._lines, None)
        if line is None:
            return None
        line = line.rstrip("\n")
        # Piped input is echoed, so the output reads as a transcript of the session.
        self.say(prompt + line)
        return line

    def run(self, lines: Iterator[str] | None = None) -> int:
        self._lines = lines
        if self.tty:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401 - line editing and history for input()
        self.say(
            f"Local console: you are {self.user.name} ({self.user.id}, {self.user.tz}) in "
            f"#{self.channel[1]}; the clock says {self._fmt(self.now())}. Type :help for help."
        )
        while True:
            line = self.readline(self.prompt())
            if line is None:
                self.say()
                return 0
            try:
                if not self.handle(line):
                    return 0
            except KeyboardInterrupt:
                self.say()
                continue

    def handle(self, line: str) -> bool:
        """One line typed at the prompt; False means leave."""
        text = line.strip()
        if not text:
            return True
        if text.startswith(":"):
            return self._console_command(text[1:].strip())
        pressed = re.fullmatch(r"(?:select\s+|press\s+)?(\d{1,3})", text, re.IGNORECASE)
        if pressed:
            self.press(int(pressed.group(1)))
        elif text.startswith("/crm"):
            self.slash(text[4:].strip())
        elif text.startswith("/"):
            self.note(f"Only /crm is this bot's command; {text.split()[0]} is not.")
        elif re.match(r"^@crm\b", text, re.IGNORECASE):
            self.mention(text[4:].strip())
        else:
            self.direct_message(text)
        return True

    # ---- what one can type -----------------------------------------------------------------------

    def escape(self, text: str, *, names: bool) -> str:
        """Mentions as Slack sends them: ``@bob`` → ``<@U0BOB0002|bob.martin>``, ``#sales`` → ``<#CSALES|sales>``
        (the /crm command escapes them, per the manifest; messages always carry them so)."""

        def person(m: re.Match[str]) -> str:
            uid = self._user_ref(m.group(1))
            if uid not in self.people:
                return m.group(0)
            return f"<@{uid}|{self.people[uid].username}>" if names else f"<@{uid}>"

        def channel(m: re.Match[str]) -> str:
            name = m.group(1).lower()
            channel_id = self._channel_id(name)
            self.standin.add_channel(channel_id, name)
            return f"<#{channel_id}|{name}>"

        text = re.sub(r"(?<![\w.<])@([A-Za-z][\w.\-]*[A-Za-z0-9]|[A-Za-z])", person, text)
        return re.sub(r"(?<![\w<&])#([a-z0-9][a-z0-9_\-]{0,79})", channel, text, flags=re.IGNORECASE)

    def _channel_id(self, name: str) -> str:
        for channel_id, info in self.standin.channels.items():
            if info.get("name") == name:
                return channel_id
        return "C" + re.sub(r"[^A-Z0-9]", "", name.upper())[:20]

    def slash(self, text: str) -> None:
        text = self.escape(text, names=True)
        url = self._response_url(Origin(self.channel[0], user_id=self.user_id))
        body = payloads.slash_command(self.team_id, self.user, self.channel[0], self.channel[1], text, url)
        self.send(body, FORM, reply_to=Shown(self.channel[0], None, {}, True, url))

    def mention(self, text: str) -> None:
        text = self.escape(text, names=False)
        body = payloads.mention(self.team_id, self.standin.bot_user_id, self.user, self.channel[0], text)
        self.send(body, JSON)

    def direct_message(self, text: str) -> None:
        text = self.escape(text, names=False)
        body = payloads.direct_message(self.team_id, self.standin.bot_user_id, self.user, text)
        self.send(body, JSON)

    def share_file(self, rest: str) -> None:
        """``:share PATH [what it holds]``: the file shared with the bot in the DM, as Slack sends it."""
        path_text, _, text = rest.partition(" ")
        path = Path(path_text).expanduser()
        if not path_text or not path.is_file():
            self.note("Share a file with :share PATH [contacts|companies|deals|tasks|notes].")
            return
        info = self.standin.add_file(path.name, path.read_bytes(), user=self.user_id)
        self.send(
            payloads.shared_file(self.team_id, self.standin.bot_user_id, self.user, text.strip(), info), JSON
        )

    def open_home(self) -> None:
        self.send(payloads.home_opened(self.team_id, self.standin.bot_user_id, self.user), JSON)

    def post_message(self, text: str) -> None:
        if not text:
            self.note("Write the message after :post.")
            return
        message = {"user": self.user_id, "text": self.escape(text, names=False), "ts": _ts_now()}
        self._posted.append((self.channel, message))
        self.say(
            f"  [message {len(self._posted)}] {self.name_of(self.user_id)} in #{self.channel[1]}: {text}"
        )
        self.note("  :log or :task on it runs a message shortcut.")

    def message_shortcut(self, which: str, rest: str) -> None:
        if not self._posted:
            self.note("No message yet: say one with :post, then :log or :task.")
            return
        n = int(rest) if rest.isdigit() else len(self._posted)
        if not 1 <= n <= len(self._posted):
            self.note(f"There is no message {rest}.")
            return
        channel, message = self._posted[n - 1]
        callback = MESSAGE_SHORTCUTS[which]
        self.send(payloads.message_action(self.team_id, self.user, callback, channel, message), FORM)

    def global_shortcut(self, rest: str) -> None:
        callback = GLOBAL_SHORTCUTS.get(rest.lower().split(" ")[0] if rest else "")
        if callback is None:
            self.note("Which form? :new contact, :new deal, :new task or :new log")
            return
        self.send(payloads.shortcut(self.team_id, self.user, callback), FORM)

    def press(self, number: int) -> None:
        pending = self._controls.get(number)
        if pending is None:
            self.note(f"There is no button {number} in the last reply.")
            return
        action = self._action(pending.control)
        if action is None:
            return
        src = pending.source
        url = src.response_url
        if src.view is None and src.channel_id is not None:
            url = self._response_url(Origin(src.channel_id, src.ts, self.user_id))
        body = payloads.block_actions(
            self.team_id,
            self.user,
            action,
            channel_id=src.channel_id,
            message=src.message if src.ts else None,
            message_ts=src.ts,
            is_ephemeral=src.ephemeral,
            response_url=url,
            view=src.view,
        )
        self.send(body, FORM)

    def _action(self, control: Control) -> dict[str, Any] | None:
        el = control.element
        action: dict[str, Any] = {
            "type": control.kind,
            "action_id": el.get("action_id", ""),
            "block_id": control.block_id,
        }
        if control.kind == "button":
            confirm = el.get("confirm")
            if confirm:
                question = plain(confirm.get("title")) or "Are you sure?"
                detail = plain(confirm.get("text"))
                answer = self.readline(f"  {question} {detail} [y/N] ".replace("  ", " ", 1))
                if (answer or "").strip().lower() not in ("y", "yes"):
                    self.note("Not sent.")
                    return None
            action["text"] = el.get("text")
            if "value" in el:
                action["value"] = el["value"]
            if el.get("style"):
                action["style"] = el["style"]
            return action
        options = control.options()
        if control.kind in ("static_select", "overflow", "external_select", "radio_buttons"):
            chosen = self._choose(options, control.label)
            if chosen is None:
                return None
            action["selected_option"] = chosen
            return action
        if control.kind == "checkboxes":
            chosen_many = self._choose_many(options, control.label)
            if chosen_many is None:
                return None
            action["selected_options"] = chosen_many
            return action
        value = self.readline(f"  {control.label} ")
        if value is None or not value.strip():
            return None
        key = {
            "users_select": "selected_user",
            "conversations_select": "selected_conversation",
            "channels_select": "selected_channel",
            "datepicker": "selected_date",
            "timepicker": "selected_time",
        }.get(control.kind, "value")
        action[key] = self._user_ref(value) if key == "selected_user" else value.strip()
        return action

    def _choose(self, options: list[dict[str, Any]], label: str) -> dict[str, Any] | None:
        for i, opt in enumerate(options, 1):
            self.say(f"    {i}. {plain(opt.get('text'))}")
        answer = self.readline(f"  {label} (1-{len(options)}) ")
        picked = self._match_option(options, answer or "")
        if picked is None:
            self.note("Nothing chosen.")
        return picked

    def _choose_many(self, options: list[dict[str, Any]], label: str) -> list[dict[str, Any]] | None:
        for i, opt in enumerate(options, 1):
            self.say(f"    {i}. {plain(opt.get('text'))}")
        answer = self.readline(f"  {label} (numbers, comma-separated) ")
        if answer is None:
            return None
        picked = [self._match_option(options, part) for part in answer.split(",") if part.strip()]
        return [p for p in picked if p is not None]

    @staticmethod
    def _match_option(options: list[dict[str, Any]], answer: str) -> dict[str, Any] | None:
        answer = answer.strip()
        if not answer:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1]
        low = answer.lower()
        for opt in options:
            if low in (plain(opt.get("text")).lower(), str(opt.get("value", "")).lower()):
                return opt
        starts = [o for o in options if plain(o.get("text")).lower().startswith(low)]
        return starts[0] if len(starts) == 1 else None

    def _user_ref(self, value: str) -> str:
        value = value.strip().lstrip("@")
        if value in self.people:
            return value
        low = value.lower()
        for person in self.people.values():
            if low in (person.name.lower(), person.name.split()[0].lower(), person.username):
                return person.id
        # "UBOB" for Bob: a short id-like spelling of a first name.
        if len(value) > 1 and value[0] in "UW" and value[1:].isupper():
            for person in self.people.values():
                if value[1:].lower() == person.name.split()[0].lower():
                    return person.id
        return value

    # ---- console commands ------------------------------------------------------------------------

    def _console_command(self, text: str) -> bool:
        word, _, rest = text.partition(" ")
        word = word.lower()
        rest = rest.strip()
        if word in ("q", "quit", "exit"):
            return False
        if word in ("h", "help", "?"):
            self.say(HELP)
        elif word == "as":
            self._switch_user(rest)
        elif word == "in":
            self._switch_channel(rest)
        elif word == "tz":
            self._set_zone(rest)
        elif word == "home":
            self.open_home()
        elif word == "post":
            self.post_message(rest)
        elif word in ("log", "task"):
            self.message_shortcut(word, rest)
        elif word == "new":
            self.global_shortcut(rest)
        elif word == "share":
            self.share_file(rest)
        elif word == "now":
            self.say(f"  It is {self._fmt(self.now())}.")
            self._tick()
        elif word == "clock":
            self._move_clock(rest)
        else:
            self.note(f"Unknown console command :{word}. Type :help.")
        return True

    def _switch_user(self, rest: str) -> None:
        parts = rest.split(maxsplit=1)
        if not parts:
            self._list_team("Who you can be (:as NAME):")
            return
        uid = self._user_ref(parts[0]).upper()
        if not re.fullmatch(r"[UW][A-Z0-9]{2,}", uid):
            self._list_team(f"“{parts[0]}” is nobody here, nor a Slack user id (like U0NEW0001). The team:")
            return
        if uid not in self.people:
            name = parts[1] if len(parts) > 1 else uid.title()
            tz = self.user.tz
            self.people[uid] = Person(uid, name, tz)
            self._add_to_standin(self.people[uid])
        self.user_id = uid
        self._controls.clear()
        self.say(f"  You are now {self.user.name} ({uid}, {self.user.tz}).")
        self._show_unseen()

    def _list_team(self, heading: str) -> None:
        known = {row[0]: row for row in (self.team() if self.team else [])}
        # People typed into being with :as who have not spoken to the bot yet are on the team too.
        for p in self.people.values():
            known.setdefault(p.id, (p.id, p.name, "not met the bot yet", p.tz))
        self.say("  " + heading)
        for uid, name, role, tz in known.values():
            who = self.people.get(uid)
            handle = who.name.split()[0].lower() if who else uid
            here = "  ← you" if uid == self.user_id else ""
            self.say(f"    {name} ({handle}, {uid}) · {role} · {tz}{here}")

    def _show_unseen(self) -> None:
        waiting = self._unseen.pop(self.user_id, {})
        if not waiting:
            return
        self.note(f"  Waiting for {self.user.name.split()[0]} (press their buttons by number):")
        self._fresh_numbers = True
        for shown, for_user in list(waiting.values()):
            header = self._header(shown.channel_id or "", shown.ephemeral, for_user)
            self._print_message(header, shown.message, shown, for_user)

    def _set_zone(self, rest: str) -> None:
        tz = rest.strip()
        if not tz:
            self.note(f"Your time zone is {self.user.tz}. Usage: :tz ZONE   e.g. :tz Europe/Paris")
            return
        if zone(tz).key != tz:
            self.note(f"“{tz}” is not a time zone; use a name like Europe/Paris or America/Chicago.")
            return
        person = replace(self.user, tz=tz)
        self.people[person.id] = person
        self._add_to_standin(person)
        if self.set_zone is not None:
            self.set_zone(person.id, person.name, tz)
        self.say(f"  Your time zone is now {tz}; it is {self._fmt(self.now())}.")

    def _switch_channel(self, rest: str) -> None:
        name = rest.lstrip("#").strip().lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]{0,79}", name):
            self.note("Usage: :in #channel-name")
            return
        channel_id = self._channel_id(name)
        self.channel = (channel_id, name)
        self.standin.add_channel(channel_id, name)
        self.say(f"  You are now in #{name}.")

    def _move_clock(self, rest: str) -> None:
        if self.clock is None:
            self.note("This console runs on real time; the clock cannot be moved.")
            return
        try:
            target = parse_clock(rest, self.now(), self.user.tz)
        except ValueError as exc:
            self.note(str(exc))
            return
        if target < self.now():
            self.note("The clock only moves forward (what already happened stays sent).")
            return
        self.say(f"  The clock now says {self._fmt(target)}.")
        self._fresh_numbers = True
        # What is due already goes first; then stop at each moment something falls due on the way, so
        # that it arrives on time (a jump straight to the end would deliver it late, as after an outage).
        if self.next_due is not None and self.tick is not None:
            self._tick(fresh=False, stamp=True)
        for _ in range(500):
            stop = self.next_due(self.now(), target) if self.next_due and self.tick else None
            if stop is None or stop >= target:
                break
            self.clock.set(max(stop, self.now()))
            self._tick(fresh=False, stamp=True)
        self.clock.set(target)
        self._tick(fresh=False, stamp=True)

    def _tick(self, *, fresh: bool = True, stamp: bool = False) -> None:
        if fresh:
            self._fresh_numbers = True
        if self.tick is None:
            self.note("(no scheduler in this console, so nothing is sent on its own)")
            return
        try:
            self.tick()
        except Exception as exc:  # noqa: BLE001 - the console stays up and says what failed
            self.note(f"The scheduler failed: {exc}")
        self.settle()
        if stamp and self._seen < len(self.standin.log):
            self.note(f"  ── {self._fmt(self.now())} ──")
        self.show_new()

    def _fmt(self, when: datetime) -> str:
        local = when.astimezone(zone(self.user.tz))
        return local.strftime("%a %Y-%m-%d %H:%M ") + (local.tzname() or self.user.tz)

    # ---- talking to the app ----------------------------------------------------------------------

    def _response_url(self, origin: Origin) -> str:
        key = f"c{next(self._seq)}"
        self._origins[key] = origin
        return self.standin.response_url(key)

    def dispatch(self, body: str, content_type: str) -> BoltResponse:
        signed = payloads.sign(self.signing_secret, body, content_type)
        request = BoltRequest(body=signed.body, headers={k: [v] for k, v in signed.headers.items()})
        return self.app.dispatch(request)

    def send(self, body: str, content_type: str, *, reply_to: Shown | None = None) -> None:
        self._fresh_numbers = True
        response = self.dispatch(body, content_type)
        if response.status == 404:
            self.note("(the bot has no handler for that)")
        elif response.status >= 400:
            self.note(f"(the app answered HTTP {response.status}: {response.body[:200]})")
        elif reply_to is not None and response.body:
            self._show_ack(response, reply_to)
        self.settle()
        self.show_new()
        self._open_forms()

    def settle(self) -> None:
        """Wait until the app's work after the ack is done, so its replies are all on screen."""
        if self._tracker is not None:
            if not self._tracker.wait_idle(self.settle_timeout):
                self.note("(the bot is still working; its reply will show after your next line)")
            return
        last, quiet_since = -1, time.monotonic()
        deadline = quiet_since + self.settle_timeout
        while time.monotonic() < deadline:
            n = len(self.standin.log)
            if n != last:
                last, quiet_since = n, time.monotonic()
            elif time.monotonic() - quiet_since > 0.3:
                return
            time.sleep(0.02)

    def _show_ack(self, response: BoltResponse, reply_to: Shown) -> None:
        try:
            message = json.loads(response.body)
        except ValueError:
            message = {"text": response.body}
        if not isinstance(message, dict) or not (message.get("text") or message.get("blocks")):
            return
        ephemeral = message.get("response_type") != "in_channel"
        shown = Shown(reply_to.channel_id, self._ephemeral_ts(), message, ephemeral, reply_to.response_url)
        header = self._header(reply_to.channel_id or self.channel[0], ephemeral, self.user_id)
        self._print_message(header, message, shown)

    # ---- what the bot sent -----------------------------------------------------------------------

    def show_new(self) -> None:
        log = self.standin.log
        while self._seen < len(log):
            call = log[self._seen]
            self._seen += 1
            try:
                self._show_call(call)
            except Exception as exc:  # noqa: BLE001 - one odd payload must not end the session
                self.note(f"(could not show {call.method}: {exc})")

    def _show_call(self, call: Call) -> None:
        method = call.method
        if method.startswith("/response/"):
            self._show_response(call)
        elif method.startswith("/upload/"):
            self._save_upload(call)
        elif method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "chat.delete"):
            self._show_chat(call)
        elif method in ("views.open", "views.push", "views.update", "views.publish"):
            self._show_view(call)
        elif method == "files.completeUploadExternal":
            self._show_files(call)
        elif method not in SILENT:
            self.note(f"  (crm called {method})")

    def _show_chat(self, call: Call) -> None:
        p = call.params
        channel = str(p.get("channel", ""))
        if call.method == "chat.postMessage":
            ts = str((call.result or {}).get("ts") or "")
            shown = Shown(channel, ts, _message(p), False)
            header = self._header(channel, False, None, thread=bool(p.get("thread_ts")))
            self._print_message(header, _message(p), shown)
        elif call.method == "chat.postEphemeral":
            ts = str((call.result or {}).get("message_ts") or "")
            shown = Shown(channel, ts, _message(p), True)
            for_user = str(p.get("user", ""))
            self._print_message(self._header(channel, True, for_user), _message(p), shown, for_user)
        elif call.method == "chat.update":
            shown = Shown(channel, str(p.get("ts", "")), _message(p), False)
            self._print_message(
                self._header(channel, False, None) + " (updated its message)", _message(p), shown
            )
        else:
            self.note("  crm deleted one of its messages.")

    def _show_view(self, call: Call) -> None:
        p = call.params
        view = dict((call.result or {}).get("view") or _json(p.get("view")))
        if call.method in ("views.open", "views.push"):
            self._forms.append(view)
        elif call.method == "views.update":
            if self._forms:
                self._forms[-1] = view
            else:
                self._forms.append(view)
        else:
            whose = self.name_of(str(p.get("user_id", "")))
            shown = Shown(None, None, {}, False, view=view)
            self._print_message(
                f"crm's App Home (as {whose} sees it):", {"blocks": view.get("blocks")}, shown
            )

    def _show_files(self, call: Call) -> None:
        p = call.params
        files = p.get("files")
        files = _json(files) if isinstance(files, str) else files
        titles = ", ".join(str(f.get("title") or f.get("id")) for f in files or [])
        where = str(p.get("channel_id") or p.get("channels") or "")
        header = self._header(where, False, None) if where else "crm uploaded"
        self.say(header + f" 📎 {titles}")
        for f in files or []:
            saved = self._saved.pop(str(f.get("id")), None)
            if saved is not None:
                self.note(f"  (saved to {saved})")
        if p.get("initial_comment"):
            self.say("  " + str(p["initial_comment"]))
        self.say()

    def _show_response(self, call: Call) -> None:
        p = call.params
        key = call.method.rsplit("/", 1)[-1]
        origin = self._origins.get(key, Origin(self.channel[0]))
        url = self.standin.response_url(key)
        if str(p.get("delete_original", "")).lower() in ("true", "1"):
            self.note("  crm removed its earlier message.")
            return
        ephemeral = p.get("response_type") != "in_channel"
        replaced = str(p.get("replace_original", "")).lower() in ("true", "1") and origin.message_ts
        header = self._header(origin.channel_id, ephemeral, origin.user_id)
        if replaced:
            header += " (replaced the message)"
        # Slack gives ephemeral replies a ts of their own too; buttons on them carry it.
        ts = origin.message_ts if replaced else self._ephemeral_ts()
        shown = Shown(origin.channel_id, ts, _message(p), ephemeral, url)
        self._print_message(header, _message(p), shown)

    @staticmethod
    def _key(shown: Shown) -> tuple[str, str] | None:
        if shown.view is not None or not shown.channel_id or not shown.ts:
            return None
        channel = shown.channel_id
        # A DM is addressed by the person's id or by the DM's own id; both are one conversation.
        if channel.startswith(("U", "W")):
            channel = payloads.dm_channel(channel)
        return channel, shown.ts

    def _ephemeral_ts(self) -> str:
        return f"{time.time():.0f}.{next(self._seq):06d}"

    def _save_upload(self, call: Call) -> None:
        data = call.params.get("bytes") or b""
        if self.files_dir is None:
            return
        if self._session_files is None:
            # File ids start again each session: a folder per session keeps earlier charts.
            self.files_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-")
            self._session_files = Path(tempfile.mkdtemp(prefix=stamp, dir=self.files_dir))
        name = call.method.rsplit("/", 1)[-1]
        suffix = Path(self.standin.upload_names.get(name, "")).suffix or (
            ".png" if data[:8] == b"\x89PNG\r\n\x1a\n" else ".zip" if data[:4] == b"PK\x03\x04" else ".bin"
        )
        path = self._session_files / f"{name}{suffix}"
        path.write_bytes(data)
        self._saved[name] = path

    def _header(self, channel: str, ephemeral: bool, for_user: str | None, *, thread: bool = False) -> str:
        mine = payloads.dm_channel(self.user_id)
        if channel in (mine, self.user_id):
            where = "to you (DM)"
        elif channel.startswith("D") or channel.startswith("U"):
            where = f"→ DM to {self.name_of(channel[1:] if channel.startswith('D') else channel)}"
        else:
            name = (self.standin.channels.get(channel) or {}).get("name") or channel
            where = f"in #{name}"
        if ephemeral:
            who = "you" if for_user is None or for_user == self.user_id else self.name_of(for_user)
            where += f" (only {who} can see this)"
        if thread:
            where += " (in thread)"
        return self.style().bold("crm") + " " + where + ":"

    def _visible_to(self, shown: Shown, for_user: str | None) -> str | None:
        """Whose message this is when it is not the current person's (a DM or ephemeral to another)."""
        if shown.view is not None:
            return None
        channel = shown.channel_id or ""
        if channel.startswith("D") and channel[1:] != self.user_id:
            return channel[1:]
        if channel.startswith(("U", "W")) and channel != self.user_id:
            return channel
        if shown.ephemeral and for_user not in (None, self.user_id):
            return for_user
        return None

    def _print_message(
        self, header: str, message: dict[str, Any], shown: Shown, for_user: str | None = None
    ) -> None:
        if self._fresh_numbers:
            self._controls.clear()
            self._fresh_numbers = False
        owner = self._visible_to(shown, for_user)

        def number(control: Control) -> int | None:
            # In Slack only its recipient sees this message, so only they can press its buttons.
            if owner is not None:
                return None
            n = len(self._controls) + 1
            self._controls[n] = Pending(control, shown)
            return n

        self.say(header)
        lines = render_message(message, self.style(), number)
        for line in lines:
            self.say(line)
        key = self._key(shown)
        if key is not None:
            # A message replaced or updated in place is no longer waiting in its earlier form.
            for waiting in self._unseen.values():
                waiting.pop(key, None)
        has_buttons = any("[" in line for line in lines if "]" in line)
        if owner is not None and has_buttons and key is not None:
            self._unseen.setdefault(owner, {})[key] = (shown, for_user)
        if owner is not None and has_buttons:
            who = self.people.get(owner)
            handle = who.name.split()[0].lower() if who else owner
            self.note(f"  (for {self.name_of(owner)}: type :as {handle} to answer it)")
        self.say()

    # ---- modals ----------------------------------------------------------------------------------

    def _open_forms(self) -> None:
        while self._forms:
            view = self._forms.pop()
            self._forms.clear()
            self.fill_form(view)

    def fill_form(self, view: dict[str, Any], errors: dict[str, str] | None = None) -> None:
        style = self.style()
        shown = Shown(None, None, {}, False, view=view)
        if self._fresh_numbers:
            self._controls.clear()
            self._fresh_numbers = False

        def number(control: Control) -> int | None:
            n = len(self._controls) + 1
            self._controls[n] = Pending(control, shown)
            return n

        fields = form_fields(view)
        if errors is None:
            for line in render_view_header(view, style, number):
                self.say(line)
            if not fields:
                self.say("  └─")
                return
            self.note(
                "  │ Fill in each field: Enter keeps [the value shown] or skips an optional one; :cancel closes."
            )
        values: dict[str, dict[str, Any]] = {}
        self._filling = view
        previous = view.get("state", {}).get("values", {}) if errors else {}
        for f in fields:
            if errors is not None and f.block_id not in errors:
                values[f.block_id] = previous.get(f.block_id) or {f.action_id: self._value(f, None)}
                continue
            if errors is not None:
                self.say("  │ " + style.bold("⚠ " + errors[f.block_id]))
            value = self._ask(f)
            if value is _CANCEL:
                self.say("  └─ " + style.dim("form closed"))
                if view.get("notify_on_close"):
                    self.send(payloads.view_closed(self.team_id, self.user, view), FORM)
                return
            values[f.block_id] = {f.action_id: value}
        self.say("  └─ " + style.dim("submitted"))
        self._submit(view, values)

    def _submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> None:
        self._fresh_numbers = True
        response = self.dispatch(payloads.view_submission(self.team_id, self.user, view, values), FORM)
        answer: dict[str, Any] = {}
        if response.body:
            try:
                answer = json.loads(response.body)
            except ValueError:
                answer = {}
        action = answer.get("response_action")
        if response.status >= 400:
            self.note(f"(the app answered HTTP {response.status})")
        self.settle()
        self.show_new()
        if action == "errors":
            view = {**view, "state": {"values": values}}
            self.fill_form(view, errors={str(k): str(v) for k, v in (answer.get("errors") or {}).items()})
            return
        if action in ("update", "push") and isinstance(answer.get("view"), dict):
            self._forms.append(answer["view"])
        self._open_forms()

    def _suggestions(self, f: FormField, typed: str) -> list[dict[str, Any]]:
        """A picker's options for what was typed, from the app, as Slack would fetch them."""
        view = self._filling or {}
        body = payloads.block_suggestion(self.team_id, self.user, view, f.block_id, f.action_id, typed)
        response = self.dispatch(body, FORM)
        try:
            return list(json.loads(response.body or "{}").get("options") or [])
        except ValueError:
            return []

    def _pick(self, f: FormField, mark: str) -> Any:
        """A picker field: type a few letters, choose among the numbered matches."""
        option = f.element.get("initial_option")
        shown_initial = f" [{plain(option.get('text'))}]" if option else ""
        while True:
            answer = self.readline(f"  │ {f.label}{mark} (type to search){shown_initial}: ")
            if answer is None or answer.strip() == ":cancel":
                return _CANCEL
            typed = answer.strip()
            if not typed:
                if option is not None or f.optional:
                    return {"type": f.kind, "selected_option": option}
                self.say("  │   " + self.style().dim("This one is required."))
                continue
            options = self._suggestions(f, typed)
            if not options:
                self.say("  │   " + self.style().dim("Nothing matches; try other letters."))
                continue
            for i, opt in enumerate(options[:20], 1):
                self.say(f"  │   {i}. {plain(opt.get('text'))}")
            which = self.readline(f"  │   which (1-{min(len(options), 20)}): ")
            if which is None or which.strip() == ":cancel":
                return _CANCEL
            chosen = self._match_option(options[:20], which)
            if chosen is not None:
                return {"type": f.kind, "selected_option": chosen}
            self.say("  │   " + self.style().dim("Not one of the choices; search again."))

    def _ask(self, f: FormField) -> Any:
        mark = "" if f.optional else "*"
        if f.kind == "external_select":
            return self._pick(f, mark)
        initial = f.initial_text()
        if initial and f.kind in ("users_select", "multi_users_select"):
            # Slack shows the person, not their id.
            initial = ", ".join(self.name_of(uid.strip()) for uid in initial.split(","))
        options = f.options()
        if options:
            for i, opt in enumerate(options, 1):
                self.say(f"  │   {i}. {plain(opt.get('text'))}")
        hint = {
            "datepicker": " (YYYY-MM-DD)",
            "timepicker": " (HH:MM)",
            "users_select": " (@name or user id)",
            "multi_users_select": " (@names, comma-separated)",
            "checkboxes": " (numbers, comma-separated)",
            "multi_static_select": " (numbers, comma-separated)",
        }.get(f.kind, f" (1-{len(options)})" if options else "")
        while True:
            shown_initial = f" [{initial}]" if initial else ""
            answer = self.readline(f"  │ {f.label}{mark}{hint}{shown_initial}: ")
            if answer is None or answer.strip() == ":cancel":
                return _CANCEL
            answer = answer.strip()
            if not answer:
                if initial is not None:
                    return self._value(f, None, keep_initial=True)
                if f.optional:
                    return self._value(f, None)
                self.say("  │   " + self.style().dim("This one is required."))
                continue
            value = self._value(f, answer)
            if value is None:
                self.say("  │   " + self.style().dim("Not one of the choices; type its number."))
                continue
            return value

    def _value(self, f: FormField, answer: str | None, *, keep_initial: bool = False) -> Any:
        """The element's state, shaped as Slack puts it in ``view.state.values``."""
        el = f.element
        kind = f.kind
        if kind in ("static_select", "external_select", "radio_buttons"):
            if answer is None:
                opt = el.get("initial_option") if keep_initial else None
            else:
                opt = self._match_option(f.options(), answer)
                if opt is None:
                    return None
            return {"type": kind, "selected_option": opt}
        if kind in ("multi_static_select", "checkboxes"):
            if answer is None:
                opts = list(el.get("initial_options") or []) if keep_initial else []
            else:
                opts = [self._match_option(f.options(), a) for a in answer.split(",") if a.strip()]
                if any(o is None for o in opts):
                    return None
            return {"type": kind, "selected_options": opts}
        if kind == "users_select":
            user = self._user_ref(answer) if answer else (el.get("initial_user") if keep_initial else None)
            return {"type": kind, "selected_user": user}
        if kind == "multi_users_select":
            users = (
                [self._user_ref(a) for a in answer.split(",") if a.strip()]
                if answer
                else (list(el.get("initial_users") or []) if keep_initial else [])
            )
            return {"type": kind, "selected_users": users}
        if kind in ("conversations_select", "channels_select"):
            key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
            initial = el.get("initial_conversation") or el.get("initial_channel")
            return {"type": kind, key: answer or (initial if keep_initial else None)}
        if kind == "datepicker":
            return {
                "type": kind,
                "selected_date": answer or (el.get("initial_date") if keep_initial else None),
            }
        if kind == "timepicker":
            return {
                "type": kind,
                "selected_time": answer or (el.get("initial_time") if keep_initial else None),
            }
        value = answer if answer is not None else (el.get("initial_value") if keep_initial else None)
        return {"type": kind, "value": value}


_CANCEL = object()
MESSAGE_SHORTCUTS = {"log": ids.LOG_MESSAGE, "task": ids.TASK_FROM_MESSAGE}
GLOBAL_SHORTCUTS = {
    "contact": ids.NEW_CONTACT,
    "deal": ids.NEW_DEAL,
    "task": ids.NEW_TASK,
    "log": ids.LOG_INTERACTION,
}


def _ts_now() -> str:
    return f"{time.time():.6f}"


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return value or {}


def _message(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": params.get("text"),
        "blocks": _json(params.get("blocks")) or [],
        "attachments": _json(params.get("attachments")) or [],
    }


# ---- the clock --------------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DELTA = re.compile(r"^\+\s*((?:\d+\s*[wdhm]\s*)+)$", re.IGNORECASE)
_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)


def parse_clock(text: str, now: datetime, tz: str) -> datetime:
    """Where ``:clock`` should move to: ``+2h``, ``+1d3h``, ``tomorrow 09:00``, ``friday 14:00``,
    ``2026-12-01 09:00`` or ``09:00`` (the next one), read in the person's zone."""
    text = text.strip().lower()
    usage = "Usage: :clock +2h | +1d | +30m | tomorrow 09:00 | friday 14:00 | 2026-12-01 09:00"
    if not text:
        raise ValueError(usage)
    delta = _DELTA.match(text)
    if delta:
        units = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
        kwargs: dict[str, float] = {}
        for amount, unit in _PART.findall(delta.group(1)):
            key = units[unit.lower()]
            kwargs[key] = kwargs.get(key, 0) + int(amount)
        return now + timedelta(**kwargs)
    local_now = now.astimezone(zone(tz))
    day_word, _, time_part = text.partition(" ")
    if re.fullmatch(r"\d{1,2}:\d{2}", day_word) and not time_part:
        day_word, time_part = "", day_word
    time_part = time_part.strip() or "09:00"
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", time_part)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"“{time_part}” is not a time like 09:00. {usage}")
    hour, minute = int(m.group(1)), int(m.group(2))
    if day_word in ("", "today"):
        day = local_now.date()
    elif day_word == "tomorrow":
        day = local_now.date() + timedelta(days=1)
    elif day_word in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(day_word) - local_now.weekday()) % 7 or 7
        day = local_now.date() + timedelta(days=ahead)
    else:
        try:
            day = datetime.strptime(day_word, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(usage) from None
    target = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone(tz))
    if day_word == "" and target <= local_now:
        target += timedelta(days=1)
    return target.astimezone(UTC)
