"""Satisfaction: NPS and CSAT answers logged against contacts (in words and with /crm feedback), refused
when out of range, undoable, and the report's NPS and average CSAT per period, company and owner, over
signed HTTP. The expected figures are computed here from the answers the test logs."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.slackhttp import ANN, BOB, SlackHTTP, text_of

# November's answers: (contact's company, contact's owner, scale, score).
NOVEMBER = [
    ("Acme", ANN, "nps", 9),
    ("Acme", ANN, "nps", 6),
    ("Globex", BOB, "nps", 10),
    ("Globex", BOB, "csat", 4),
    ("Acme", ANN, "csat", 5),
]


def _at(slack: SlackHTTP, day: int, month: int = 11) -> None:
    slack.services.clock.set(datetime(2026, month, day, 15, 0, tzinfo=UTC))  # type: ignore[attr-defined]


def _nps(scores: list[int]) -> str:
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    n = f"{len(scores)} answer" + ("s" if len(scores) != 1 else "")
    return f"NPS {100 * (promoters - detractors) / len(scores):+.0f} ({n})"


def _csat(scores: list[int]) -> str:
    n = f"{len(scores)} answer" + ("s" if len(scores) != 1 else "")
    return f"CSAT {sum(scores) / len(scores):.1f}/5 ({n})"


def _expected(rows: list[tuple[str, str, str, int]]) -> str:
    nps = [s for _, _, scale, s in rows if scale == "nps"]
    csat = [s for _, _, scale, s in rows if scale == "csat"]
    return " · ".join(([_nps(nps)] if nps else []) + ([_csat(csat)] if csat else []))


def _story(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    slack.command("contact add Jane Doe jane@acme.com Acme")
    slack.command("contact add Tom Lee tom@globex.com Globex", user=BOB)
    _at(slack, 28, 10)
    slack.command("feedback Jane Doe nps 3")  # October's: not November's
    _at(slack, 2)
    logged = text_of(slack.dm("Jane from Acme gave us a 9 on the NPS survey"))
    assert "Logged NPS 9 from *Jane Doe* (Acme)" in logged, logged
    _at(slack, 3)
    slack.command("feedback Jane Doe nps 6")
    _at(slack, 4)
    slack.command("feedback Tom Lee nps 10", user=BOB)
    _at(slack, 5)
    slack.command("feedback Tom Lee csat 4", user=BOB)
    slack.command("feedback Jane Doe csat 5")
    slack.command("feedback Jane Doe csat 1")
    slack.command("undo")  # taken back: not counted
    _at(slack, 18)


def test_answers_out_of_range_or_on_no_scale_are_refused(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("contact add Jane Doe jane@acme.com Acme")
    wrong = text_of(slack.command("feedback Jane Doe nps 11"))
    assert "“11” is not a score on the NPS scale" in wrong and "0 to 10" in wrong, wrong
    csat = text_of(slack.command("feedback Jane Doe csat 0"))
    assert "“0” is not a score on the CSAT scale" in csat and "1 to 5" in csat, csat
    nobody = text_of(slack.command("feedback Nobody Known nps 9"))
    assert "Logged" not in nobody, nobody
    assert "No answers logged" in text_of(slack.dm("what's our NPS this month"))


def test_nps_and_csat_per_period_company_and_owner(slack: SlackHTTP) -> None:
    _story(slack)
    shown = text_of(slack.dm("what's our NPS this month"))
    assert f"*{_expected(NOVEMBER)}*" in shown, shown
    for company in ("Acme", "Globex"):
        assert f"• {company}: {_expected([r for r in NOVEMBER if r[0] == company])}" in shown, shown
    for owner in (ANN, BOB):
        assert f"• <@{owner}>: {_expected([r for r in NOVEMBER if r[1] == owner])}" in shown, shown
    # Spelled out once: 2 promoters, 1 detractor of 3 answers.
    assert "NPS +33 (3 answers) · CSAT 4.5/5 (2 answers)" in shown, shown

    bobs = text_of(slack.command("report satisfaction this month", user=BOB))
    assert f"*{_expected(NOVEMBER)}*" in bobs and f"• <@{BOB}>:" in bobs and f"• <@{ANN}>:" not in bobs, bobs
    october = text_of(slack.dm("report satisfaction last month"))
    assert "NPS -100 (1 answer)" in october, october


def test_a_score_only_nps_can_have_is_logged_as_nps_and_one_either_could_is_not_guessed(
    slack: SlackHTTP,
) -> None:
    # "Jane gave us a 9": 9 is beyond CSAT's 1–5, so it is an NPS answer; a 4 could be either scale.
    slack.command("help")
    slack.command("contact add Jane Doe jane@acme.com Acme")
    logged = text_of(slack.dm("Jane gave us a 9"))
    assert "Logged NPS 9 from *Jane Doe* (Acme)" in logged, logged
    unsure = text_of(slack.dm("Jane gave us a 4"))
    assert "Logged" not in unsure, unsure
    shown = text_of(slack.dm("what's our NPS this month"))
    assert "(1 answer" in shown, shown
