"""Building an assignment's nbgrader source notebook from its folder.

An assignment folder (``grader/assignments/<id>/``) holds the notebook in three parts, each read
from one place:

- ``solution.py``: every code cell as real Python, in percent format: a line ``# %% <cell id>``
  starts each cell; nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers are
  comments in it. It runs top to bottom like the notebook.
- ``notebook.py``: the text (markdown cells, which may be f-strings over the key's constants) and
  the order and kind of the cells, through an :class:`Author`; it defines ``notebooks()``.
- the declaration (``__init__.py``): the points of the grade cells.

:meth:`Author.notebook` checks that every code cell of ``solution.py`` is used once, that every
declared question has its cell, that the parameters cell assigns exactly the key's default
parameters and that the notebook's literal constants are the key's (``KEY.constants``).
``tools/make_notebooks.py`` writes the result to ``solutions/<id>/<notebook>.ipynb``.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .contract import Assignment, AssignmentKey

_MARKER = re.compile(r"^# %% (?P<id>\S+)\s*$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class AuthoringError(ValueError):
    """An assignment's notebook text, code and declaration do not fit together."""


def read_cells(path) -> dict[str, str]:
    """Cell id -> source of the percent-format file ``path`` (text before the first marker,
    such as the module docstring, is not a cell)."""
    cells: dict[str, list[str]] = {}
    current = None
    for line in Path(path).read_text().splitlines():
        m = _MARKER.match(line)
        if m:
            current = m["id"]
            if current in cells:
                raise AuthoringError(f"{path}: cell {current!r} appears twice")
            cells[current] = []
        elif current is not None:
            cells[current].append(line)
    return {cid: "\n".join(lines).strip() for cid, lines in cells.items()}


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _points(p: float):
    return int(p) if float(p).is_integer() else p


def _literals(source: str, where: str) -> dict:
    """name -> value of the top-level ``name = <literal>`` assignments of a code cell."""
    out = {}
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                out[node.targets[0].id] = _NOT_LITERAL
    return out


_NOT_LITERAL = object()


class Author:
    """Builds one notebook of an assignment: code from its ``solution.py``, points from its
    declaration, parameters and constants checked against its key.

    ``folder``: the assignment's folder (pass ``__file__`` of its ``notebook.py``); ``notebook``:
    the declared notebook's name (default: the only one); ``solution``: the file of its code cells.
    """

    def __init__(self, assignment: Assignment, folder, notebook: str | None = None,
                 solution: str = "solution.py"):
        folder = Path(folder)
        self.folder = folder.parent if folder.is_file() else folder
        self.assignment = assignment
        names = [n.name for n in assignment.notebooks]
        name = notebook or (names[0] if len(names) == 1 else None)
        if name not in names:
            raise AuthoringError(f"{assignment.assignment_id}: name the notebook to build, "
                                 f"one of {names}")
        self.declared = next(n for n in assignment.notebooks if n.name == name)
        self.path = self.folder / solution
        self.code = read_cells(self.path)
        self.used: list[str] = []
        self.locked: dict[str, str] = {}  # cell id -> source of locked code cells (setup, tests)

    def _source(self, cell_id: str, src: str | None) -> str:
        if src is not None:
            return src.strip()
        if cell_id not in self.code:
            raise AuthoringError(f"{self.path}: no cell `# %% {cell_id}`")
        self.used.append(cell_id)
        return self.code[cell_id]

    def _question(self, grade_id: str, manual: bool):
        q = next((q for q in self.declared.questions if q.grade_id == grade_id), None)
        if q is None or q.manual != manual:
            kind = "a manual" if manual else "an autograded"
            raise AuthoringError(f"{self.assignment.assignment_id}: {grade_id} is not declared as "
                                 f"{kind} question of {self.declared.name}")
        return q

    def points(self, grade_id: str) -> str:
        """A question's declared points for the text: "3 points", "1 point"."""
        q = next((q for q in self.declared.questions if q.grade_id == grade_id), None)
        if q is None:
            raise AuthoringError(f"{self.assignment.assignment_id}: no question {grade_id}")
        return f"{q.points:g} point{'' if q.points == 1 else 's'}"

    def md(self, cell_id: str, text: str):
        """A locked markdown cell (read-only for students)."""
        return new_markdown_cell(text.strip(), id=cell_id, metadata=_meta(cell_id, locked=True))

    def setup(self, cell_id: str, src: str | None = None):
        """A locked code cell students run but do not edit. ``src``: only for a cell rendered
        from data (such as a quiz bank) rather than written in ``solution.py``."""
        source = self._source(cell_id, src)
        self.locked[cell_id] = source
        return new_code_cell(source, id=cell_id, metadata=_meta(cell_id, locked=True))

    def parameters(self, src: str | None = None):
        """The locked cell tagged ``parameters`` (cell id ``parameters``) that papermill replaces."""
        cell = self.setup("parameters", src)
        cell.metadata["tags"] = ["parameters"]
        return cell

    def answer(self, cell_id: str, src: str | None = None):
        """A solution cell: the region between the markers becomes a stub in the student copy."""
        return new_code_cell(self._source(cell_id, src), id=cell_id,
                             metadata=_meta(cell_id, solution=True))

    def tests(self, grade_id: str, src: str | None = None):
        """A locked test cell of an autograded question, worth its declared points."""
        q = self._question(grade_id, manual=False)
        source = self._source(grade_id, src)
        self.locked[grade_id] = source
        meta = _meta(grade_id, grade=True, locked=True, points=_points(q.points))
        return new_code_cell(source, id=grade_id, metadata=meta)

    def manual(self, grade_id: str, src: str | None = None):
        """The answer cell of a manually graded question (formgrader), worth its declared points."""
        q = self._question(grade_id, manual=True)
        meta = _meta(grade_id, grade=True, solution=True, points=_points(q.points))
        return new_code_cell(self._source(grade_id, src), id=grade_id, metadata=meta)

    def notebook(self, cells: list):
        """The source notebook of ``cells``, after checking it against the folder's other parts."""
        problems = []
        unused = [c for c in self.code if c not in self.used]
        twice = sorted({c for c in self.used if self.used.count(c) > 1})
        if unused:
            problems.append(f"{self.path.name}: cells no notebook cell uses: {unused}")
        if twice:
            problems.append(f"{self.path.name}: cells used twice: {twice}")
        ids = [c.id for c in cells]
        missing = [q.grade_id for q in self.declared.questions if q.grade_id not in ids]
        if missing:
            problems.append(f"declared questions without a cell: {missing}")
        problems += self._constant_problems()
        if problems:
            raise AuthoringError(f"{self.assignment.assignment_id}/{self.declared.name}: "
                                 + "; ".join(problems))
        nb = new_notebook(cells=cells)
        nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
        nbformat.validate(nb)
        return nb

    def _constant_problems(self) -> list[str]:
        """The parameters cell assigns the key's defaults (and constants), as literals; each of the
        key's constants is assigned once, as a literal, in a locked cell (setup or test), with the
        key's value."""
        import numpy as np

        key: AssignmentKey = importlib.import_module(
            f"grader.assignments.{self.assignment.assignment_id}").KEY
        assigned = {cid: _literals(src, cid) for cid, src in self.locked.items()}
        problems = []
        if "parameters" not in assigned:
            return ["no parameters cell"]
        defaults = key.parameter_sets(np.random.default_rng(0))[0]
        params = assigned["parameters"]
        expected = set(defaults) | (set(params) & set(key.constants))
        if set(params) != expected:
            problems.append(f"the parameters cell assigns {sorted(params)} but the key's default "
                            f"parameters are {sorted(defaults)}")
        for name, value in defaults.items():
            if name in params and params[name] != value:
                problems.append(f"parameter {name} = {params[name]!r} in the notebook but "
                                f"{value!r} in the key")
        for name, value in key.constants.items():
            where = [cid for cid, names in assigned.items() if name in names]
            if len(where) != 1:
                problems.append(f"constant {name} must be assigned in exactly one locked cell "
                                f"(found in {where})")
            elif assigned[where[0]][name] is _NOT_LITERAL:
                problems.append(f"constant {name} must be a literal in cell {where[0]!r}")
            elif assigned[where[0]][name] != value:
                problems.append(f"constant {name} is {assigned[where[0]][name]!r} in the notebook "
                                f"but {value!r} in the key")
        return problems


def build(assignment_id: str) -> dict[str, object]:
    """Notebook name -> source notebook of one assignment, from its ``notebook.py``."""
    from .contract import load_assignment

    assignment = load_assignment(assignment_id)
    built = importlib.import_module(f"grader.assignments.{assignment_id}.notebook").notebooks()
    declared = [n.name for n in assignment.notebooks]
    if sorted(built) != sorted(declared):
        raise AuthoringError(f"{assignment_id}: notebook.py builds {sorted(built)} but the "
                             f"assignment declares {declared}")
    return built


def render(nb) -> str:
    """The text a source notebook is stored as."""
    return nbformat.writes(nb) + "\n"
