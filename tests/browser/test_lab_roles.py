"""One machine, two Labs: the learner's (``course lab --learner``'s config) has no instructor tools
(no Formgrader or Course List in the Nbgrader menu, no Create Assignment panel, no Validate button,
no formgrader pages): tests/browser/test_exercise.py checks that while a learner works on ex01 in
it. The instructor's (``course lab --instructor``'s) has every one of them."""
import pytest

pytestmark = pytest.mark.browser

EXERCISE = "exercises/ex01_class_weights/ex01_class_weights.ipynb"
INSTRUCTOR_ITEMS = {"Formgrader", "Course List", "Create assignment"}
# nbgrader's Create Assignment panel in the right sidebar (its id is spelled so by nbgrader)
CREATE_ASSIGNMENT = "#nbgrader-create_assignemnt"
VALIDATE_BUTTONS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar .validate-button"


def test_instructors_lab_keeps_every_tool(lab_factory, notebook, snap):
    lab = lab_factory("instructor", role="instructor")
    nb = notebook(lab, EXERCISE)
    assert INSTRUCTOR_ITEMS | {"Assignment List"} <= nb.menu_items("Nbgrader")
    nb.page.locator(VALIDATE_BUTTONS).first.wait_for()
    nb.page.locator(CREATE_ASSIGNMENT).wait_for(state="attached")
    assert lab.status("formgrader") != 404
    snap("lab_instructor")
