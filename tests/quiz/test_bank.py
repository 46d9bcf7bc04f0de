"""The quick-test bank: the real bank validates and covers the syllabus; malformed entries fail
with a message naming the file and the question."""
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from grader.assignments import quick_test
from grader.quiz.bank import QUIZZES, SECTIONS, BankError, load_bank, load_file, load_quiz

ROOT = Path(__file__).resolve().parents[2]
# Same lookup as tests/lessons/test_syllabus_map.py: ../shared beside the checkout, or the env var.
SYLLABUS = Path(os.environ.get("IMBALANCE_LAB_SYLLABUS", ROOT.parent / "shared" / "seed" / "syllabus.txt"))
BANK = ROOT / "lessons" / "quick_tests"


def test_real_bank_validates_and_is_big_enough():
    bank = load_bank()
    assert list(bank) == list(QUIZZES)
    assert sum(len(q) for q in bank.values()) >= 40
    assert all(len(q) >= 3 for q in bank.values())
    types = {q.type for quiz in bank.values() for q in quiz.questions}
    assert types == {"multiple_choice", "multiple_select", "numeric", "ordering"}
    assert any(q.generator for quiz in bank.values() for q in quiz.questions)


def test_final_loads_and_links_to_lessons():
    final = load_quiz("final")
    assert final.quiz == "final" and len(final) >= 5
    assert all(q.lesson in QUIZZES[:-1] for q in final.questions)
    assert load_quiz(4).quiz == "04"


def test_bank_covers_every_syllabus_section():
    covered = {q.section for quiz in load_bank().values() for q in quiz.questions}
    assert covered == set(SECTIONS)


@pytest.mark.skipif(not SYLLABUS.exists(), reason="syllabus not available")
def test_section_keys_point_at_real_syllabus_text():
    text = SYLLABUS.read_text(encoding="utf-8")
    for key, heading in SECTIONS.items():
        assert heading in text, f"section {key}: {heading!r} not in the syllabus"


def test_every_choice_and_step_has_an_explanation():
    for quiz in load_bank().values():
        for q in quiz.questions:
            assert q.explanation
            assert all(o.explain for o in q.options + q.steps), q.id


def _write(tmp_path, questions, quiz="04", name=None):
    path = tmp_path / f"{name or quiz}.yml"
    path.write_text(yaml.safe_dump({"quiz": quiz, "title": "T", "questions": questions}), encoding="utf-8")
    return path


@pytest.mark.parametrize("bank", ["lessons", "graded"])
def test_option_position_does_not_give_the_answer_away(bank):
    # Options are shuffled per attempt, but the file order is what the graded notebook shows
    # and what a reader of the bank sees.
    questions = (quick_test.quiz().questions if bank == "graded"
                 else [q for quiz in load_bank().values() for q in quiz.questions])
    mc = [q for q in questions if q.type == "multiple_choice"]
    top, count = Counter(q.answer for q in mc).most_common(1)[0]
    assert count <= len(mc) / 2, f"{count} of {len(mc)} multiple-choice answers are option {top}"
    ms = [q for q in questions if q.type == "multiple_select"]
    first_k = [q.id for q in ms if q.answer == tuple(range(len(q.answer)))]
    assert len(first_k) <= len(ms) / 2, f"answers are the first options in {first_k}"


def _mc(**over):
    q = {"id": "04-q", "lesson": "04", "topic": "class_weights", "section": "toolkit.class_weighted_loss",
         "type": "multiple_choice", "prompt": "P?", "explanation": "E.",
         "options": [{"text": "a", "explain": "x"}, {"text": "b", "explain": "y"}], "answer": 1}
    q.update(over)
    return {k: v for k, v in q.items() if v is not None}


def _num(**over):
    q = {"id": "04-n", "lesson": "04", "topic": "class_weights", "section": "exercise.class_weights",
         "type": "numeric", "prompt": "P?", "explanation": "E.", "answer": 6.25, "abs_tol": 0.01}
    q.update(over)
    return {k: v for k, v in q.items() if v is not None}


def test_minimal_valid_file_loads(tmp_path):
    quiz = load_file(_write(tmp_path, [_mc(), _num()]))
    assert [q.id for q in quiz.questions] == ["04-q", "04-n"]


MALFORMED = [
    ("missing prompt", [_mc(prompt=None)], "'prompt'"),
    ("missing explanation", [_mc(explanation=None)], "'explanation'"),
    ("unknown type", [_mc(type="essay")], "unknown type 'essay'"),
    ("answer out of range", [_mc(answer=2)], "answer index 2 out of range"),
    ("negative index", [_mc(answer=-1)], "out of range"),
    ("select out of range", [_mc(type="multiple_select", answer=[0, 5])], "out of range"),
    ("option without explain", [_mc(options=[{"text": "a"}, {"text": "b", "explain": "y"}])],
     "option 0 has no 'explain'"),
    ("step without explain", [_mc(type="ordering", options=None, answer=None,
                                  steps=[{"text": "a", "explain": "x"}, {"text": "b"}, {"text": "c", "explain": "z"}])],
     "step 1 has no 'explain'"),
    ("duplicate ids", [_mc(), _mc()], "duplicate question id"),
    ("negative tolerance", [_num(abs_tol=-0.1)], "tolerance must be >= 0"),
    ("no tolerance", [_num(abs_tol=None)], "'abs_tol' and/or 'rel_tol'"),
    ("answer and generator", [_num(generator="minority_weight")], "exactly one of"),
    ("unknown generator", [_num(answer=None, generator="nope")], "unknown generator 'nope'"),
    ("placeholder not given", [_num(answer=None, generator="minority_weight", prompt="{zzz}?")],
     "placeholders ['zzz']"),
    ("wrong lesson", [_mc(lesson="05")], "'lesson' must be 04"),
    ("unknown section", [_mc(section="chapter_9")], "unknown syllabus section"),
    ("unknown field", [_mc(hint="h")], "unknown field(s) ['hint']"),
    ("bad topic", [_mc(topic="Class Weights")], "'topic' must be a snake_case tag"),
]


@pytest.mark.parametrize("case, questions, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_entry_names_file_and_question(tmp_path, case, questions, expected):
    path = _write(tmp_path, questions)
    with pytest.raises(BankError) as info:
        load_file(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"question {questions[-1]['id']!r}" in msg
    assert expected in msg
    assert info.value.question_id == questions[-1]["id"]


def test_file_level_errors_name_the_file(tmp_path):
    bad = tmp_path / "04.yml"
    bad.write_text("quiz: '04'\ntitle: T\nquestions: [\n", encoding="utf-8")
    with pytest.raises(BankError, match=re.escape(str(bad)) + ".*not valid YAML"):
        load_file(bad)
    wrong = _write(tmp_path, [_mc()], quiz="05", name="04")
    with pytest.raises(BankError, match="match the file name"):
        load_file(wrong)


def test_duplicate_ids_across_files(tmp_path):
    for name in QUIZZES:
        shutil.copy(BANK / f"{name}.yml", tmp_path / f"{name}.yml")
    data = yaml.safe_load((tmp_path / "06.yml").read_text(encoding="utf-8"))
    data["questions"][0]["id"] = "05-focal-alpha"
    (tmp_path / "06.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(BankError, match=r"06\.yml, question '05-focal-alpha': duplicate question id \(also in .*05\.yml\)"):
        load_bank(tmp_path)
