"""`course autograde` gives nbgrader's per-cell scores on nbgrader's own autograde fixtures.

The scenarios of nbgrader's tests (tests/grader/fixtures/nbgrader_classes.py):
changed and unchanged submissions, locked or grade cells edited, nbgrader's cheat attempts
(which it already defends against), hidden tests, autotests, a timeout, an infinite loop, side
effects, a file read by relative path, ``NBGRADER_EXECUTION``, and partial credit.
"""
import pytest

import nbgrader_classes as nc

pytestmark = pytest.mark.slow

# (assignment, student, notebook) -> total score, as nbgrader's own tests of these files assert
# (nbgrader/tests/apps/test_nbgrader_autograde.py), and for partial_credit, its rules.
NBGRADER_TOTALS = {
    ("changes", "unchanged", "p1"): 1, ("changes", "changed", "p1"): 2,
    ("changes", "locked_cell_changed", "p1"): 1, ("changes", "grade_cell_changed", "p1"): 1,
    ("changes", "cheat_attempt", "p1"): 1, ("changes", "cheat_attempt_alternative", "p1"): 1,
    ("one_each", "student", "hidden_tests"): 1.5, ("one_each", "student", "timeout"): 0,
    ("one_each", "student", "infinite_loop"): 0, ("one_each", "student", "side_effects"): 0,
    ("one_each", "student", "validating_envvar"): 0,
    ("autotest_hidden", "unchanged", "p1"): 0, ("autotest_hidden", "changed_wrong", "p1"): 0,
    ("autotest_hidden", "changed_right", "p1"): 1,
    ("autotests", "unchanged", "multi"): 0, ("autotests", "changed", "multi"): 3,
    ("autotests", "unchanged", "hashed"): 0, ("autotests", "changed", "hashed"): 1,
    ("relative_file", "with_file", "p1"): 10, ("relative_file", "without_file", "p1"): 10,
    ("relative_file", "changed_file", "p1"): 10,
    ("partial_credit", "right", "p1"): 4, ("partial_credit", "two_of_three", "p1"): 2,
    ("partial_credit", "loops_on_three", "p1"): 1, ("partial_credit", "stub", "p1"): 0,
}


def _totals(scores):
    out = {}
    for (aid, sid, nb, _gid), v in scores.items():
        out[(aid, sid, nb)] = out.get((aid, sid, nb), 0) + (v[0] or 0 if v else 0)
    return out


def test_nbgrader_grades_its_fixtures_as_its_tests_say(fixtures_class):
    """The harness's anchor: every student of every scenario is graded, with nbgrader's totals."""
    assert _totals(fixtures_class.nbgrader) == NBGRADER_TOTALS
    # the manually graded answers of the changed submission wait for formgrader
    assert fixtures_class.nbgrader[("changes", "changed", "p1", "baz")] == (None, 2.0, True)
    # nbgrader's side effect lands next to its autograded copy, never in submitted/
    course = fixtures_class.nbgrader_course
    assert (course / "autograded" / "student" / "one_each" / "side-effect.txt").exists()
    assert not (course / "submitted" / "student" / "one_each" / "side-effect.txt").exists()


def test_same_scores_as_nbgrader_cell_by_cell(fixtures_class):
    diff = nc.score_diff(fixtures_class.nbgrader, fixtures_class.ours())
    assert not diff, "scores differ from nbgrader's:\n" + "\n".join(diff)
    # the side effect stayed in the sandbox
    assert not list(fixtures_class.ours_course.rglob("side-effect.txt"))

