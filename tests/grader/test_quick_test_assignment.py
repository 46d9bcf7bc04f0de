"""The graded end-of-course quick test: grader-side bank, answer key, released notebook, end to end.

Key tests grade hand-built runs (what the engine reads out of a notebook); the slow tests run
`course release --check` and `course autograde quick_test` on real notebooks.
"""
from __future__ import annotations

import json
import math

import nbformat
import pytest

from grader import release
from grader.assignments.quick_test import key as kq
from grader.authoring import build, render
from grader.contract import graded_cells, load_assignment, load_key, notebook_problems
from grader.judge import judge
from grader.quiz.bank import SECTIONS, load_file, load_quiz
from grader.quiz.scoring import expected_value
from grader.spec import Missing, Run, Unsupported

ROOT = release.ROOT
QUESTIONS = kq.quiz().questions
IDS = [q.id for q in QUESTIONS]
BY_ID = {q.id: q for q in QUESTIONS}
RELEASED = ROOT / "exercises" / "quick_test" / "quick_test.ipynb"


def run(answers, **kw):
    return [Run(parameters={}, answers={"answers": answers}, **kw)]


def grade(runs):
    return judge(load_assignment("quick_test"), load_key("quick_test"), runs)


def solutions():
    return {q.id: kq.solution(q) for q in QUESTIONS}


def text(verdict) -> str:
    return "\n".join(verdict.feedback)


def explanation(q):
    """The question's explanation as feedback would show it (numbers filled in)."""
    d = kq.draw(q)
    return q.explanation.format(**d.values) if d else q.explanation


def wrong(q):
    """A well-formed wrong answer to ``q``."""
    sol = kq.solution(q)
    if q.type == "multiple_choice":
        return (sol + 1) % len(q.options)
    if q.type == "multiple_select":
        return [i for i in range(len(q.options)) if i not in sol]
    if q.type == "ordering":
        return sol[::-1]
    return sol * 1.5 + 1


# ------------------------------------------------------------------ the grader-side bank ---------

def test_bank_is_validated_by_the_quiz_schema_and_covers_the_syllabus():
    quiz = load_file(kq.BANK_FILE)  # raises BankError naming the file and question if malformed
    assert quiz.quiz == "final" and 10 <= len(quiz) <= 12
    assert IDS == [f"final_q{i}" for i in range(1, len(quiz) + 1)]
    types = [q.type for q in quiz.questions]
    assert {"multiple_choice", "multiple_select", "numeric"} <= set(types) and types.count("ordering") == 1
    assert next(q for q in quiz.questions if q.type == "ordering").section == "playbook"
    assert len({q.lesson for q in quiz.questions}) >= 7
    assert len({q.section for q in quiz.questions}) >= 10 and {q.section for q in quiz.questions} <= set(SECTIONS)


def test_graded_questions_differ_from_the_learner_facing_final_quiz():
    practice = load_quiz("final").questions
    assert not {q.id for q in practice} & set(IDS)
    assert not {q.prompt for q in practice} & {q.prompt for q in QUESTIONS}
    shared_generators = {q.generator for q in practice} & {q.generator for q in QUESTIONS}
    assert shared_generators == {None}  # parameterized numbers never come from the same draw


def test_parameterized_numbers_are_fixed_and_checked_against_the_kit():
    for q in QUESTIONS:
        if q.generator:
            assert kq.draw(q) == kq.draw(q) and "{" not in kq.prompt(q)
            assert kq.solution(q) == expected_value(q, kq.draw(q))
    steps = next(q for q in QUESTIONS if q.type == "ordering")
    order = kq.step_order(steps)
    assert sorted(order) == list(range(len(steps.steps))) and all(p != s for p, s in enumerate(order))


# ------------------------------------------------------------------ the answer key ---------------

def test_key_is_loaded_by_id_and_grades_one_point_per_question():
    key = load_key("quick_test")
    assert key.answers == ("answers",) and key.parameter_sets(0) == [{}] and key.probes(0) == {}
    verdicts = grade(run(solutions()))
    assert list(verdicts) == IDS
    assert all(v.points == v.max_points == 1.0 for v in verdicts.values())
    assert all(text(v).startswith("Correct") for v in verdicts.values())


def test_accepted_forms_engine_encoding_json_and_numpy_like_numbers():
    sol = solutions()
    loose = {qid: (float(v) if BY_ID[qid].type == "multiple_choice"          # np.float64(2.0)
                   else [float(x) for x in v] if isinstance(v, list)         # array.tolist()
                   else round(v, 3) if BY_ID[qid].type != "numeric" or abs(v) > 1 else v)
             for qid, v in sol.items()}
    for answers in (loose, json.loads(json.dumps(sol)), {"__dict__": [[k, v] for k, v in sol.items()]},
                    [[k, v] for k, v in sol.items()]):
        assert sum(v.points for v in grade(run(answers)).values()) == len(IDS)
    # a lone option number for a multiple-select question is read as a one-item list
    q6 = BY_ID["final_q6"]
    assert kq.read_answer(q6, 2.0) == [2]


def test_every_question_wrong_gets_zero_and_never_reveals_the_key():
    answers = {q.id: wrong(q) for q in QUESTIONS}
    verdicts = grade(run(answers))
    assert sum(v.points for v in verdicts.values()) == 0
    for q in QUESTIONS:
        msg = text(verdicts[q.id])
        assert msg.startswith("Incorrect"), msg
        assert explanation(q) not in msg
        if q.type == "numeric":
            assert f"{kq.solution(q):.4g}" not in msg
        if q.type == "ordering":
            assert not any(s.text in msg for s in q.steps)


@pytest.mark.parametrize("qid", [q.id for q in QUESTIONS if q.type == "multiple_choice"])
def test_wrong_choice_feedback_explains_the_chosen_option_only(qid):
    q = BY_ID[qid]
    for i, option in enumerate(q.options):
        if i == q.answer:
            continue
        msg = text(grade(run({**solutions(), qid: i}))[qid])
        assert option.explain in msg and q.options[q.answer].text not in msg
        assert q.options[q.answer].explain not in msg


def test_wrong_selection_explains_the_selected_options_only():
    q = BY_ID["final_q3"]
    msg = text(grade(run({**solutions(), q.id: [0, 1]}))[q.id])
    assert q.options[0].explain in msg and q.options[1].explain in msg
    assert not any(q.options[i].explain in msg for i in (2, 3, 4))
    assert "no option" in text(grade(run({**solutions(), q.id: []}))[q.id])


def test_numeric_tolerance_edges_and_recognised_slips():
    q12 = BY_ID["final_q12"]  # quota, abs_tol 1
    exact = kq.solution(q12)
    for got, points in ((exact + 1, 1.0), (exact - 1, 1.0), (exact + 1.01, 0.0)):
        assert grade(run({**solutions(), q12.id: got}))[q12.id].points == points
    q7 = BY_ID["final_q7"]  # majority weight: n1 / n0 is a known slip with its own hint
    d = kq.draw(q7)
    slip, why = d.mistakes[0]
    msg = text(grade(run({**solutions(), q7.id: slip}))[q7.id])
    assert msg.startswith("Incorrect") and why in msg and f"{d.answer:.4g}" not in msg


@pytest.mark.parametrize("value, expected", [
    (None, "no answer"),
    ("2", "a string is not an option number"),
    (True, "a bool is not an option number"),
    (7, "there is no option 7"),
    (-1, "there is no option -1"),
    (1.5, "a float is not an option number"),
    ([2], "not a list"),
])
def test_unreadable_multiple_choice_answers(value, expected):
    v = grade(run({**solutions(), "final_q2": value}))["final_q2"]
    assert v.points == 0 and expected in text(v) and "one option number" in text(v)


@pytest.mark.parametrize("qid, value, expected", [
    ("final_q1", "2.2", "a string is not a finite number"),
    ("final_q1", math.inf, "not a finite number"),
    ("final_q1", math.nan, "not a finite number"),
    ("final_q1", [2.2], "a list is not a finite number"),
    ("final_q3", "0, 2, 3", "a string is not a list of option numbers"),
    ("final_q3", [0, 0, 2], "listed twice"),
    ("final_q3", [0, 9], "there is no option 9"),
    ("final_q4", [0, 1, 2], "each of the 6 step numbers"),
    ("final_q4", [0, 0, 1, 2, 3, 4], "each of the 6 step numbers"),
    ("final_q4", "4 5 3 0 2 1", "a string is not a list of step numbers"),
    ("final_q4", [0, 1, 2, 3, 4, 6], "there is no step 6"),
])
def test_unreadable_answers_of_other_types(qid, value, expected):
    v = grade(run({**solutions(), qid: value}))[qid]
    assert v.points == 0 and expected in text(v), text(v)


def test_missing_or_garbled_answers_dict():
    for answers, expected in ((Missing("answers"), "`answers` is not defined"),
                              (Unsupported("answers", "Foo"), "use plain Python values"),
                              ("final_q1: 2", "make it a dict"),
                              ([1, 2, 3], "make it a dict")):
        verdicts = grade(run(answers))
        assert all(v.points == 0 and expected in text(v) for v in verdicts.values()), answers
    partial = {k: v for k, v in solutions().items() if k != "final_q5"}
    verdicts = grade(run(partial))
    assert verdicts["final_q5"].points == 0 and 'no entry "final_q5"' in text(verdicts["final_q5"])
    assert sum(v.points for v in verdicts.values()) == len(IDS) - 1


def test_right_answers_earn_nothing_when_the_notebook_did_not_run():
    cells = {qid: {"executed": qid != "final_q2", "error": None} for qid in IDS}
    verdicts = grade(run(solutions(), cells=cells))
    assert verdicts["final_q2"].points == 0 and "did not run" in text(verdicts["final_q2"])
    assert sum(v.points for v in verdicts.values()) == len(IDS) - 1
    dead = grade(run(solutions(), error="kernel died"))
    assert all(v.points == 0 and "kernel died" in text(v) for v in dead.values())


# ------------------------------------------------------------------ the released notebook -------

def test_released_notebook_shows_questions_but_no_answers_or_explanations():
    raw = RELEASED.read_text()
    nb = nbformat.reads(raw, as_version=4)
    shown = "\n".join(c.source for c in nb.cells)
    assert "answer:" not in raw and "explanation" not in raw and "SOLUTION" not in raw
    for q in QUESTIONS:
        assert f"### `{q.id}`" in shown
        secrets = [explanation(q)] + [o.explain for o in q.options + q.steps]
        if q.type == "numeric" and not float(kq.solution(q)).is_integer():
            secrets.append(f"{kq.solution(q):.3f}")
        assert not any(s in raw for s in secrets), q.id
        for item in q.options + q.steps:
            assert item.text.replace("*", "\\*") in shown
    # the one answer cell holds only the None template
    cell = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "answers_cell")
    namespace = {}
    exec(cell.source.replace("raise NotImplementedError()", ""), namespace)
    assert namespace["answers"] == dict.fromkeys(IDS)
    # ordering steps are shown shuffled, so their numbers do not spell out the order
    steps = next(q for q in QUESTIONS if q.type == "ordering")
    listed = [line.split(": ", 1)[1] for line in shown.splitlines() if line.startswith("- **")
              and line.split(": ", 1)[1] in {s.text for s in steps.steps}]
    assert listed == [steps.steps[i].text for i in kq.step_order(steps)] != [s.text for s in steps.steps]


def test_source_notebook_is_generated_and_matches_the_declaration():
    path = ROOT / "solutions" / "quick_test" / "quick_test.ipynb"
    assert path.read_text() == render(build("quick_test")["quick_test"])
    nb = nbformat.read(path, as_version=4)
    assert release.lint_notebook(nb, "quick_test") == []
    assert notebook_problems(load_assignment("quick_test"), "quick_test", nb) == []
    assert set(graded_cells(nb)) == set(IDS)
    assert all(c.metadata["nbgrader"]["points"] == 1 for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade"))


@pytest.mark.slow
def test_release_check_passes_for_every_assignment(capsys):
    from grader.cli import main as course

    assert course(["release", "--check"]) == 0, capsys.readouterr().err


@pytest.mark.slow
def test_autograde_a_correct_and_a_blank_submission(tmp_path, capsys):
    from grader import demo
    from grader.cli import main as course

    root = demo.prepare_course(tmp_path / "course", ["quick_test"])
    released = nbformat.read(root / "exercises" / "quick_test" / "quick_test.ipynb", as_version=4)
    sol = solutions()
    filled = "import numpy as np\nanswers = " + repr(sol).replace(
        "'final_q2': 2", "'final_q2': np.int64(2)") + "\n"
    for sid, answers in (("ada_correct", {"answers_cell": filled}), ("bob_blank", {})):
        path = root / "submitted" / sid / "quick_test.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(demo.sample_notebook(released, answers), path)
    out = tmp_path / "results.json"
    assert course(["autograde", "quick_test", "--submissions", str(root / "submitted"),
                   "--course-dir", str(root), "--workers", "1", "--json", str(out)]) == 0, \
        capsys.readouterr().err
    records = json.loads(out.read_text())
    records = {r["student_id"]: r for r in records} if isinstance(records, list) else records
    ada, bob = records["ada_correct"], records["bob_blank"]
    assert ada["score"] == ada["max_score"] == len(IDS)
    assert bob["score"] == 0 and bob["max_score"] == len(IDS)
    assert set(bob["questions"]) == set(IDS)
    assert all("no answer" in " ".join(q["feedback"]) for q in bob["questions"].values())


@pytest.mark.slow
def test_course_check_on_the_test_shows_forms_not_scores(tmp_path, capsys):
    """A self-check that printed points would be an answer oracle for a graded test."""
    from grader import demo
    from grader.cli import main as course

    root = demo.prepare_course(tmp_path / "course", ["quick_test"])
    released = nbformat.read(root / "exercises" / "quick_test" / "quick_test.ipynb", as_version=4)
    wrong = {qid: 0 for qid in IDS}  # the right form for choice questions, mostly wrong answers
    wrong.update({q.id: [0] for q in QUESTIONS if q.type == "multiple_select"})
    wrong.update({q.id: list(range(len(q.steps))) for q in QUESTIONS if q.type == "ordering"})
    path = tmp_path / "quick_test.ipynb"
    nbformat.write(demo.sample_notebook(released, {"answers_cell": f"answers = {wrong!r}"}), path)
    assert course(["check", str(path), "--course-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "public test final_q1: passed" in out and "not whether they are right" in out
    assert " / 1" not in out and "total" not in out and "Belongs" not in out
