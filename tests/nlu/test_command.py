"""``crm-bot parse``, single message and ``--batch``, as the contract's scorer runs it."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.nlu import command
from tests.nlu.contract import check, context, load_cases, schema_errors

EXAMPLES = load_cases("examples.jsonl")


def _crm_bot() -> list[str]:
    exe = Path(sys.executable).with_name("crm-bot")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("crm-bot")
    return [found] if found else [sys.executable, "-m", "bot.cli"]


def test_batch_subprocess_answers_every_public_example_in_order() -> None:
    feed = "".join(json.dumps({**context(c), "text": c["text"]}) + "\n" for c in EXAMPLES)
    proc = subprocess.run(
        [*_crm_bot(), "parse", "--batch"], input=feed, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == len(EXAMPLES)
    failures = [(c["text"], check(c["expect"], got)) for c, got in zip(EXAMPLES, lines, strict=True)]
    assert [f for f in failures if f[1]] == []
    assert all(schema_errors(got) == [] for got in lines)


def test_single_message(capsys: pytest.CaptureFixture[str]) -> None:
    rc = command.main(
        [
            "--now",
            "2026-11-18T10:00:00-05:00",
            "--tz",
            "America/New_York",
            "--user",
            "U0SENDER",
            "todo:",
            "update",
            "the",
            "pricing sheet EOD",
        ]
    )
    assert rc == 0
    got = json.loads(capsys.readouterr().out)
    assert got["intent"] == "create_task"
    assert got["slots"] == {
        "title": "update the pricing sheet",
        "assignee": "U0SENDER",
        "due": "2026-11-18T17:00:00-05:00",
    }
    assert 0 <= got["confidence"] <= 1


def test_batch_keeps_one_line_per_input_even_for_bad_lines(capsys: pytest.CaptureFixture[str]) -> None:
    inp = io.StringIO(
        '{"text": "pipeline", "now": "2026-11-18T10:00:00-05:00", "tz": "America/New_York", "user": "U1"}\n'
        "not json\n"
        "\n"
        '{"text": 42}\n'
        '{"text": "my tasks today", "user": "U2"}\n'
    )
    out = io.StringIO()
    assert command.run_batch(inp, out) == 0
    got = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [g["intent"] for g in got] == ["pipeline_summary", "unknown", "unknown", "list_tasks"]
    assert got[3]["slots"] == {"assignee": "U2", "scope": "today"}
    assert "1 input line" in capsys.readouterr().err


def test_usage_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert command.main([]) == 2
    assert command.main(["--batch", "extra text"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("crm-bot parse:") for line in err)
