"""Scoring of every question type (tolerance edges included), answer parsing, and the
parameterized questions checked against independent formulas / scikit-learn over many seeds."""
import math

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from grader.quiz.bank import Option, Question, load_bank
from grader.quiz.params import GENERATORS, draw
from grader.quiz.scoring import LETTERS, parse_answer, score, within_tolerance
from grader.quiz.session import QuizSession


def _q(**kw):
    base = dict(id="q", lesson="04", topic="t", section="playbook", prompt="P", explanation="Because.")
    return Question(**{**base, **kw})


OPTS = (Option("a", "ea"), Option("b", "eb"), Option("c", "ec"), Option("d", "ed"))
MC = _q(type="multiple_choice", options=OPTS, answer=2)
MS = _q(type="multiple_select", options=OPTS, answer=(0, 3))
NUM = _q(type="numeric", answer=6.25, abs_tol=0.01, mistakes=((11.5, "ratio, not weight"),))
REL = _q(type="numeric", answer=200.0, rel_tol=0.05)
ORD = _q(type="ordering", steps=(Option("s1", "e1"), Option("s2", "e2"), Option("s3", "e3")))


def test_multiple_choice():
    assert score(MC, 2).correct and "ec" in score(MC, 2).message
    wrong = score(MC, 0)
    assert not wrong.correct and "ea" in wrong.message and "ec" in wrong.message and "Because." in wrong.message
    for bad in (4, -1, True, "2"):
        with pytest.raises(ValueError):
            score(MC, bad)


def test_multiple_select():
    assert score(MS, [3, 0]).correct
    for ans in ([0], [0, 3, 1], [], [1, 2]):
        res = score(MS, ans)
        assert not res.correct
    res = score(MS, [0, 1])
    assert "eb" in res.message and "ed" in res.message and "ea" not in res.message


@pytest.mark.parametrize("answer, ok", [(6.25, True), (6.26, True), (6.24, True), (6.2601, False),
                                        (6.2399, False), (11.5, False), (float("nan"), False)])
def test_numeric_absolute_tolerance_edges(answer, ok):
    assert score(NUM, answer).correct is ok


def test_numeric_relative_tolerance_edges_and_mistakes():
    assert score(REL, 210).correct and score(REL, 190).correct
    assert not score(REL, 210.001).correct and not score(REL, 189.999).correct
    assert "ratio, not weight" in score(NUM, 11.5).message
    assert "ratio, not weight" not in score(NUM, 3).message
    assert within_tolerance(0.0909, 0.0904, abs_tol=0.0005) and not within_tolerance(0.0909, 0.09039, abs_tol=0.0005)
    with pytest.raises(ValueError):
        within_tolerance(1, 1, abs_tol=-1)
    with pytest.raises(ValueError):
        score(NUM, "6.25")


def test_ordering():
    assert score(ORD, [0, 1, 2]).correct
    res = score(ORD, [1, 0, 2])
    assert not res.correct and "e1" in res.message and "e2" in res.message and "e3" not in res.message
    with pytest.raises(ValueError):
        score(ORD, [0, 0, 1])


def test_parse_answer():
    assert parse_answer(MC, " c ") == 2 and parse_answer(MC, "3") == 2
    assert parse_answer(MS, "A, d") == [0, 3]
    assert parse_answer(NUM, "18,400") == 18400.0
    # ordering letters refer to the displayed order: display [2, 0, 1] -> "B C A" is 0, 1, 2
    assert parse_answer(ORD, "B C A", order=(2, 0, 1)) == [0, 1, 2]
    for q, text in ((MC, "A B"), (MC, "Z"), (MS, "A, A"), (NUM, "six"), (NUM, "inf"), (ORD, "A B"), (MC, "")):
        with pytest.raises(ValueError):
            parse_answer(q, text)


def test_choice_letters_refer_to_the_displayed_order():
    shown = (3, 1, 0, 2)  # display position -> option index: A = d, B = b, C = a, D = c
    assert parse_answer(MC, "D", order=shown) == 2 and parse_answer(MC, "4", order=shown) == 2
    assert parse_answer(MS, "a, c", order=shown) == [0, 3]
    assert score(MS, parse_answer(MS, "A, C", order=shown), order=shown).correct
    res = score(MS, [0, 1], order=shown)
    assert not res.correct
    assert "- A. d (should be selected): ed" in res.message and "- B. b (should not be selected): eb" in res.message
    assert "Answer: A, C." in res.message
    assert "Answer: A, D." in score(MS, [0, 1]).message  # no order: bank order


def test_sessions_shuffle_choice_options_and_map_typed_letters_back():
    bank, positions = load_bank(), {}
    for quiz in bank.values():
        for seed in range(12):
            s = QuizSession(quiz, user=None, detect_user=False, seed=seed)
            while not s.finished:
                cur = s.current
                q = cur.question
                if q.type == "ordering":
                    s.submit(list(range(len(q.steps))))
                    continue
                if q.type == "numeric":
                    s.submit(cur.draw.answer if cur.draw else q.answer)
                    continue
                assert sorted(cur.order) == list(range(len(q.options)))
                assert cur.choices == tuple(q.options[i].text for i in cur.order)
                key = [q.answer] if q.type == "multiple_choice" else q.answer
                typed = ", ".join(sorted(LETTERS[cur.order.index(i)] for i in key))
                positions.setdefault(q.id, set()).add(typed)
                fb = s.submit(typed)
                assert fb.correct, (q.id, seed, typed, fb.message)
            assert s.score[0] == len(quiz)
            assert QuizSession(quiz, user=None, detect_user=False, seed=seed)._shown == s._shown  # seeded
    assert set(positions) == {q.id for quiz in bank.values() for q in quiz.questions if q.options}
    assert all(len(p) > 1 for p in positions.values()), positions  # the right letter moves


def _reference(name, v):
    """Independent computation of each generator's answer (not via imbalance_kit)."""
    if name in ("minority_weight", "majority_weight"):
        y = np.repeat([0, 1], [v["n0"], v["n1"]])
        w = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
        return w[1] if name == "minority_weight" else w[0]
    if name == "effective_weight":
        n = np.array([v["n0"], v["n1"]], float)
        w = (1 - v["beta"]) / (1 - v["beta"] ** n)
        return (w / w.sum() * 2)[1]
    if name == "imbalance_ratio":
        return v["c_billing"] / v["c_fraud"]
    if name == "minority_share":
        return v["n1"] / (v["n0"] + v["n1"])
    if name == "focal_value":
        return -((1 - v["p"]) ** v["gamma"]) * math.log(v["p"])
    if name == "smoothed_target":
        return 1 - v["eps"] + v["eps"] / v["k"]
    if name == "corrected_probability":
        w1, w0 = v["prior"] / 0.5, (1 - v["prior"]) / 0.5
        return v["p"] * w1 / (v["p"] * w1 + (1 - v["p"]) * w0)
    if name == "cost_per_item":
        return (v["fp"] * v["c_fp"] + v["fn"] * v["c_fn"]) / v["n"]
    if name in ("social_quota", "social_floor_quota"):
        return None  # checked by the quota properties below
    raise AssertionError(f"no reference for {name}")


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_match_reference_over_many_seeds(name):
    answers = set()
    for seed in range(150):
        d = draw(name, seed)
        ref = _reference(name, d.values)
        if ref is not None:
            assert math.isclose(d.answer, ref, rel_tol=1e-9), (name, seed, d.values)
        answers.add(round(float(d.answer), 6))
        assert d == draw(name, seed)  # same seed, same numbers
    assert len(answers) > 5  # fresh numbers per attempt


def test_quota_generators_are_consistent():
    for name in ("social_quota", "social_floor_quota"):
        for seed in range(150):
            v = draw(name, seed).values
            quotas = (v["q_email"], v["q_chat"], v["q_social"])
            assert sum(quotas) == v["wave"]
            assert min(quotas) >= math.ceil(v["min_share"] * v["wave"] - 1e-9)
            if name == "social_floor_quota" and v["q_social"] > math.ceil(v["min_share"] * v["wave"]):
                assert abs(v["q_social"] - v["social"] * v["wave"]) <= 1


def test_parameterized_questions_in_sessions_accept_the_drawn_answer():
    bank = load_bank()
    for quiz in bank.values():
        for seed in range(8):
            s = QuizSession(quiz, user=None, detect_user=False, seed=seed)
            while not s.finished:
                q, cur = s.current.question, s.current
                if q.generator:
                    assert "{" not in cur.prompt
                    fb = s.submit(cur.draw.answer)
                    assert fb.correct, (q.id, seed)
                else:
                    s.submit({"multiple_choice": q.answer, "multiple_select": q.answer,
                              "numeric": q.answer, "ordering": list(range(len(q.steps)))}[q.type])
            assert s.score[0] == len(quiz)


def test_mistake_values_are_named_in_feedback():
    q = next(q for q in load_bank()["05"].questions if q.generator == "minority_weight")
    for seed in range(30):
        d = draw("minority_weight", seed)
        res = score(q, d.mistakes[1][0], d)
        assert not res.correct and "left out K" in res.message
        assert f"{d.answer:.6g}" in res.message


def test_static_answers_are_right():
    """Spot-check the static numeric answers against the kit / sklearn."""
    from imbalance_kit import class_weights
    bank = {q.id: q for quiz in load_bank().values() for q in quiz.questions}
    w = class_weights({0: 18_400, 1: 1_600})
    assert score(bank["05-exercise1-weights"], round(w[1], 2)).correct
    assert score(bank["07-cost-threshold"], 1 / 11).correct
    assert score(bank["02-macro-f1"], 0.7668).correct
    assert score(bank["08-toxic-oversampled-share"], 3200 / 41600).correct
