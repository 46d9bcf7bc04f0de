"""The files put beside an nbgrader assignment's notebooks when they run (nbgrader's layout):
the student's submitted files, then the source folder's over them; hostile entries left out."""
import os

import pytest
from traitlets.config import Config

from grader.nbgrader_course import MAX_FILES, Course, extra_files


def _course(root, config=None):
    return Course(root=root, course_id="c", source=root / "source", release=root / "release",
                  submitted=root / "submitted", autograded=root / "autograded", db_url="sqlite://",
                  ignore=(".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"),
                  config=config or Config())


def test_source_files_win_over_the_students_and_notebooks_stay_out(tmp_path):
    src, sub = tmp_path / "source" / "ps1", tmp_path / "submitted" / "s" / "ps1"
    (src / "data").mkdir(parents=True)
    sub.mkdir(parents=True)
    (src / "data" / "x.csv").write_text("trusted")
    (src / "problem1.ipynb").write_text("{}")
    (sub / "data").mkdir()
    (sub / "data" / "x.csv").write_text("student's")
    (sub / "notes.txt").write_text("mine")
    (sub / "cache.pyc").write_text("")
    os.symlink("/etc/passwd", sub / "passwd")
    os.mkfifo(sub / "pipe")
    files = extra_files(_course(tmp_path), "ps1", sub)
    assert sorted(files) == ["data/x.csv", "notes.txt"]
    assert files["data/x.csv"].read_text() == "trusted"


def test_exclude_overwriting_keeps_the_students_file(tmp_path):
    src, sub = tmp_path / "source" / "ps1", tmp_path / "submitted" / "s" / "ps1"
    src.mkdir(parents=True)
    sub.mkdir(parents=True)
    (src / "helper.py").write_text("trusted")
    (sub / "helper.py").write_text("student's")
    config = Config()
    config.Autograde.exclude_overwriting = {"ps1": ["helper.py"]}
    assert extra_files(_course(tmp_path, config), "ps1", sub)["helper.py"].read_text() == "student's"


def test_too_many_files_is_refused_with_a_reason(tmp_path):
    sub = tmp_path / "submitted" / "s" / "ps1"
    sub.mkdir(parents=True)
    for i in range(MAX_FILES + 1):
        (sub / f"f{i}").write_text("")
    with pytest.raises(ValueError, match="files"):
        extra_files(_course(tmp_path), "ps1", sub)
