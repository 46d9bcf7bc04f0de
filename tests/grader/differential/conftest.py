"""Each class is built once per session and graded once by each grader, each in its own copy of
the course (so each writes its own gradebook): the differential suite's CI budget (decisions.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

import nbgrader_classes as nc


@dataclass
class GradedClass:
    course: Path                      # the course as the instructor has it, nothing graded
    assignments: list[str]
    nbgrader: dict = field(default_factory=dict)   # cell_scores after `nbgrader autograde`
    workdir: Path | None = None
    nbgrader_course: Path | None = None            # the copy nbgrader graded
    ours_course: Path | None = None                # the copy course autograde graded
    _ours: dict | None = None

    def ours(self) -> dict:
        """cell_scores after `course autograde ASSIGNMENT` in a copy of the course (run once)."""
        if self._ours is None:
            course = self.ours_course = nc.copy_course(self.course, self.workdir / "ours")
            for aid in self.assignments:
                nc.run(["course", "autograde", aid], cwd=course)
            self._ours = nc.cell_scores(course, self.assignments)
        return self._ours


def _graded(root: Path, course: Path, assignments: list[str]) -> GradedClass:
    graded = GradedClass(course, assignments, workdir=root)
    theirs = nc.copy_course(course, root / "nbgrader")
    # nbgrader grades every assignment of the course in one process (its id is a glob)
    nc.run(["nbgrader", "autograde", "*" if len(assignments) > 1 else assignments[0]], cwd=theirs)
    graded.nbgrader = nc.cell_scores(theirs, assignments)
    graded.nbgrader_course = theirs
    return graded


@pytest.fixture(scope="session")
def quickstart_class(tmp_path_factory) -> GradedClass:
    root = tmp_path_factory.mktemp("quickstart")
    course = nc.quickstart_course(root)
    nc.write_quickstart_class(course)
    return _graded(root, course, ["ps1"])


@pytest.fixture(scope="session")
def fixtures_class(tmp_path_factory) -> GradedClass:
    root = tmp_path_factory.mktemp("nbfixtures")
    course = nc.fixtures_course(root)
    return _graded(root, course, list(nc.FIXTURE_ASSIGNMENTS))
