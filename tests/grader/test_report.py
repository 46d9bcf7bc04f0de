"""``course report``: the instructor's class report, from a synthetic gradebook (no notebooks run)."""
import json
import re
import shutil
from collections import defaultdict

import numpy as np
import pytest
from PIL import Image

from grader.autograde import results_dir
from grader.cli import main
from grader.gradebook import Gradebook, db_url_for, record_result
from grader.report import (ClassResults, common_mistakes, load_class, normalise_feedback,
                           question_outcomes, write_report)

AID = "ex99_report"
QUESTIONS = {"q1_weights": 3.0, "q2_rounded": 2.0, "q10_metrics": 2.0}
# Mistake templates: distinct words apart from the numbers drawn at grade time.
TEMPLATES = ["with {a} classes: the weights are {a} times too large.",
             "`w0` is not defined (or the cell raised an error).",
             "got {x:.3f}, expected {y:.2f}: divide by K as well.",
             "accuracy rewards the majority class (scores {y:.2f} on {a} rows).",
             "the returned classes are not the classes of `counts`."]
SECTIONS = ["summary", "scores", "questions", "mistakes", "errors", "time"]


def error_record(message, questions=QUESTIONS):
    """What the autograder stores for a submission it could not grade."""
    return {"score": 0.0, "max_score": sum(questions.values()), "status": "error",
            "error": message, "questions": {g: {"points": 0.0, "max_points": m,
                                                "feedback": [message]}
                                            for g, m in questions.items()}}


def random_class(rng, n_students, seconds=True):
    """Random records plus the expected mistake counts, (question, template) -> students."""
    records, expected = {}, defaultdict(set)
    for i in range(n_students):
        sid = f"s{i:03d}"
        if rng.random() < 0.15:
            records[sid] = error_record(f"the kernel died in cell {rng.integers(1, 9)} (status 1)")
            continue
        qs = {}
        for gid, top in QUESTIONS.items():
            points = float(rng.choice([0.0, top / 2, top]))
            if points == top:
                feedback = [f"Correct on all {rng.integers(2, 9)} inputs."]
            else:
                picked = rng.choice(len(TEMPLATES), size=rng.integers(0, 4), replace=False)
                # the same template may come twice for one student, with other numbers
                picked = list(picked) + list(picked[:1])
                feedback = [TEMPLATES[t].format(a=rng.integers(2, 20), x=rng.random() * 10,
                                                y=rng.random()) for t in picked]
                for t in picked:
                    expected[(gid, t)].add(sid)
            qs[gid] = {"points": points, "max_points": top, "feedback": feedback}
        records[sid] = {"score": sum(q["points"] for q in qs.values()),
                        "max_score": sum(QUESTIONS.values()), "status": "graded", "error": None,
                        "questions": qs}
        if seconds:
            records[sid]["seconds"] = round(float(rng.uniform(0.5, 4)), 3)
    return records, {k: len(v) for k, v in expected.items()}


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """An empty gradebook file, made once: a new one costs an ``alembic`` subprocess."""
    root = tmp_path_factory.mktemp("template")
    with Gradebook(db_url_for(root)):
        pass
    return root / "gradebook.db"


@pytest.fixture
def make_course(empty_gradebook):
    return lambda root, *args, **kwargs: _make_course(empty_gradebook, root, *args, **kwargs)


def _make_course(template, root, records, questions=QUESTIONS, manual=(), in_gradebook=None):
    """A gradebook with the assignment (plus manual-graded cells ``manual``) and result files."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, root / "gradebook.db")
    with Gradebook(db_url_for(root)) as gb:
        gb.add_assignment(AID)
        gb.add_notebook("nb", AID)
        for gid, top in questions.items():
            gb.add_grade_cell(gid, "nb", AID, max_score=top, cell_type="code")
        for gid in manual:
            gb.add_grade_cell(gid, "nb", AID, max_score=1.0, cell_type="markdown")
        for sid, record in records.items():
            if in_gradebook is None or sid in in_gradebook:
                record_result(gb, AID, sid, record)
    store = results_dir(root, AID)
    store.mkdir(parents=True, exist_ok=True)
    for sid, record in records.items():
        (store / f"{sid}.json").write_text(json.dumps(record))
    return root


def sections(page: str) -> dict:
    return dict(re.findall(r"<section id=(\w+)>(.*?)</section>", page, flags=re.S))


def test_normalise_feedback_hides_numbers_not_names():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a, x, y = rng.integers(-50, 10**6), rng.normal() * 10.0 ** rng.integers(-5, 6), rng.random()
        line = f"q2_w: with {a} classes `w0` = {x} (ex01, {y:.3f}, {x:e}); got  {a}%"
        assert normalise_feedback(line) == "q2_w: with # classes `w0` = # (ex01, #, #); got #%"
    assert normalise_feedback("  K * n_c / N ") == "K * n_c / N"
    with pytest.raises(TypeError, match="line"):
        normalise_feedback(None)


@pytest.mark.parametrize("seed", range(60))
def test_common_mistakes_counts_match_a_direct_count(seed):
    rng = np.random.default_rng(seed)
    records, expected = random_class(rng, int(rng.integers(1, 40)))
    results = ClassResults(AID, 7.0, QUESTIONS, records, "test")
    rows = common_mistakes(results)
    got = {(r["question"], normalise_feedback(r["line"])): r["students"] for r in rows}
    want = {(g, normalise_feedback(TEMPLATES[t].format(a=2, x=1.0, y=1.0))): n
            for (g, t), n in expected.items()}
    assert got == want
    assert [r["students"] for r in rows] == sorted((r["students"] for r in rows), reverse=True)
    outcomes = question_outcomes(results)
    for gid, top in QUESTIONS.items():
        pts = [r["questions"][gid]["points"] for r in records.values()]
        assert outcomes[gid] == {"full": sum(p == top for p in pts),
                                 "partial": sum(0 < p < top for p in pts),
                                 "zero": sum(p == 0 for p in pts), "ungraded": 0}


def test_report_page_figures_and_counts(tmp_path, make_course):
    records, expected = random_class(np.random.default_rng(7), 25)
    records["zz_broken"] = error_record("zz.ipynb is not valid JSON <line 1>")
    records["zz_broken"]["questions"]["q1_weights"]["feedback"].append("<script>x</script>")
    expected["script"] = 1
    page = write_report(AID, make_course(tmp_path, records))
    assert page == tmp_path / "reports" / AID / "report.html"
    text = page.read_text()
    found = sections(text)
    assert list(found) == SECTIONS
    images = re.findall(r"<img src='([^']+)'", text)
    assert images == ["scores.png", "questions.png", "time.png"]
    for name in images:
        with Image.open(page.parent / name) as im:
            im.verify()
            assert im.format == "PNG" and im.size[0] >= 800
    # the error is reported once, in its table, escaped; not as a common mistake
    assert "zz.ipynb is not valid JSON &lt;line 1&gt;" in found["errors"]
    assert "not valid JSON" not in found["mistakes"] and "<script>" not in text
    # the table shows the most frequent mistakes with their counts
    rows = re.findall(r"<tr><td class=n>(\d+)</td><td><code>(\w+)</code></td><td>(.*?)</td></tr>",
                      found["mistakes"])
    top = sorted(expected.values(), reverse=True)[:len(rows)]
    assert [int(n) for n, _, _ in rows] == top and len(rows) == min(15, len(expected))
    n = len(records)
    assert f"<b>{n}</b>students" in found["summary"]
    scores = [r["score"] for r in records.values()]
    assert f"{np.median(scores):.1f}".rstrip("0").rstrip(".") + " / 7" in found["summary"]
    total = sum(r["seconds"] for r in records.values() if "seconds" in r)
    assert f"{total:.1f} s</b> in total" in found["time"]
    missing = sorted(s for s, r in records.items() if "seconds" not in r)
    assert f"Not recorded for {len(missing)} submission(s): {', '.join(missing)}." in found["time"]


def test_gradebook_scores_win_and_pending_results_are_reported(tmp_path, make_course):
    ok = {"score": 7.0, "max_score": 7.0, "status": "graded", "error": None,
          "questions": {g: {"points": m, "max_points": m, "feedback": []}
                        for g, m in QUESTIONS.items()}}
    low = json.loads(json.dumps(ok))
    low["questions"]["q2_rounded"] = {"points": 0.0, "max_points": 2.0,
                                      "feedback": ["not rounded to 2 decimals"]}
    low["score"] = 5.0
    make_course(tmp_path, {"ann": ok, "bea": low, "cid": ok}, manual=("written",),
                in_gradebook={"ann", "bea"})
    with Gradebook(db_url_for(tmp_path)) as gb:  # a TA regrades bea's q2 by hand
        grade = gb.find_grade("q2_rounded", "nb", AID, "bea")
        grade.manual_score = 1.5
        gb.db.commit()
    results = load_class(AID, tmp_path)
    assert results.students["bea"]["score"] == 6.5
    assert results.students["bea"]["questions"]["q2_rounded"]["points"] == 1.5
    assert results.students["ann"]["questions"]["written"]["points"] is None
    assert list(results.questions) == ["q1_weights", "q2_rounded", "q10_metrics", "written"]
    assert "cid" in results.students and "1 result file(s) are not in the gradebook yet" \
        in results.notes[0]
    assert question_outcomes(results)["written"]["ungraded"] == 3
    page = write_report(AID, tmp_path, out_dir=tmp_path / "out").read_text()
    assert "not graded yet" in sections(page)["questions"]
    assert "not in the gradebook yet" in page
    # the manual question is waiting, not hard: the figure's title names a graded one, a note says why
    assert "Hardest: q2_rounded" in page and "Hardest: written" not in page
    assert "Not graded yet for some students: written (manual grading in formgrader)" in page


def test_time_not_recorded(tmp_path, make_course):
    records, _ = random_class(np.random.default_rng(3), 6, seconds=False)
    page = write_report(AID, make_course(tmp_path, records)).read_text()
    assert "<b>not recorded</b>" in sections(page)["time"]
    assert "time.png" not in page


def test_empty_class_and_unknown_assignment(tmp_path, capsys, make_course):
    make_course(tmp_path, {})
    with pytest.raises(ValueError, match="no submissions of 'ex99_report' have been graded yet"):
        write_report(AID, tmp_path)
    assert main(["report", AID, "--course-dir", str(tmp_path)]) == 2
    assert "nothing to report" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"unknown assignment 'ex00'.*assignments there: "
                                         r"ex99_report"):
        load_class("ex00", tmp_path)
    assert main(["report", "ex00", "--course-dir", str(tmp_path)]) == 2
    assert "unknown assignment 'ex00'" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_no_gradebook_is_a_clear_error_and_creates_nothing(tmp_path, capsys):
    assert main(["report", AID, "--course-dir", str(tmp_path)]) == 2
    assert "no gradebook at" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_where_asked(tmp_path, capsys, make_course):
    records, _ = random_class(np.random.default_rng(1), 5)
    make_course(tmp_path / "course", records)
    url = db_url_for(tmp_path / "course")
    assert main(["report", AID, "--course-dir", str(tmp_path / "course"), "--db", url,
                 "--out", str(tmp_path / "r")]) == 0
    assert "report.html" in capsys.readouterr().out
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"report.html", "scores.png",
                                                          "questions.png", "time.png"}


def test_unreadable_result_file_is_noted_not_fatal(tmp_path, make_course):
    records, _ = random_class(np.random.default_rng(2), 4)
    make_course(tmp_path, records)
    (results_dir(tmp_path, AID) / "zed.json").write_text('{"questions": {"q1": {"points": "x"}}}')
    (results_dir(tmp_path, AID) / "yan.json").write_text("{not json")
    results = load_class(AID, tmp_path)
    assert set(results.students) == set(records)
    assert results.notes == ["yan.json is not a readable result file and was left out.",
                             "zed.json is not a readable result file and was left out."]
