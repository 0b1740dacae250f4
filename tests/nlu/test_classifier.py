"""The learned second opinion: trained from this corpus by a command, shipped as a file, pure and
deterministic."""

from __future__ import annotations

import json
from pathlib import Path

from bot.nlu import classifier

HERE = Path(__file__).parent


def test_the_shipped_model_is_the_one_this_corpus_gives() -> None:
    shipped = json.loads(classifier.MODEL.read_text(encoding="utf-8"))
    assert shipped["corpus"] == classifier.corpus_digest(classifier.load_training(HERE)), (
        "the labelled corpus changed since the intent model was trained: run `crm-bot train-intents`"
    )


def test_training_gives_the_same_file_twice() -> None:
    cases = classifier.load_training(HERE)[:300]
    first = classifier.dump(classifier.train(cases, epochs=2))
    assert classifier.dump(classifier.train(cases, epochs=2)) == first
    assert json.loads(first)["intents"]


def test_entities_are_read_as_their_kind() -> None:
    seen = classifier.entities(
        "new deal <@U024BE7LH> jane@acme.com €45.000 closing next friday, call +1 415 555 0100"
    )
    for kind in ("<mention>", "<email>", "<money>", "<date>", "<phone>"):
        assert kind in seen, seen
    assert "45" not in seen and "jane" not in seen


def test_it_reads_what_it_was_taught_and_sums_to_one() -> None:
    clf = classifier.shipped()
    scores = clf.scores("had a call with Jane at Acme, she wants pricing by Friday")
    assert abs(sum(scores.values()) - 1) < 1e-9
    assert clf.best("had a call with Jane at Acme, she wants pricing by Friday")[0] == "log_interaction"
    assert clf.best("happy friday team!")[0] == "unknown"
