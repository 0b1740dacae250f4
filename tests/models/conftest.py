from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.revisions import RevisionStates, Starts


@pytest.fixture(scope="session")
def revision_states(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RevisionStates]]:
    """Per backend, the states the migration tests start from (made once per run as first asked for)."""
    made: dict[str, RevisionStates] = {}
    yield made
    for states in made.values():
        states.close()


@pytest.fixture
def start(
    backend: str,
    revision_states: dict[str, RevisionStates],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Starts]:
    """The test's own databases, each a copy of a state at a revision (see tests/support/revisions.py)."""
    if backend not in revision_states:
        server = request.getfixturevalue("pg_server_url") if backend == "postgresql" else None
        revision_states[backend] = RevisionStates(
            backend, tmp_path_factory.mktemp(f"revisions-{backend}"), server
        )
    starts = Starts(revision_states[backend])
    yield starts
    starts.close()
