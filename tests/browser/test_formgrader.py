"""nbgrader's formgrader opens for the instructor on a demo class autograded by ``course``: the
assignment is listed with its submissions, and every student shows the score autograde gave."""
import shutil

import nbformat
import pytest

from grader import demo
from grader.autograde import autograde, notebook_id
from grader.sandbox import sandbox_problem
from grader.contract import load_assignment

pytestmark = pytest.mark.browser

AID = "ex01_class_weights"
# A full mark, partial credit and a common mistake, from ``course demo``'s sample class.
STUDENTS = ("alice_correct", "carol_partly", "erin_forgot_k")
ROWS = "table tbody tr"


@pytest.fixture
def demo_class(tmp_path):
    """A demo course as ``course demo`` builds it (nbgrader_config.py included), with three
    sample submissions autograded; returns (course directory, autograde's records)."""
    course = demo.prepare_course(tmp_path / "demo_course", [AID])
    nb_id = notebook_id(load_assignment(AID))
    released = nbformat.read(course / "exercises" / AID / f"{nb_id}.ipynb", as_version=4)
    for student in STUDENTS:
        path = course / "submitted" / student / AID / f"{nb_id}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(demo.sample_notebook(released, demo.SAMPLES[AID][student]), path)
    # These three samples are honest code, so the test also runs where bubblewrap cannot.
    records = autograde(AID, course / "submitted", course_dir=course, workers=2, progress=False,
                        unsafe_no_sandbox=sandbox_problem() is not None)
    assert sorted(records) == sorted(STUDENTS)
    return course, records


def _wait_rows(page, count: int):
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n",
                           arg=[ROWS, count])


def _text(row, cls: str) -> str:
    return row.locator(f"td.{cls}").inner_text().strip()


def test_formgrader_lists_the_autograded_demo_class(demo_class, lab_at, page, snap):
    course, records = demo_class
    scores = {sid: f"{r['score']:g} / {r['max_score']:g}" for sid, r in records.items()}
    assert len(set(scores.values())) == len(STUDENTS), scores  # three different scores to tell apart

    lab = lab_at(course)
    page.goto(lab.url("formgrader"))  # redirects to Manage Assignments
    page.wait_for_url("**/formgrader/manage_assignments")
    row = page.locator(ROWS, has=page.locator("td.name", has_text=AID))
    row.wait_for()
    assert row.locator("td.num-submissions").inner_text().strip() == str(len(STUDENTS))
    snap("formgrader_manage_assignments")

    row.locator("td.num-submissions a").click()  # Manage Submissions of the assignment
    page.wait_for_url(f"**/formgrader/manage_submissions/{AID}")
    _wait_rows(page, len(STUDENTS))
    shown = {_text(row, "student-id"): (_text(row, "status"), _text(row, "score"))
             for row in page.locator(ROWS).all()}
    assert shown == {sid: ("graded", score) for sid, score in scores.items()}
    snap("formgrader_manage_submissions")

    # The gradebook's per-notebook view: scores by submission, names hidden until revealed.
    page.goto(lab.url(f"formgrader/gradebook/{AID}/{notebook_id(load_assignment(AID))}"))
    _wait_rows(page, len(STUDENTS))
    assert sorted(_text(row, "score") for row in page.locator(ROWS).all()) == sorted(scores.values())
    page.get_by_role("button", name="Show All Names").click()
    shown = {_text(row, "name"): _text(row, "score") for row in page.locator(ROWS).all()}
    assert shown == scores
    snap("formgrader_gradebook")
