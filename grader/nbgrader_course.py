"""An nbgrader course directory, found and read the way nbgrader finds and reads it.

nbgrader's ``CourseDirectory.root`` is the current directory unless the config says otherwise,
and the config is the Jupyter config folders' ``nbgrader_config.py`` files, then the course
folder's own. :func:`load_course` loads it with nbgrader's own classes (never parsing the file by
hand) and gives the folders and the gradebook URL nbgrader would use.

The trusted copy of an assignment's notebooks is what ``nbgrader generate_assignment`` saved in
the gradebook (:func:`trusted_notebooks`): every locked and test cell's source *before* hidden
tests were cleared, the points and checksums. ``nbgrader autograde`` restores cells from the same
place (``OverwriteCells``), so hidden tests come back and edited locked cells are undone.
"""
from __future__ import annotations

import fnmatch
import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

#: At most this many extra files (data, images) per assignment folder, and this many bytes in all.
MAX_FILES = 500
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Course:
    """The folders and gradebook of one nbgrader course (absolute paths)."""

    root: Path
    course_id: str
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    db_url: str
    ignore: tuple[str, ...]
    config: object  # traitlets Config, for nbgrader's own classes (late-penalty plugin, ...)

    def source_dir(self, assignment_id: str) -> Path:
        return self.source / assignment_id


def load_course(directory=None) -> Course:
    """The nbgrader course that ``nbgrader`` run in ``directory`` (default: here) would use.

    Raises :class:`FileNotFoundError` when the config names folders that do not exist and
    ValueError when the config cannot be loaded.
    """
    from traitlets.config import Application

    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.coursedir import CourseDirectory

    here = Path(directory or os.getcwd()).resolve()
    if not here.is_dir():
        raise FileNotFoundError(f"course directory {here} does not exist")
    try:
        app = NbGrader(log_level=logging.CRITICAL, raise_config_file_errors=True)
        app.load_cwd_config = False  # the course folder asked for, not wherever we started
        app.load_config_file()
        Application.load_config_file(app, app.config_file_name, path=str(here))
    except Exception as exc:  # noqa: BLE001 - the instructor's config file: say which
        raise ValueError(f"nbgrader's config in {here} could not be loaded: {exc}") from None
    config = app.config
    if "root" not in config.get("CourseDirectory", {}):
        config.CourseDirectory.root = str(here)  # nbgrader's default root is the cwd
    cd = CourseDirectory(config=config)
    root = Path(cd.root).resolve()
    return Course(root=root, course_id=cd.course_id or "", source=root / cd.source_directory,
                  release=root / cd.release_directory, submitted=root / cd.submitted_directory,
                  autograded=root / cd.autograded_directory, db_url=cd.db_url,
                  ignore=tuple(cd.ignore), config=config)


def _cell(source, cell_type: str, nbgrader: dict):
    import nbformat

    maker = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    return maker(source=source or "", metadata={"nbgrader": nbgrader})


def trusted_notebooks(gb, assignment_id: str) -> dict:
    """notebook name -> the trusted notebook, rebuilt from what ``generate_assignment`` saved.

    Cells carry nbgrader metadata as released (grade, solution, locked, task, points, checksum);
    locked and test cells their full source, hidden tests included. Raises ValueError when the
    assignment is not in the gradebook (as ``nbgrader autograde`` does).
    """
    import nbformat

    from nbgrader.api import MissingEntry

    try:
        assignment = gb.find_assignment(assignment_id)
    except MissingEntry:
        raise ValueError(f"no assignment {assignment_id!r} in the course's gradebook and no answer "
                         f"key for it: run `nbgrader generate_assignment {assignment_id}` first") from None
    out = {}
    for notebook in assignment.notebooks:
        grades = {c.name: c for c in notebook.grade_cells}
        solutions = {c.name for c in notebook.solution_cells}
        tasks = {c.name: c for c in notebook.task_cells}
        cells = []
        for src in notebook.source_cells:
            meta = {"grade": src.name in grades, "grade_id": src.name, "locked": bool(src.locked),
                    "solution": src.name in solutions, "schema_version": 3,
                    "checksum": src.checksum}
            if src.name in grades:
                meta["points"] = float(grades[src.name].max_score)
            elif src.name in tasks:
                meta.update(task=True, points=float(tasks[src.name].max_score))
            cells.append(_cell(src.source, src.cell_type, meta))
        nb = nbformat.v4.new_notebook(cells=cells)
        try:
            kernelspec = json.loads(notebook.kernelspec) if notebook.kernelspec else None
        except ValueError:
            kernelspec = None
        nb.metadata["kernelspec"] = kernelspec or {"name": "python3", "display_name": "Python 3",
                                                   "language": "python"}
        out[notebook.name] = nb
    if not out:
        raise ValueError(f"assignment {assignment_id!r} has no notebooks in the gradebook: run "
                         f"`nbgrader generate_assignment {assignment_id}`")
    return out


def _regular_files(folder: Path, ignore, skip=("*.ipynb",)) -> dict[str, Path]:
    """Relative path -> file, for the regular files under ``folder`` (never through a symbolic
    link; names matching ``ignore`` or ``skip`` left out, as nbgrader's ``find_all_files``)."""
    found = {}
    if not folder.is_dir() or folder.is_symlink():
        return found
    for base, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in ignore)
                         and not os.path.islink(os.path.join(base, d)))
        for name in sorted(files):
            if any(fnmatch.fnmatch(name, p) for p in (*ignore, *skip)):
                continue
            path = Path(base, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                found[path.relative_to(folder).as_posix()] = path
    return found


def extra_files(course: Course, assignment_id: str, submitted: Path | None) -> dict[str, Path]:
    """The files beside the notebooks when they run, as ``nbgrader autograde`` lays them out:
    the student's submitted files, then the source folder's (data, images) over them, except
    those ``Autograde.exclude_overwriting`` lists. Notebooks are not among them. Raises
    ValueError when there are more than :data:`MAX_FILES` or over :data:`MAX_FILE_BYTES`."""
    files = _regular_files(submitted, course.ignore) if submitted is not None else {}
    keep = set(course.config.get("Autograde", {}).get("exclude_overwriting", {}).get(assignment_id, []))
    files.update({rel: p for rel, p in _regular_files(course.source_dir(assignment_id),
                                                      course.ignore).items() if rel not in keep})
    total = sum(p.stat().st_size for p in files.values())
    if len(files) > MAX_FILES or total > MAX_FILE_BYTES:
        raise ValueError(f"{len(files)} files of {total / 2**20:.1f} MiB beside the notebooks: over "
                         f"the {MAX_FILES} files / {MAX_FILE_BYTES / 2**20:.0f} MiB the grader copies")
    return files
