"""`course autograde ps1` gives nbgrader's per-cell scores on the course `nbgrader quickstart` makes.

The class (tests/grader/fixtures/nbgrader_classes.py) is honest work: the released stubs, the
source's solutions, partly right, wrong, a syntax error, a debugging print to stderr, a test
cell the student emptied, a missing notebook, numpy and pandas with a slow first cell, free-text
answers for formgrader. Students who fool nbgrader are compared only to show nbgrader is fooled.
"""
import pytest

import nbgrader_classes as nc

pytestmark = pytest.mark.slow

AUTO = ["correct_squares", "squares_invalid_input", "correct_sum_of_squares",
        "sum_of_squares_uses_squares"]


def _auto(scores, student):
    return [scores[("ps1", student, "problem1", gid)][0] for gid in AUTO]


def test_nbgrader_grades_the_class_as_its_docs_say(quickstart_class):
    """The harness's anchor: nbgrader's own scores for the class are the ones its rules give."""
    s = quickstart_class.nbgrader
    assert _auto(s, "stub") == [0, 0, 0, 0]
    assert _auto(s, "solution") == [1, 1, 0.5, 0.5]
    assert _auto(s, "partly") == [1, 1, 0.5, 0]
    assert _auto(s, "no_error_check") == [1, 0, 0.5, 0.5]
    assert _auto(s, "syntax_error") == [0, 0, 0, 0]         # `del squares` itself fails
    assert _auto(s, "half_done") == [1, 1, 0, 0]
    assert _auto(s, "debug_stderr") == [1, 1, 0, 0]         # stderr in a test cell: no points
    assert _auto(s, "edited_test") == [0, 1, 0, 0.5]        # the emptied test was restored
    assert _auto(s, "numpy_pandas") == [1, 1, 0.5, 0.5]
    # free text goes to formgrader; an untouched answer cell is 0 without a manual grade
    assert s[("ps1", "solution", "problem2", "part-a")] == (None, 1.0, True)
    assert s[("ps1", "stub", "problem2", "part-a")] == (0.0, 1.0, False)
    # a notebook not submitted is graded 0 (nbgrader adds the submission notebook)
    assert all(v == (0.0, v[1], False) for k, v in s.items()
               if k[1] == "missing_notebook" and k[2] == "problem2")
    for fool, spec in nc.QUICKSTART_FOOLS.items():
        assert sum(_auto(s, fool)) > sum(_auto(s, spec["twin"])), f"nbgrader no longer fooled by {fool}"


def test_same_scores_as_nbgrader_cell_by_cell(quickstart_class):
    ignore = {("ps1", fool) for fool in nc.QUICKSTART_FOOLS}
    diff = nc.score_diff(quickstart_class.nbgrader, quickstart_class.ours(), ignore=ignore)
    assert not diff, "scores differ from nbgrader's:\n" + "\n".join(diff)
