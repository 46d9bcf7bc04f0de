"""Finding an assignment by id (grader/spec.py): the course's own, else ``$IMBALANCE_LAB_ASSIGNMENTS``."""
import subprocess
import sys

import pytest

from grader.spec import PACKAGE_ENV, assignment_module, load_key


def test_the_suites_own_assignment_is_found_by_id():
    # tests/conftest.py names the suite's package; nothing registers the fixture anywhere
    assert load_key("tiny_fixture").assignment_id == "tiny_fixture"
    assert assignment_module("tiny_fixture").__name__ == "fixture_assignments.tiny_fixture"
    assert "grader.assignments.tiny_fixture" not in sys.modules


def test_the_courses_own_assignment_comes_first():
    assert assignment_module("ex01_class_weights").__name__ == "grader.assignments.ex01_class_weights"


def test_without_the_variable_only_the_courses_assignments_exist(monkeypatch):
    monkeypatch.delenv(PACKAGE_ENV)
    with pytest.raises(ValueError, match="no answer key for assignment 'tiny_fixture'"):
        load_key("tiny_fixture")
    with pytest.raises(ValueError, match="invalid assignment id"):
        load_key("fixture_assignments.tiny_fixture")


@pytest.mark.parametrize("package", ["no_such_package", "a..b"])
def test_a_variable_naming_no_package_is_a_clear_error(monkeypatch, package):
    monkeypatch.setenv(PACKAGE_ENV, package)
    assert load_key("ex01_class_weights").assignment_id == "ex01_class_weights"  # not needed here
    with pytest.raises(ValueError, match=f"IMBALANCE_LAB_ASSIGNMENTS='{package}' names no importable package"):
        load_key("tiny_fixture")


def test_an_assignment_that_imports_something_missing_says_so(tmp_path):
    (tmp_path / "course_keys").mkdir()
    (tmp_path / "course_keys" / "__init__.py").write_text("")
    (tmp_path / "course_keys" / "ps1.py").write_text("import no_such_dependency\n")
    code = "from grader.spec import load_key; load_key('ps1')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path),
                               PACKAGE_ENV: "course_keys"})
    assert "No module named 'no_such_dependency'" in proc.stderr, proc.stderr[-500:]
