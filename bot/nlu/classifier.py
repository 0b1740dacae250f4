"""A second opinion on the intent, learned from the project's own labelled messages.

The rules decide what a message means and fill its slots; this model only says which intent the words look
like, from what people wrote before. Where the two disagree and the model is sure, the bot asks before it
writes (``bot.dispatch.understand``) instead of trusting either.

Entities are recognised first and replaced by their kind (``<money>``, ``<date>``, ``<email>``,
``<mention>``, ``<url>``, ``<phone>``, ``<number>``), so the model learns "new deal <money>" rather than every
amount; the rest are lower-case words, word pairs and the first word. A softmax regression over those
features: small, pure, deterministic, and well under a millisecond a message.

``crm-bot train-intents`` rebuilds ``intent_model.json`` from ``tests/nlu`` (the same command gives the same
file, byte for byte); the suite checks that the shipped file is the one the corpus gives.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import rx as rc
from .dates import find_spans
from .money import find_money
from .normalize import normalize

MODEL = Path(__file__).with_name("intent_model.json")
# Every labelled set in the corpus; ``--hold-out`` leaves one out to measure the model on it.
TRAINING_GLOB = "*.jsonl"
MIN_COUNT = 2
EPOCHS = 8
RATE = 0.1
DECAY = 0.0001
SEED = 7
# weights smaller than this change no answer: left out, the model is a tenth of the size
PRUNE = 0.05

_EMAIL = rc.compiled(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_URL = rc.compiled(r"(?:https?://|www\.)\S+")
_PHONE = rc.compiled(r"\+?\d[\d\s().\-]{7,}\d")
_MENTION = rc.compiled(r"@[uw][a-z0-9]{5,}")
_NUMBER = rc.compiled(r"\d+(?:[.,]\d+)?")
_WORDS = rc.compiled(r"<[a-z]+>|[a-z][a-z'’\-]*|[^\sa-z0-9<>]")


def entities(text: str) -> str:
    """The message in lower case with each entity replaced by its kind."""
    low = normalize(text[:4000]).low
    spans: list[tuple[int, int, str]] = []
    for rx, kind in ((_EMAIL, "email"), (_URL, "url"), (_MENTION, "mention")):
        spans += [(m.start(), m.end(), kind) for m in rx.finditer(low)]
    spans += [(m.start, m.end, "money") for m in find_money(low, deal_context=True, exclude=[])]
    spans += [(s.start, s.end, "date") for s in find_spans(low)]
    spans += [(m.start(), m.end(), "phone") for m in _PHONE.finditer(low)]
    out, at = [], 0
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < at:
            continue  # inside an entity already taken
        out.append(low[at:start])
        out.append(f" <{kind}> ")
        at = end
    out.append(low[at:])
    return _NUMBER.sub(" <number> ", "".join(out))


def features(text: str) -> list[str]:
    words = _WORDS.findall(entities(text))
    feats = list(words)
    feats += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    if words:
        feats.append(f"^{words[0]}")
        if len(words) > 1:
            feats.append(f"^{words[0]} {words[1]}")
    if text.rstrip().endswith("?"):
        feats.append("<question>")
    return feats


def train(cases: Iterable[dict[str, Any]], *, epochs: int = EPOCHS) -> dict[str, Any]:
    """A softmax regression over the features seen at least ``MIN_COUNT`` times, fitted by stochastic
    gradient descent in a fixed order: the same cases give the same model."""
    docs = [(sorted(set(features(c["text"]))), str(c["expect"]["intent"])) for c in cases]
    seen = Counter(f for fs, _ in docs for f in fs)
    vocab = {f for f, n in seen.items() if n >= MIN_COUNT}
    intents = sorted({i for _, i in docs})
    index = {k: i for i, k in enumerate(intents)}
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(intents))
    bias = [0.0] * len(intents)
    order = list(range(len(docs)))
    shuffle = random.Random(SEED)
    for _ in range(epochs):
        shuffle.shuffle(order)
        for j in order:
            fs = [f for f in docs[j][0] if f in vocab]
            p = _softmax(_logits(bias, (weights[f] for f in fs)))
            p[index[docs[j][1]]] -= 1.0
            for k, g in enumerate(p):
                bias[k] -= RATE * g
            for f in fs:
                w = weights[f]
                for k, g in enumerate(p):
                    w[k] -= RATE * (g + DECAY * w[k])
    return {
        "intents": intents,
        "bias": [round(x, 3) for x in bias],
        "corpus": corpus_digest(cases),
        "features": {
            f: {str(k): round(x, 2) for k, x in enumerate(weights[f]) if abs(x) >= PRUNE}
            for f in sorted(weights)
        },
    }


def corpus_digest(cases: Iterable[dict[str, Any]]) -> str:
    """What the model was trained from, to tell a stale model from a fresh one."""
    h = hashlib.sha256()
    for c in cases:
        h.update(f"{c['text']}\t{c['expect']['intent']}\n".encode())
    return h.hexdigest()[:16]


def _logits(bias: list[float], rows: Iterable[list[float]]) -> list[float]:
    z = list(bias)
    for w in rows:
        for k, x in enumerate(w):
            z[k] += x
    return z


def _softmax(z: list[float]) -> list[float]:
    top = max(z)
    e = [math.exp(x - top) for x in z]
    s = sum(e)
    return [x / s for x in e]


def dump(model: dict[str, Any]) -> str:
    # one feature a line keeps the file's diffs readable when the corpus grows
    head = {k: v for k, v in model.items() if k != "features"}
    lines = [json.dumps(f) + ": " + json.dumps(v, sort_keys=True) for f, v in model["features"].items()]
    return json.dumps(head, sort_keys=True)[:-1] + ', "features": {\n' + ",\n".join(lines) + "\n}}\n"


class Classifier:
    def __init__(self, model: dict[str, Any]) -> None:
        self.intents: list[str] = model["intents"]
        self.bias: list[float] = model["bias"]
        n = len(self.intents)
        self.weights: dict[str, list[float]] = {}
        for f, sparse in model["features"].items():
            row = [0.0] * n
            for k, x in sparse.items():
                row[int(k)] = x
            self.weights[f] = row

    def scores(self, text: str) -> dict[str, float]:
        """Each intent's probability for ``text`` (they sum to 1)."""
        rows = (self.weights[f] for f in set(features(text)) if f in self.weights)
        p = _softmax(_logits(self.bias, rows))
        return dict(zip(self.intents, p, strict=True))

    def best(self, text: str) -> tuple[str, float]:
        scores = self.scores(text)
        intent = max(scores, key=lambda k: (scores[k], k))
        return intent, scores[intent]


@lru_cache(maxsize=1)
def shipped() -> Classifier:
    return Classifier(json.loads(MODEL.read_text(encoding="utf-8")))


def second_opinion(text: str) -> tuple[str, float]:
    """The intent the words look like, and how sure the model is (0–1)."""
    return shipped().best(text)


def load_training(folder: Path, hold_out: str | None = None) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(folder.glob(TRAINING_GLOB)):
        if path.name == hold_out:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases
