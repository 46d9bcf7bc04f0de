"""A learner fills in exercise 1 through JupyterLab: a wrong answer shows the public test's
feedback line, the right answers pass every public test, and ``course check`` agrees."""
import subprocess
import sys

import pytest

pytestmark = pytest.mark.browser

EXERCISE = "exercises/ex01_class_weights/ex01_class_weights.ipynb"
# Indices of the answer cells (markdown cells included) and what a learner types there.
Q1, Q2, Q3 = 4, 8, 13
WRONG_Q1 = '''
def inverse_frequency_weights(counts):
    total = sum(counts.values())
    return {c: n / total for c, n in counts.items()}
'''
RIGHT_Q1 = '''
def inverse_frequency_weights(counts):
    total = sum(counts.values())
    return {c: total / (len(counts) * n) for c, n in counts.items()}
'''
RIGHT_Q2 = '''
weights = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})
w0, w1 = round(weights[0], 2), round(weights[1], 2)
'''
RIGHT_Q3 = 'metrics = ["pr_auc", "macro_f1"]'
FEEDBACK = "the weight of class c is N / (K * n_c)"


def test_exercise_01_wrong_then_right_answer_through_the_ui(lab, notebook, snap):
    nb = notebook(lab, EXERCISE)
    nb.type_into(Q1, WRONG_Q1)
    nb.type_into(Q2, RIGHT_Q2)
    nb.type_into(Q3, RIGHT_Q3)
    nb.run_all()

    errors = nb.error_outputs()
    # each failing test shows its error and Run All goes on: Q2's test fails too (it uses Q1's
    # function), where Run All used to stop at Q1's
    assert len(errors) == 2 and "larger weight" in errors[1], errors
    assert "AssertionError" in errors[0] and FEEDBACK in errors[0], errors[0]
    shown = nb.cell(Q1 + 1).locator(".jp-OutputArea-output")
    shown.scroll_into_view_if_needed()
    assert FEEDBACK in shown.inner_text(), "the learner does not see the feedback line"
    snap("exercise01_wrong_answer_feedback")

    nb.type_into(Q1, RIGHT_Q1)
    nb.run_all()
    prompts = nb.prompts()
    assert all(p[1:-2].isdigit() for p in prompts), f"cells left unrun: {prompts}"
    assert nb.error_outputs() == []
    nb.cell(Q3 + 1).scroll_into_view_if_needed()
    snap("exercise01_all_public_tests_pass")
    nb.save()

    done = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(lab.root / EXERCISE)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "total: 7 / 7 autograded points" in done.stdout, done.stdout


def test_in_the_learners_lab_typed_in_weights_show_as_hard_coded_and_no_instructor_tools(
        lab_factory, notebook, snap):
    """Issue 18: in the Lab ``course lab --learner`` starts, the learner opens ex01, types the
    weights in by hand and runs all; the check under Q2 grades like the grader (re-runs with other
    class counts), so it says they look hard-coded, and Run All reaches the total. That Lab has
    no Formgrader menu, no Create Assignment panel and no Validate button (formgrader is 404)."""
    lab = lab_factory("learner", role="learner")
    nb = notebook(lab, EXERCISE)
    menu = nb.menu_items("Nbgrader")
    assert "Assignment List" in menu  # fetching and submitting stay
    assert not menu & {"Formgrader", "Course List", "Create assignment"}, menu
    assert nb.page.locator("#nbgrader-create_assignemnt").count() == 0
    assert nb.page.locator(".jp-Toolbar .validate-button").count() == 0
    assert lab.status("formgrader") == 404 and lab.status("formgrader/api/assignments") == 404

    nb.type_into(Q1, RIGHT_Q1)
    nb.type_into(Q2, "w0 = 0.54\nw1 = 6.25")
    nb.type_into(Q3, RIGHT_Q3)
    nb.save()
    nb.run_all(timeout=600_000)
    assert all(p[1:-2].isdigit() for p in nb.prompts()), nb.prompts()
    under_q2 = nb.cell(Q2 + 2).locator(".jp-OutputArea-output").inner_text()
    assert "q2_rounded_weights: 0 / 2 points" in under_q2 and "hard-coded" in under_q2, under_q2
    assert "Warning" not in under_q2, under_q2  # saved, then run: Q3 not run yet is no reason to warn
    total = nb.cell(Q3 + 4).locator(".jp-OutputArea-output").inner_text()
    assert "Total: 5 / 7 autograded points" in total and "To submit" in total, total
    nb.cell(Q2 + 2).scroll_into_view_if_needed()
    snap("exercise01_check_hard_coded_weights")
