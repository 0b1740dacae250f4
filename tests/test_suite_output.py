"""What ``make test`` prints is read by people: without PostgreSQL configured it says so once, with how to
turn it on; in CI a missing PostgreSQL is a failure, never a quiet skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A small file that runs on both backends, so its PostgreSQL half is what a local run leaves out.
TARGET = "tests/services/test_workspaces.py"


def run_suite(*args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CRM_TEST_POSTGRES_URL", "CI")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, TARGET],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_a_local_run_without_postgres_says_so_once_with_how_to_turn_it_on() -> None:
    done = run_suite()
    assert done.returncode == 0, done.stdout + done.stderr
    mentions = [line for line in done.stdout.splitlines() if "PostgreSQL" in line]
    assert len(mentions) == 1, done.stdout
    assert "CRM_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test" in mentions[0]
    assert "skipped" not in done.stdout.splitlines()[-1], done.stdout


def test_across_two_processes_as_make_test_runs_it_the_line_is_said_once_too() -> None:
    done = run_suite("-n", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    mentions = [line for line in done.stdout.splitlines() if "PostgreSQL" in line]
    assert len(mentions) == 1, done.stdout
    assert "CRM_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test" in mentions[0]


def test_every_process_collects_the_same_tests_whatever_its_hash_seed() -> None:
    """make test runs two processes, and pytest-xdist refuses to start unless both collect the same tests
    in the same order: no parametrization may come from iterating a set."""

    def collected(seed: str) -> list[str]:
        env = {**os.environ, "PYTHONHASHSEED": seed, "CRM_TEST_POSTGRES_URL": "postgresql://unused"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "--collect-only",
                "-q",
                "-o",
                "addopts=",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return [line for line in done.stdout.splitlines() if "::" in line]

    first = collected("1")
    assert len(first) > 3000
    assert collected("2") == first


def test_in_ci_a_missing_postgres_fails_the_run() -> None:
    done = run_suite(CI="1")
    assert done.returncode != 0, done.stdout
    assert "CI must run the PostgreSQL half" in done.stdout
