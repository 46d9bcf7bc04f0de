"""No byte of a submission stops a batch; ids are whole; submission times are not the student's.

The fuzz class mixes honest students with hostile ones (lone surrogates, control characters and
ANSI escapes in stdout, stderr, display data, error messages and answers; invalid UTF-8 and
surrogate escapes in the .ipynb; huge and deeply nested outputs; folder names with a newline,
bytes that are not UTF-8, escapes) and grades it in the real sandbox. The payload strings are
random: set HOSTILE_SEED to replay a failing draw.
"""
import csv
import json
import os
import random
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import tiny_assignment as T  # noqa: E402

import grader.autograde as A  # noqa: E402
from grader import gradebook, sandbox  # noqa: E402
from grader.cli import main  # noqa: E402
from grader.commands.feedback import write_feedback  # noqa: E402
from grader.normalize import read_notebook  # noqa: E402
from grader.report import write_report  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                 reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")]
NB = "tiny_fixture.ipynb"
SEED = int(os.environ.get("HOSTILE_SEED") or int.from_bytes(os.urandom(4), "big"))
RATIO = "ratio = round(n_a / n_b, 2)"


def hostile_text(rng: random.Random, n: int = 40) -> str:
    """A string no UTF-8 file, database or terminal should get raw."""
    pieces = ["\ud800", "\udfff", "\udcff", "\x00", "\x1b[2J", "\x1b]0;owned\x07", "\r", "\n",
              "\u202e", "\u2028", "\ufeff", "\x85", "\U0001f600", "é", "<script>", "'", '"', "\\"]
    noise = bytes(rng.randrange(256) for _ in range(8))
    return "".join(rng.choice(pieces) for _ in range(n)) + noise.decode("utf-8", "surrogateescape")


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _write(subs, sid, nb=None, raw=None):
    folder = subs / (os.fsdecode(sid) if isinstance(sid, bytes) else sid)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NB
    if raw is not None:
        path.write_bytes(raw)
    else:
        nbformat.write(nb, path)
    return path


def _answer(code: str, share: str = T.CORRECT["answer_share"]):
    return T.submission({"answer_share": share, "answer_ratio": code})


def _hostile_class(rng):
    """(valid student id -> notebook or raw bytes, odd folder names) of the fuzz class."""
    p = repr(hostile_text(rng))
    nested = "[" * 5000 + "]" * 5000
    students = {
        "alice": T.submission(T.CORRECT), "bob": T.submission(T.CORRECT),
        "carol": T.submission(T.CORRECT),
        "stdout": _answer(f"print({p})\n{RATIO}"),
        "stderr": _answer(f"import sys\nsys.stderr.write({p})\n{RATIO}"),
        "display": _answer("from IPython.display import display\n"
                           f"display({{'text/plain': {p}, 'text/html': {p}, 'text/markdown': {p}}}, raw=True)\n"
                           f"{RATIO}"),
        "result_repr": _answer(f"class X:\n    def __repr__(self):\n        return {p}\n{RATIO}\nX()"),
        "error_text": _answer(f"raise ValueError({p})",
                              share=f"def share(a, b):\n    raise ValueError({p})"),
        "error_name": _answer(f"raise type({p}, (Exception,), {{}})({p})"),
        "answers": _answer(f"ratio = {{{p}: [{p}]}}", share=f"def share(a, b):\n    return {p}"),
        "huge": _answer(f"print('x' * 5_000_000)\nfor i in range(300):\n    print({p})\n{RATIO}"),
        "nested": _answer("import json\nfrom IPython.display import display\n"
                          f"display({{'application/json': json.loads({nested!r})}}, raw=True)\n"
                          f"print({nested!r})\nratio = json.loads({nested!r})"),
    }
    # surrogate escapes inside the .ipynb itself: a comment, a markdown cell, the metadata
    escaped = T.submission({**T.CORRECT, "answer_ratio": f"{RATIO}  # \udfff\ud800 \udcff"},
                           extra_cells=[nbformat.v4.new_markdown_cell(hostile_text(rng))])
    escaped.metadata["student"] = hostile_text(rng)
    students["ipynb_escapes"] = json.dumps(escaped).encode()
    good = nbformat.writes(T.submission(T.CORRECT)).encode()
    cut = good.index(b"YOUR ANSWER HERE")
    students["ipynb_bytes"] = good[:cut] + b"\xff\xfe\xc0" + good[cut:]
    students["random_bytes"] = bytes(rng.randrange(256) for _ in range(3000))
    odd = ["bob\n", b"\xff\xfeodd", "\x1b[2Jansi", "-dash", "x" * 101, "ok\u202egnp", "tab\tname"]
    return students, odd


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    T.install()
    rng = random.Random(SEED)
    course = tmp_path_factory.mktemp("course")
    T.write_course(course)
    subs = course / "submitted"
    students, odd = _hostile_class(rng)
    for sid, content in students.items():
        _write(subs, sid, raw=content) if isinstance(content, bytes) else _write(subs, sid, content)
    for name in odd:
        _write(subs, name, T.submission(T.CORRECT))
    records = A.autograde("tiny_fixture", subs, course_dir=course, workers=2, progress=False)
    return course, students, odd, records


def test_fuzz_batch_finishes_and_every_honest_student_is_graded(fuzzed):
    course, students, odd, records = fuzzed
    for sid in ("alice", "bob", "carol", "stdout", "stderr", "display", "result_repr", "huge",
                "ipynb_escapes"):
        assert (records[sid]["status"], records[sid]["score"]) == ("graded", 3), (SEED, sid, records[sid])
    for sid in students:
        assert records[sid]["status"] in ("graded", "error"), (SEED, sid)
        stored = json.loads((A.results_dir(course, "tiny_fixture") / f"{sid}.json").read_text())
        assert stored["score"] == records[sid]["score"], (SEED, sid)
    assert records["ipynb_bytes"]["status"] == "error" and "not UTF-8" in records["ipynb_bytes"]["error"]
    with gradebook.Gradebook(gradebook.db_url_for(course)) as gb:
        assert {s.id for s in gb.students} == set(students)  # odd names never reach the gradebook
        assert {s.student.id for s in gb.assignment_submissions("tiny_fixture")} == set(students)


def test_fuzz_odd_folder_names_are_reported_not_stored(fuzzed):
    course, students, odd, records = fuzzed
    reported = {sid: r for sid, r in records.items() if sid not in students}
    assert len(reported) == len(odd), (SEED, sorted(reported))
    for sid, r in reported.items():
        assert r["status"] == "error" and r["error"].startswith("invalid student id"), (sid, r)
        assert sid.isprintable() and sid in r["error"]
    assert "bob\\n" in reported and "\\xff\\xfeodd" in reported  # shown escaped, never raw
    stored = {p.stem for p in A.results_dir(course, "tiny_fixture").glob("*.json")}
    assert stored == set(students)


def test_fuzz_leaves_only_valid_utf8_files_and_no_temporary_ones(fuzzed):
    course = fuzzed[0]
    assert not [p for p in course.rglob("*") if p.name.endswith(".tmp")]
    for path in [*course.glob("grader_results/**/*.json"), *course.glob("autograded/**/*.ipynb")]:
        data = json.loads(path.read_bytes().decode("utf-8"))  # strict: no invalid UTF-8 written
        assert _valid_text(json.dumps(data, ensure_ascii=False)), (SEED, path)  # no "\ud800" escapes
    nbformat.read(course / "autograded" / "display" / "tiny_fixture" / NB, as_version=4)


def test_fuzz_terminal_csv_report_and_feedback_take_the_class(fuzzed, capsys):
    course, students, _, records = fuzzed
    table = A.grade_table(records).split("\n")
    assert len(table) == len(records) + 1
    assert all(line.isprintable() for line in table), (SEED, [ln for ln in table if not ln.isprintable()])
    assert main(["export", "--course-dir", str(course), "-o", str(course / "g.csv")]) == 0
    lines = (course / "g.csv").read_text().splitlines()
    rows = list(csv.DictReader(lines))
    assert len(lines) == len(rows) + 1 and {r["student_id"] for r in rows} == set(students)
    assert len(write_feedback("tiny_fixture", course)) == len(students)
    write_report("tiny_fixture", course_dir=course).read_bytes().decode("utf-8")
    capsys.readouterr()
    # `course check` on a student's notebook quotes its test cells' errors
    main(["check", str(course / "submitted" / "error_text" / NB), "--course-dir", str(course)])
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("public test test_share: failed: ValueError") for line in out), out
    assert all(line.isprintable() for line in out), (SEED, out)


def test_fuzz_rerun_works(fuzzed):
    course, students, _, records = fuzzed
    again = A.autograde("tiny_fixture", course / "submitted", course_dir=course, progress=False)
    assert again == records  # nothing regraded, nothing stuck
    retried = A.autograde("tiny_fixture", course / "submitted", course_dir=course, workers=2,
                          progress=False, retry_errors=True)
    assert set(retried) == set(records)
    assert all(retried[s]["status"] == "graded" for s in ("alice", "stdout", "ipynb_escapes"))


# ---------------------------------------------------------------- one hole each

def test_a_student_whose_result_cannot_be_written_is_that_students_error(tmp_path, monkeypatch):
    """A write that fails (here: a file where the student's autograded folder goes) or a gradebook
    that refuses one student costs that student a result, with a message naming them."""
    T.install()
    T.write_course(tmp_path)
    for sid in ("good", "blocked", "refused"):
        _write(tmp_path / "subs", sid, T.submission(T.CORRECT))
    (tmp_path / "autograded").mkdir()
    (tmp_path / "autograded" / "blocked").write_text("not a folder")
    real = gradebook.record_result

    def refuses(gb, aid, sid, record):
        if sid == "refused" and record["status"] == "graded":
            raise gradebook.MissingEntry("the gradebook refused this row")
        return real(gb, aid, sid, record)

    monkeypatch.setattr(gradebook, "record_result", refuses)
    records = A.autograde("tiny_fixture", tmp_path / "subs", course_dir=tmp_path, workers=2,
                          progress=False)
    assert records["good"]["status"] == "graded" and records["good"]["score"] == 3
    for sid, words in (("blocked", "NotADirectoryError"), ("refused", "MissingEntry")):
        r = records[sid]
        assert r["status"] == "error" and f"could not store the result of {sid}" in r["error"], r
        assert words in r["error"] and "--retry-errors" in r["error"]
    assert not list(tmp_path.rglob("*.tmp"))
    monkeypatch.setattr(gradebook, "record_result", real)
    (tmp_path / "autograded" / "blocked").unlink()
    retried = A.autograde("tiny_fixture", tmp_path / "subs", course_dir=tmp_path, progress=False,
                          retry_errors=True)
    assert all(r["status"] == "graded" for r in retried.values())


def test_student_ids_are_matched_whole():
    assert A.valid_student_id("bob") and A.valid_student_id("a.b+c@d-e_f")
    for bad in ("bob\n", "bob\r\n", "\nbob", "bo\nb", "-bob", "x" * 101, "bøb", "bob\x00"):
        assert not A.valid_student_id(bad), repr(bad)


def test_a_trailing_newline_is_not_a_second_student(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob\n").mkdir()
    found = {sid: problem for sid, _, problem in A.discover(tmp_path, "tiny_fixture", "tiny_fixture")}
    assert set(found) == {"bob", "bob\\n"}
    assert found["bob\\n"].startswith("invalid student id 'bob\\n'")


def test_odd_folder_names_never_reach_the_gradebook(tmp_path):
    """A folder name with a newline, or not UTF-8, is reported (escaped) and stored nowhere."""
    T.install()
    T.write_course(tmp_path)
    for sid in ("bob", "bob\n", b"\xff\xfe"):
        _write(tmp_path / "subs", sid, T.submission(T.CORRECT))
    records = A.autograde("tiny_fixture", tmp_path / "subs", course_dir=tmp_path, progress=False)
    assert records["bob"]["score"] == 3
    assert {sid: r["status"] for sid, r in records.items() if sid != "bob"} == {
        "bob\\n": "error", "\\xff\\xfe": "error"}
    with gradebook.Gradebook(gradebook.db_url_for(tmp_path)) as gb:
        assert [s.id for s in gb.students] == ["bob"]
    assert [p.name for p in A.results_dir(tmp_path, "tiny_fixture").iterdir()] == ["bob.json"]


def test_surrogate_escapes_in_a_notebook_are_read_as_replacement_characters(tmp_path):
    nb = T.submission({**T.CORRECT, "answer_ratio": RATIO + "  # \udfff\ud800"})
    path = tmp_path / NB
    path.write_text(json.dumps(nb))  # ASCII with \ud800 escapes: valid JSON, valid UTF-8
    cell = [c for c in read_notebook(path).cells if c.metadata.nbgrader["grade_id"] == "answer_ratio"][0]
    assert cell.source.endswith("# \ufffd\ufffd")


def test_grade_table_shows_student_text_escaped():
    records = {"eve": {"score": 0, "max_score": 3, "status": "error", "questions": {},
                       "error": "ValueError: \x1b[2J\x1b[31mall good\nalice  3/3  graded"}}
    lines = A.grade_table(records).split("\n")
    assert len(lines) == 2 and "\\x1b[2J" in lines[1] and lines[1].isprintable()


def test_submission_time_comes_from_the_file_system(tmp_path):
    """A student's timestamp.txt never becomes the submission time: with no exchange, it is when
    the notebook was collected, in the record and the gradebook. The claim is kept for display
    and flagged when it cannot be true; next to a flat ``<student>/<nb>.ipynb`` it is nobody's."""
    from datetime import datetime, timedelta

    T.install()
    T.write_course(tmp_path)
    subs = tmp_path / "subs"
    claims = {"past": "2000-01-01 00:00:00 UTC", "future": "2999-01-01 00:00:00 UTC",
              "junk": "yesterday\x1b[2J", "flat": "2000-01-01 00:00:00 UTC"}
    arrived = {}
    for sid, claim in claims.items():
        folder = subs / sid if sid == "flat" else subs / sid / "tiny_fixture"
        folder.mkdir(parents=True)
        nbformat.write(T.submission(T.CORRECT), folder / NB)
        (folder / "timestamp.txt").write_text(claim)
        ctime = os.stat(folder / NB).st_ctime_ns
        arrived[sid] = datetime(1970, 1, 1) + timedelta(microseconds=ctime // 1000)
    records = A.autograde("tiny_fixture", subs, course_dir=tmp_path, workers=2, progress=False)
    with gradebook.Gradebook(gradebook.db_url_for(tmp_path)) as gb:
        stamps = {sid: gb.find_submission("tiny_fixture", sid).timestamp for sid in claims}
    at = {sid: datetime.fromisoformat(r["submitted_at"].rstrip("Z")) for sid, r in records.items()}
    assert at == arrived
    assert {r["submitted_at_source"] for r in records.values()} == {"collected"}
    assert {sid: "timestamp_note" in r for sid, r in records.items()} == {
        "past": False, "future": True, "junk": True, "flat": False}
    assert records["junk"]["timestamp_claimed"] == "yesterday\\x1b[2J"  # kept for display, escaped
    assert (subs / "junk" / "tiny_fixture" / "timestamp.claimed.txt").read_text() == claims["junk"]
    assert "timestamp" not in records["flat"] and "timestamp_claimed" not in records["flat"]
    # the gradebook gets the collected time, the time formgrader finds in timestamp.txt; a flat
    # folder has no timestamp.txt formgrader reads, so no time (formgrader's autograded status)
    assert stamps == {**{sid: arrived[sid] for sid in ("past", "future", "junk")}, "flat": None}
