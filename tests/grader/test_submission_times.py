"""Lateness counts from when a submission reached nbgrader's exchange, never from the time the
student's own ``nbgrader submit`` wrote: a real exchange on disk, real submit and collect."""
import csv
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import tiny_assignment as T  # noqa: E402

from grader.autograde import autograde  # noqa: E402
from grader.cli import main  # noqa: E402
from grader.gradebook import Gradebook, db_url_for  # noqa: E402

pytestmark = pytest.mark.slow
AID, COURSE = T.ASSIGNMENT_ID, "c101"


def nbgrader(*args, cwd):
    """nbgrader's own command line, as a student or the instructor runs it in ``cwd``."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def exchange_class(tmp_path_factory):
    """alice submits before the due date; bob after it, with his timestamp backdated through
    nbgrader's own option; the instructor collects late and autogrades. Returns (course, records,
    due date, bob's claim)."""
    tmp = tmp_path_factory.mktemp("exchange_class")
    T.install()
    course, exchange = tmp / "course", tmp / "exchange"
    released = T.write_course(course)
    (exchange / COURSE / "inbound").mkdir(parents=True)
    (exchange / COURSE / "outbound" / AID).mkdir(parents=True)  # as release_assignment leaves it
    (exchange / COURSE / "outbound" / AID / released.name).write_bytes(released.read_bytes())
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE!r}\nc.Exchange.root = {str(exchange)!r}\n")

    def submit(sid, *flags):
        home = tmp / sid
        (home / AID).mkdir(parents=True)
        nbformat.write(T.submission(T.CORRECT), home / AID / released.name)
        nbgrader("submit", AID, "--course", COURSE, "--student", sid, f"--Exchange.root={exchange}",
                 f"--Exchange.cache={home / 'cache'}", *flags, cwd=home)

    submit("alice")
    due = datetime.utcnow()  # after alice's submit returned, before bob's started
    claim = f"{due - timedelta(hours=1):%Y-%m-%d %H:%M:%S} UTC"
    submit("bob", f"--Exchange.timestamp_format={claim}")  # a literal: nbgrader accepts it
    with Gradebook(db_url_for(course)) as gb:
        gb.update_or_create_assignment(AID, duedate=due)
    nbgrader("collect", AID, cwd=course)
    records = autograde(AID, course / "submitted", course_dir=course, workers=2, progress=False)
    return course, records, due, claim


def test_backdated_submit_is_late_and_formgrader_still_counts_it_autograded(exchange_class):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    course, records, due, claim = exchange_class
    bob = course / "submitted" / "bob" / AID
    assert (bob / "timestamp.claimed.txt").read_text() == claim  # the student's claim, kept
    assert (bob / "timestamp.txt").read_text() == records["bob"]["timestamp"]
    assert {sid: r["submitted_at_source"] for sid, r in records.items()} == {"alice": "exchange",
                                                                            "bob": "exchange"}
    at = {sid: datetime.fromisoformat(r["submitted_at"].rstrip("Z")) for sid, r in records.items()}
    assert at["alice"] <= due < at["bob"]
    assert "reached the exchange" in records["bob"]["timestamp_note"]
    assert "timestamp_note" not in records["alice"]
    with Gradebook(db_url_for(course)) as gb:  # nbgrader's lateness, from the gradebook
        late = {sid: gb.find_submission(AID, sid).total_seconds_late for sid in records}
    assert late["alice"] == 0 and late["bob"] > 0
    # formgrader (through its API) counts both as autograded and shows the trusted times
    c = Config()
    c.CourseDirectory.root = str(course)
    api = NbGraderAPI(CourseDirectory(config=c), config=c)
    shown = {sid: api.get_submission(AID, sid) for sid in records}
    assert {sid: s["autograded"] for sid, s in shown.items()} == {"alice": True, "bob": True}
    assert {sid: datetime.fromisoformat(s["timestamp"]) for sid, s in shown.items()} == at


def test_export_lists_the_trusted_time_and_keeps_formulas_out(exchange_class, tmp_path, capsys):
    course, records, _, _ = exchange_class
    with Gradebook(db_url_for(course)) as gb:  # nbgrader's tools add students from folder names
        gb.update_or_create_student("=HYPERLINK(\"http://x\",\"y\")")
    out = tmp_path / "grades.csv"
    assert main(["export", "--course-dir", str(course), "-o", str(out)]) == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert (rows["bob"]["submitted_at"], rows["bob"]["submitted_at_source"]) == (
        records["bob"]["submitted_at"], "exchange")
    assert float(rows["bob"]["seconds_late"]) > 0 and float(rows["alice"]["seconds_late"]) == 0
    assert "reached the exchange" in rows["bob"]["timestamp_note"]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in rows


def test_the_latest_change_in_the_inbound_folder_counts(tmp_path):
    """Rewriting the notebook inside an early inbound folder moves the time; a symbolic link
    (collect copies what it points to) or other bytes than those collected leave the exchange out."""
    import os
    import time

    from grader.submission_times import submission_times

    inbound = tmp_path / "inbound"
    subs = tmp_path / "submitted"
    ns = {}
    for sid in ("early", "linked", "other"):
        folder = inbound / f"{sid}+{AID}+2000-01-01 00:00:00.000000 UTC+r4nd0m"
        folder.mkdir(parents=True)
        nb = folder / "nb.ipynb"
        nb.write_text("draft")
        time.sleep(0.05)
        nb.write_text("final")  # a change to the file only: the folder's ctime stays early
        ns[sid] = os.stat(nb).st_ctime_ns
        assert ns[sid] > os.stat(folder).st_ctime_ns
        (subs / sid / AID).mkdir(parents=True)
        (subs / sid / AID / "nb.ipynb").write_text("other" if sid == "other" else "final")
    (inbound / f"linked+{AID}+2000-01-01 00:00:00.000000 UTC+r4nd0m" / "data").symlink_to("/etc/hostname")
    got = {sid: submission_times(sid, AID, subs / sid / AID / "nb.ipynb", subs, inbound)
           for sid in ns}
    assert got["early"]["submitted_at_source"] == "exchange"
    assert datetime.fromisoformat(got["early"]["submitted_at"].rstrip("Z")) == \
        datetime(1970, 1, 1) + timedelta(microseconds=ns["early"] // 1000)
    assert got["linked"]["submitted_at_source"] == got["other"]["submitted_at_source"] == "collected"
