"""Fuzzy reference resolution: the database pre-selects candidates, rapidfuzz ranks them."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.services import namewords
from bot.services.errors import Ambiguous, Candidate, NotFound
from bot.services.limits import check_reference, search_words
from bot.services.tenancy import scope_of
from bot.services.text import LEGAL_SUFFIXES, fold
from models.entities import NAMED_TABLES
from models.search import search_table, words_table

SURE = 90.0
LIKELY = 75.0
PREFILTER_LIMIT = 2000
RANKED_LIMIT = 200
FTS_LIMIT = 10_000


@dataclass(frozen=True)
class Match:
    id: int
    label: str
    score: float


def _prefilter(key: InstrumentedAttribute[str], query_key: str, width: int) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    words = search_words(query_key)
    for token in words:
        prefix = token[:width]
        if len(prefix) < min(width, 2) and len(words) > 1:
            continue
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(key.like(f"{escaped}%", escape="\\"))
        conds.append(key.like(f"% {escaped}%", escape="\\"))
    return or_(*conds) if conds else key.like(f"{query_key[:1]}%")


def _prefilter_every_token(key: InstrumentedAttribute[str], query_key: str) -> ColumnElement[bool] | None:
    """Every word of the query starts a word of the key ("sofia brightdaale" → "sof…" and "bri…"):
    few rows on a large table, where the any-word filter's capped set might miss the one meant."""
    tokens = [t[:3] for t in search_words(query_key) if len(t) >= 2]
    if len(tokens) < 2:
        return None
    conds = []
    for prefix in tokens:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(or_(key.like(f"{escaped}%", escape="\\"), key.like(f"% {escaped}%", escape="\\")))
    return and_(*conds)


def rank(
    session: Session,
    model: Any,
    key: InstrumentedAttribute[str],
    label: InstrumentedAttribute[str],
    workspace_id: int,
    query: str,
    *,
    extra_where: Sequence[ColumnElement[bool]] = (),
    limit: int = 5,
    suffixes: bool = False,
) -> list[Match]:
    """Best matches for ``query``: exact keys first, then fuzzy scores over a pre-selected set.

    Only the first words of a long query reach SQL: each word adds terms to the statement, and every
    statement of a new shape is compiled and cached anew (by SQLAlchemy and by the driver)."""
    check_reference(query)
    query_key = fold(query)
    if not query_key:
        return []
    # A session scoped to this workspace adds its own condition on it; a second one, with a parameter of
    # its own, made SQLite (without statistics) read the whole workspace by its (workspace, id) key
    # instead of the (workspace, name) index: 0.7 s for an exact name among a million contacts.
    mine = [] if scope_of(session) == workspace_id else [model.workspace_id == workspace_id]
    base = select(model.id, label, key).where(*mine, *extra_where)
    exact = session.execute(base.where(key == query_key).limit(limit)).all()
    if exact:
        return [Match(r[0], r[1], 100.0) for r in exact]
    best: dict[int, Match] = {}
    # ``suffixes``: a legal suffix in a company's reference ("Acme Corp" for Acme) is not evidence
    # either way. (Not where a deal is looked for by its company: "Globex Corp" is no deal's name.)
    told = _without_suffixes(query_key) if suffixes else query_key
    # Tight prefixes first (cheap, index-friendly); widen only when nothing close was found, which is
    # what catches a typo in the first letters. Where the database has a text index (migration 0023), each
    # pass is served by it instead of reading every name in the workspace.
    trgm = search_index(session, model.__tablename__) == "trgm"
    for cond, conclusive in _every_pass(session, model, key, workspace_id, told):
        if cond is None:
            continue
        stmt = base.where(cond).limit(PREFILTER_LIMIT)
        if trgm:
            # The database sends only the names most like the query (its trigram similarity) out of the
            # bounded set: at a million names the rows carried and scored here were most of the time.
            got = stmt.subquery()
            stmt = select(*got.c).order_by(func.similarity(got.c[2], query_key).desc()).limit(RANKED_LIMIT)
        rows = session.execute(stmt).all()
        if not rows:
            continue
        choices = {r[0]: r[2] for r in rows}
        labels = {r[0]: r[1] for r in rows}
        found = process.extract(
            told, choices, scorer=_score, processor=utils.default_process, limit=limit, score_cutoff=60
        )
        for _choice, score, rid in found:
            if not evidence(told, choices[rid]):
                continue
            if rid not in best or best[rid].score < score:
                best[rid] = Match(rid, labels[rid], score)
        # A name whose every word is a word of the reference, one slip aside, is the evidence asked for:
        # the passes after it read names by shared letters, which would only add weaker candidates.
        if any(m.score >= (LIKELY if conclusive else SURE) for m in best.values()):
            break
    return sorted(best.values(), key=lambda m: (-m.score, m.label, m.id))[:limit]


def _without_suffixes(key: str) -> str:
    words = key.split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def _every_pass(
    session: Session, model: Any, key: InstrumentedAttribute[str], workspace_id: int, query_key: str
) -> Iterator[tuple[ColumnElement[bool] | None, bool]]:
    """The passes in turn, each made only when the ones before it found nothing sure; with each, whether
    a likely match it finds ends the search (the word-by-word pass: its matches are the evidence)."""
    yield _slip_pass(session, model, key, workspace_id, query_key), True
    for cond in _passes(session, model, key, query_key):
        yield cond, False


def _slip_pass(
    session: Session, model: Any, key: InstrumentedAttribute[str], workspace_id: int, query_key: str
) -> ColumnElement[bool] | None:
    """The names holding, for each telling word of the reference, a word on file that is it or one slip
    from it ("randy sahwood": "randy" and "ashwood"), the words found in ``name_words``. None when a word
    has none there (a prefix, two slips, a name filed before its words were): the passes after it tell."""
    kind = model.__tablename__
    if kind not in NAMED_TABLES:
        return None
    words = search_words(query_key)
    telling = [w for w in words if w not in FILLER] or words
    if not telling:
        return None
    found = namewords.near(session, workspace_id, kind, telling)
    if any(not found[w] for w in telling):
        return None
    index = search_index(session, kind)
    # Only the rarest words reach SQL: a word most names have ("seats" in every deal's title) narrows
    # nothing and its list of names is the longest to read. The ranking after checks every word.
    shares = _word_shares(session, model, key, workspace_id)
    rarity = {w: sum(shares.get(f, 0.0) for f in found[w]) for w in telling}
    rare = [w for w in telling if rarity[w] < COMMON_WORD]
    if len(rare) < 2:
        rare = [w for w in telling if w in sorted(telling, key=lambda w: rarity[w])[:2]]
    telling = rare
    if index == "trgm" or (index == "fts" and _has_words_table(session, kind)):
        # Whole words: through the full-text index of the names (PostgreSQL) or SQLite's table of their
        # words (migration 0032: the lists of a few words, not of every three letters of each, and those
        # of "thi" are most names'). A word the tokenizers would split ("jean-luc") is left to the ranking.
        groups = [sorted(found[w]) for w in telling if all(f.isalnum() for f in found[w])]
        if not groups:
            return None
        if index == "trgm":
            query = " & ".join("(" + " | ".join(group) + ")" for group in groups)
            return func.to_tsvector("simple", key).op("@@")(func.to_tsquery("simple", query))  # type: ignore[no-any-return]
        match = " AND ".join("(" + " OR ".join(_quoted(f) for f in group) + ")" for group in groups)
        return model.id.in_(_fts_match(words_table(kind), match))
    if index == "fts":
        # The trigram table matches strings of three letters or more anywhere in the name.
        groups = [sorted(found[w]) for w in telling if all(len(f) >= 3 for f in found[w])]
        if not groups:
            return None
        match = " AND ".join("(" + " OR ".join(_quoted(f) for f in group) + ")" for group in groups)
        return model.id.in_(_fts_match(search_table(kind), match))
    return and_(*(or_(*(_holds_word(key, f) for f in sorted(found[w]))) for w in telling))


_SHARES: dict[tuple[str, str, int], tuple[float, dict[str, float]]] = {}
# How many names are read to learn which words most names have, and for how long that is kept.
SAMPLE = 2_000
SAMPLE_SECONDS = 600.0


def _word_shares(
    session: Session, model: Any, key: InstrumentedAttribute[str], workspace_id: int
) -> dict[str, float]:
    """The share of a workspace's names each common word is in. PostgreSQL keeps it for the words index
    (``ANALYZE``); elsewhere, the words of the first names on file, read once every ten minutes."""
    table = model.__tablename__
    if session.get_bind().dialect.name == "postgresql":
        index = f"ix_{table}_name_words"
        return _common_words(session, index) if _has_index(session, index) else {}
    bind = session.get_bind()
    cache_key = (bind.engine.url.render_as_string(hide_password=True), table, workspace_id)
    now = time.monotonic()
    cached = _SHARES.get(cache_key)
    if cached is not None and now - cached[0] < SAMPLE_SECONDS:
        return cached[1]
    mine = [] if scope_of(session) == workspace_id else [model.workspace_id == workspace_id]
    names = session.scalars(select(key).where(*mine).limit(SAMPLE)).all()
    counts: dict[str, int] = {}
    for name in names:
        for word in set(name.split()):
            counts[word] = counts.get(word, 0) + 1
    # A word in a handful of the names read says nothing of its share: only common ones are kept.
    shares = {w: n / len(names) for w, n in counts.items() if n >= 5} if names else {}
    _SHARES[cache_key] = (now, shares)
    return shares


def _holds_word(key: InstrumentedAttribute[str], word: str) -> ColumnElement[bool]:
    """A name with ``word`` as one of its words (where no text index serves the passes)."""
    w = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        key == word,
        key.like(f"{w} %", escape="\\"),
        key.like(f"% {w}", escape="\\"),
        key.like(f"% {w} %", escape="\\"),
    )


def _passes(
    session: Session, model: Any, key: InstrumentedAttribute[str], query_key: str
) -> list[ColumnElement[bool] | None]:
    every, wide, loose = (
        _prefilter_every_token(key, query_key),
        _prefilter(key, query_key, 3),
        _prefilter(key, query_key, 1),
    )
    index = search_index(session, model.__tablename__)
    if index == "trgm":
        # LIKE '%bri%' is served by the GIN index as it is; the pass for a typo in the first letters
        # becomes "a word of the name like the query" (pg_trgm's word similarity), served by it too. It
        # comes before the any-word prefixes: on a large table those are thousands of rows (every "whi…"
        # for "klye whiteman") where the similar ones are the few hundred sharing most trigrams, so the
        # prefixes are read only when the similar names held nothing sure ("jhon li": too few trigrams).
        passes = [every, key.op("%>")(query_key), wide]
        if _has_index(session, f"ix_{model.__tablename__}_name_words"):
            # Word prefixes through the full-text index of the names (migration 0020): it reads the list
            # of the names with a word starting "gra", where the trigram index reads those of "  g", " gr"
            # and "gra", and the planner, misjudging how few rows both words give, filtered thousands
            # of rows of one word for the other (12,000 pages for "grace rosrridge" among 1M contacts).
            prefixes = [t[:3] for t in search_words(query_key) if len(t) >= 2]
            if len(prefixes) >= 2 and all(p.isalnum() for p in prefixes):
                # A word most names have ("seats" in every deal's title) narrows nothing and its list is
                # the longest to read: left to the ranking here, as the database's statistics tell.
                common = _common_words(session, f"ix_{model.__tablename__}_name_words")
                shares = {p: _share(common, p) for p in prefixes}
                telling = [p for p in prefixes if shares[p] < COMMON_WORD]
                if len(telling) < 2:
                    # Two words at least, the least common ones: one alone is thousands of names.
                    two = sorted(prefixes, key=lambda p: shares[p])[:2]
                    telling = [p for p in prefixes if p in two]
                passes[0] = _words_match(key, [telling])
                if len(telling) < 3:
                    # Three words for the next pass, the least common of those not in most names.
                    three = sorted((p for p in prefixes if shares[p] < 0.5), key=lambda p: shares[p])[:3]
                    telling = [p for p in prefixes if p in three]
                if len(telling) >= 3:
                    # A slip in one word's first letters ("acmestar abalytics pilot"): all the other
                    # words, read from the same lists, before the trigrams of every word are (those of
                    # "seats" alone are a million entries for the deals' titles).
                    others = [telling[:i] + telling[i + 1 :] for i in range(len(telling))]
                    passes.insert(1, _words_match(key, others))
        return passes
    if index == "fts":
        fts = search_table(model.__tablename__)
        tokens = [t for t in search_words(query_key) if len(t) >= 3]
        prefixes = [t[:3] for t in tokens]
        if not prefixes:
            return [every, wide, loose]
        passes = [every if every is None else and_(every, model.id.in_(_fts_ids(fts, [prefixes])))]
        if len(prefixes) >= 3:
            # A slip in one word's first letters: all the other words there.
            passes.append(
                model.id.in_(_fts_ids(fts, [prefixes[:i] + prefixes[i + 1 :] for i in range(len(prefixes))]))
            )
        # One word of the reference whole in the name ("klye whiteman": the 648 Whitemans of a million
        # contacts, the one meant among them). Scoring every name sharing any three letters with the
        # reference, as this pass did, ranked the whole table's worth of them: seconds at a million.
        passes.append(model.id.in_(_fts_ids(fts, [[t] for t in tokens])))
        # Every word by its first or its last three letters: one slip seldom spoils both ("vretexpoint
        # energy" is "vre… or …int" and "ene… or …rgy", a few hundred companies).
        ends = " AND ".join(
            "(" + " OR ".join(_quoted(e) for e in sorted({t[:3], t[-3:]})) + ")" for t in tokens
        )
        passes.append(model.id.in_(_fts_match(fts, ends)))
        passes.append(and_(wide, model.id.in_(_fts_ids(fts, [[p] for p in prefixes]))))
        return passes
    return [every, wide, loose]


def _fts_ids(fts: str, groups: Sequence[Sequence[str]]) -> Any:
    """Rows of FTS5 table ``fts`` holding every string of one of ``groups`` (a bounded number: the
    outer query, which filters them further, would otherwise wait for all of a common word's)."""
    return _fts_match(
        fts, " OR ".join("(" + " AND ".join(_quoted(g) for g in group) + ")" for group in groups)
    )


def _quoted(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _fts_match(fts: str, match: str) -> Any:
    ids: Any = select(literal_column("rowid")).select_from(table(fts)).where(text(f"{fts} MATCH :match"))
    ids = ids.limit(FTS_LIMIT)
    return ids.params(match=match)


def _words_match(key: InstrumentedAttribute[str], groups: Sequence[Sequence[str]]) -> ColumnElement[bool]:
    """A name with a word starting with each prefix of one of ``groups`` (PostgreSQL full text)."""
    query = " | ".join("(" + " & ".join(f"{p}:*" for p in group) + ")" for group in groups)
    return func.to_tsvector("simple", key).op("@@")(func.to_tsquery("simple", query))  # type: ignore[no-any-return]


# A word prefix in more names than this share is left out of the word passes' conditions.
COMMON_WORD = 0.02


def _share(common: dict[str, float], prefix: str) -> float:
    return sum(f for word, f in common.items() if word.startswith(prefix))


_COMMON: dict[tuple[str, str], dict[str, float]] = {}


def _common_words(session: Session, index: str) -> dict[str, float]:
    """The words most names have and in what share of names, from the statistics PostgreSQL keeps on
    the words index (``ANALYZE``); read once per database, empty before the first statistics."""
    bind = session.get_bind()
    cache_key = (bind.engine.url.render_as_string(hide_password=True), index)
    if cache_key not in _COMMON:
        row = session.execute(
            text(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = :n AND most_common_elems IS NOT NULL LIMIT 1"
            ),
            {"n": index},
        ).first()
        words, freqs = (row[0], row[1]) if row is not None else ([], [])
        _COMMON[cache_key] = {
            w: float(f) for w, f in zip(words, freqs, strict=False) if f >= COMMON_WORD / 10
        }
    return _COMMON[cache_key]


_FOUND: dict[tuple[str, str, str], bool] = {}


def _exists(session: Session, kind: str, name: str) -> bool:
    """Whether the database has index (PostgreSQL) or table (SQLite) ``name``: the catalogue is asked
    once per database, since migrations, not requests, make them."""
    bind = session.get_bind()
    cache_key = (bind.engine.url.render_as_string(hide_password=True), kind, name)
    if cache_key not in _FOUND:
        sql = (
            "SELECT 1 FROM pg_indexes WHERE indexname = :n"
            if kind == "index"
            else "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"
        )
        _FOUND[cache_key] = session.execute(text(sql), {"n": name}).first() is not None
    return _FOUND[cache_key]


def _has_index(session: Session, name: str) -> bool:
    """PostgreSQL: whether index ``name`` is there."""
    return _exists(session, "index", name)


def _has_words_table(session: Session, table_name: str) -> bool:
    """SQLite: whether the FTS5 table of ``table_name``'s words (migration 0032) is there."""
    return _exists(session, "table", words_table(table_name))


def search_index(session: Session, table_name: str) -> str | None:
    """Which text index serves lookups in ``table_name`` here: "trgm", "fts" or none."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return "trgm" if _exists(session, "index", f"ix_{search_table(table_name)}") else None
    if dialect == "sqlite":
        return "fts" if _exists(session, "table", search_table(table_name)) else None
    return None


# Words a reference carries that say nothing about which record it is.
FILLER = frozenset(
    [
        *("the", "a", "an", "of", "for", "with", "to", "at", "on", "in", "and", "or"),
        *("my", "our", "his", "her", "their"),
        *("deal", "deals", "opp", "opportunity", "task", "tasks", "contact", "company", "account"),
    ]
)


def _word_matches(word: str, words: list[str]) -> bool:
    for other in words:
        if other == word or (
            len(word) >= 3 and (other.startswith(word) or word.startswith(other) and len(other) >= 3)
        ):
            return True
        if len(word) >= 3 and len(other) >= 3 and fuzz.ratio(word, other) >= 75:
            return True
    return False


def evidence(query_key: str, record_key: str) -> bool:
    """Every telling word of the reference is in the record's name, each allowing a typo or a prefix
    ("Acme renewl" is Acme renewal; "walk the dog" is not "Chase Initech legal on the MSA", and "Acme
    renewal pricing agreed" is not "Acme renewal"): a match on evidence, not on a substring's score."""
    words = record_key.split()
    telling = [w for w in query_key.split() if w not in FILLER] or query_key.split()
    return all(_word_matches(w, words) for w in telling)


def _score(a: str, b: str, **kwargs: Any) -> float:
    # WRatio rewards a query that is a part of the name ("jane" in "jane doe"); plain ratio keeps
    # "Jane Doe" over "Jane Dodd" for a full-name query.
    return max(fuzz.WRatio(a, b, **kwargs) - 2.0, fuzz.ratio(a, b, **kwargs))


def pick(kind: str, ref: str, matches: list[Match], *, detail: dict[int, str] | None = None) -> int:
    """The one record a reference means, or a domain error a person can answer."""
    if not matches or matches[0].score < LIKELY:
        raise NotFound("record.not_found", kind=kind, ref=ref)
    top = matches[0]
    close = [m for m in matches if m.score >= LIKELY and top.score - m.score < 5]
    if len(close) == 1:
        return top.id
    raise Ambiguous(
        "record.ambiguous",
        [Candidate(m.id, m.label, m.score, (detail or {}).get(m.id)) for m in close[:5]],
        kind=kind,
        ref=ref,
    )


def tagged(s: Session, column: Any, tag: str) -> Any:
    """The condition that a record's JSON tag list holds ``tag``, case aside. On PostgreSQL it is
    containment in the lower-cased list, which the GIN index ``ix_<table>_tags`` serves (migration 0016:
    a million contacts are not read to find a tag's thousands); elsewhere a match on the list's text,
    which holds the tag in quotes."""
    wanted = tag.lower().strip().lstrip("#")
    lowered = func.lower(cast(column, Text))
    if s.get_bind().dialect.name == "postgresql":
        # Saying the list is not empty lets a page in name order walk the partial index of tagged records
        # (migration 0027) instead of sorting every holder of a common tag (README, Speed).
        return and_(
            column.op("<>")(text("'[]'::jsonb")),
            cast(lowered, JSONB).op("@>")(literal([wanted], JSONB)),
        )
    # Elsewhere (SQLite) the same "not empty" lets a page walk the partial index of tagged records
    # (migration 0033) rather than every record in name order.
    return and_(column.op("<>")(text("'[]'")), lowered.like('%"' + wanted.replace("%", "") + '"%'))


# A list's count stops here: "1,000+ contacts" says what a person needs, and counting 400,000 customers
# exactly would cost more than the page itself (README, Speed).
COUNT_CAP = 1_000


def counted(s: Session, query: Any) -> int:
    """How many rows ``query`` gives, up to one past :data:`COUNT_CAP` (more than the cap: COUNT_CAP + 1)."""
    return int(s.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery())) or 0)
