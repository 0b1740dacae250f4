"""The README is the newcomer's first hour: every command it shows must run, as printed, from a fresh clone
after ``make`` (which puts the bot and its Python in ``.venv``, not on the PATH)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
# Programs that exist only inside .venv after `make`: typed bare, a fresh clone has no such command.
VENV_ONLY = ("crm-bot", "python", "ruff", "mypy", "pytest")


def shown_commands() -> list[str]:
    """Each command the README shows: lines of its code blocks and its inline code spans."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README, re.DOTALL)
    commands = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    outside = re.sub(r"```[a-z]*\n.*?```", "", README, flags=re.DOTALL)
    commands += re.findall(r"`([^`\n]+)`", outside)
    return [c for c in commands if c]


def programs(command: str) -> list[str]:
    """The first word of each stage of a pipeline or ``&&`` chain."""
    return [part.split()[0] for part in re.split(r"\|\||&&|\||;", command) if part.split()]


def test_no_command_in_the_readme_needs_the_venv_on_the_path() -> None:
    bare = [c for c in shown_commands() if any(p in VENV_ONLY for p in programs(c))]
    assert bare == [], "typed as printed these fail with 'command not found': " + "; ".join(bare)


def test_every_make_target_the_readme_names_exists() -> None:
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", README))
    targets = set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, re.MULTILINE))
    assert named and named <= targets, f"missing make targets: {sorted(named - targets)}"


def test_the_quick_start_shows_how_to_open_the_demo_and_make_demo_opens_it() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick
    assert "make console" in quick
    dry = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert dry.returncode == 0, dry.stderr
    assert ".venv/bin/crm-bot console --demo" in dry.stdout


def test_the_piped_console_command_runs_as_printed(tmp_path: Path) -> None:
    piped = [c for c in shown_commands() if c.startswith("printf ") and "console --demo" in c]
    assert piped, "the README shows no piped console session"
    if not (ROOT / ".venv" / "bin" / "crm-bot").exists():
        pytest.skip("no .venv here: `make test` creates it")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    done = subprocess.run(
        ["bash", "-c", piped[0]], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "ann@general> /crm pipeline" in done.stdout
    assert "Traceback" not in done.stderr


def test_the_stage_probabilities_it_gives_are_the_codes() -> None:
    from models.entities import DEFAULT_PROBABILITIES

    said = dict(re.findall(r"\b(lead|qualified|demo|proposal|negotiation) (\d+) %", README))
    assert said and {k: int(v) for k, v in said.items()} == {k: DEFAULT_PROBABILITIES[k] for k in said}
