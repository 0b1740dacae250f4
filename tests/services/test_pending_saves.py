"""An import's pending state saved by two threads at once (its progress and a button pressed) is saved by
both, each replacing the file whole: neither fails on the other's half-made file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.services.dataio import pending


def test_saves_from_several_threads_at_once_each_land_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_IMPORT_DIR", str(tmp_path))
    p = pending.new("T1", "U1", "D1", "1.0", "contacts.csv", "contact")
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def save(n: int) -> None:
        try:
            start.wait()
            for i in range(300):
                p.mode = "update" if (i + n) % 2 else "skip"
                p.save()
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert pending.load(p.id, "T1", "U1") is not None
    assert not list(tmp_path.glob("*.tmp"))
