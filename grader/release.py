"""Generate the student copies in ``exercises/`` from the nbgrader sources in ``solutions/``.

nbgrader's ``generate_assignment`` runs in a temporary course directory (a copy of
``solutions/`` as its source directory, a throw-away SQLite gradebook), so a release never
writes a database into the repository. The generated notebooks are normalised (no outputs or
execution counts, only nbgrader metadata and tags) so that regenerating gives identical bytes
and ``check`` can compare them with the committed ``exercises/``.

Before generating, every source notebook is linted: unique grade ids, points on every grade
cell, test cells locked, exactly one locked, ungraded cell tagged ``parameters``, no stored
outputs, and grade cells (ids, points, manual or auto) and answer cells that match the
assignment's declaration (:mod:`grader.contract`), whose key must match it too.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .contract import GradingConfigError, load_assignment, load_key, notebook_problems

ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "imbalance-lab"
SOURCE_DIR, RELEASE_DIR = "solutions", "exercises"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
KEEP_CELL_METADATA = ("deletable", "editable", "nbgrader", "tags")


class ReleaseError(RuntimeError):
    """A source notebook is malformed or nbgrader failed to generate an assignment."""


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)   # generated but not in exercises/
    extra: list[str] = field(default_factory=list)     # in exercises/ but not generated
    changed: list[str] = field(default_factory=list)   # different bytes

    def __bool__(self):
        return bool(self.missing or self.extra or self.changed)

    def lines(self) -> list[str]:
        return ([f"missing: {p}" for p in self.missing] + [f"not generated: {p}" for p in self.extra]
                + [f"differs: {p}" for p in self.changed])


def assignment_ids(root: Path = ROOT) -> list[str]:
    """Every assignment in the source directory (one folder each)."""
    src = Path(root) / SOURCE_DIR
    return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))


def lint_notebook(nb, name: str = "notebook") -> list[str]:
    """Problems with one source notebook's nbgrader markup (empty list when it is sound)."""
    problems = []
    ids: dict[str, int] = {}
    params = []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        where = f"{name} cell {i}"
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{where}: stored outputs or execution count (store notebooks clean)")
        if "parameters" in cell.metadata.get("tags", []):
            params.append(i)
            if not (meta and meta.get("locked")) or (meta and meta.get("grade")):
                problems.append(f"{where}: the `parameters` cell must be locked and not graded")
        if not meta:
            continue
        gid = meta.get("grade_id")
        if not gid:
            if meta.get("grade") or meta.get("solution") or meta.get("locked"):
                problems.append(f"{where}: nbgrader cell without grade_id")
            continue
        if gid in ids:
            problems.append(f"{name}: duplicate grade_id {gid!r} (cells {ids[gid]} and {i})")
        ids[gid] = i
        if meta.get("grade"):
            points = meta.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
                problems.append(f"{where}: grade cell {gid!r} has no positive points")
            if not meta.get("solution") and not meta.get("locked"):
                problems.append(f"{where}: test cell {gid!r} is not locked")
    if len(params) != 1:
        problems.append(f"{name}: {len(params)} cells tagged `parameters` (need exactly one)")
    return problems


def lint_assignment(aid: str, root: Path = ROOT) -> list[str]:
    """Problems with one assignment's source folder: its declaration and key must load, and each
    declared notebook must be there, sound, and match the declaration (nothing else may be)."""
    folder = Path(root) / SOURCE_DIR / aid
    try:
        assignment = load_assignment(aid)
        load_key(aid)
    except (ValueError, GradingConfigError) as exc:
        return [f"{SOURCE_DIR}/{aid}: {exc}"]
    problems = []
    declared = [n.name for n in assignment.notebooks]
    extra = sorted(p.name for p in folder.glob("*.ipynb") if p.stem not in declared)
    if extra:
        problems.append(f"{SOURCE_DIR}/{aid}: notebooks the assignment does not declare: {extra}")
    for name in declared:
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            problems.append(f"{SOURCE_DIR}/{aid}: the declared notebook {name}.ipynb is missing")
            continue
        nb = nbformat.read(path, as_version=4)
        problems += lint_notebook(nb, f"{SOURCE_DIR}/{aid}/{name}.ipynb")
        problems += notebook_problems(assignment, name, nb)
    return problems


def lint(root: Path = ROOT) -> list[str]:
    from .assignments import ASSIGNMENTS

    ids = assignment_ids(root)
    problems = [f"{SOURCE_DIR}/{aid}: missing (the assignment is registered in "
                "grader/assignments; run tools/make_notebooks.py)"
                for aid in ASSIGNMENTS if aid not in ids]
    for aid in ids:
        problems += lint_assignment(aid, root)
    return problems


def normalise(nb) -> str:
    """Stable text of a student notebook: no outputs, only the metadata nbgrader needs."""
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if "attachments" in cell and not cell["attachments"]:
            del cell["attachments"]
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def generate(out_dir: Path, root: Path = ROOT, ids: list[str] | None = None) -> list[Path]:
    """Generate normalised student copies of ``ids`` (default: all) into ``out_dir``.

    Returns the written files. Raises :class:`ReleaseError` on lint problems or nbgrader errors.
    """
    problems = lint(root)
    if problems:
        raise ReleaseError("source notebooks have problems:\n  " + "\n  ".join(problems))
    ids = assignment_ids(root) if ids is None else ids
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    written = []
    with tempfile.TemporaryDirectory(prefix="imbalance-release-") as tmp:
        course = Path(tmp)
        shutil.copytree(Path(root) / SOURCE_DIR, course / SOURCE_DIR)
        c = Config()
        c.CourseDirectory.root = str(course)
        c.CourseDirectory.course_id = COURSE_ID
        c.CourseDirectory.source_directory = SOURCE_DIR
        c.CourseDirectory.release_directory = RELEASE_DIR
        c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
        c.ClearSolutions.code_stub = {"python": CODE_STUB}
        api = NbGraderAPI(CourseDirectory(config=c), config=c)
        for aid in ids:
            result = api.generate_assignment(aid, force=True, create=True)
            if not result.get("success"):
                raise ReleaseError(f"nbgrader generate_assignment {aid} failed:\n"
                                   f"{result.get('error') or result.get('log')}")
            for src in sorted((course / RELEASE_DIR / aid).rglob("*")):
                if not src.is_file():
                    continue
                dest = Path(out_dir) / aid / src.relative_to(course / RELEASE_DIR / aid)
                dest.parent.mkdir(parents=True, exist_ok=True)
                if src.suffix == ".ipynb":
                    dest.write_text(normalise(nbformat.read(src, as_version=4)))
                else:
                    shutil.copyfile(src, dest)
                written.append(dest)
    return written


def _files(base: Path) -> dict[str, bytes]:
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def check(root: Path = ROOT) -> Drift:
    """Regenerate into a temporary directory and compare with the committed ``exercises/``."""
    with tempfile.TemporaryDirectory(prefix="imbalance-check-") as tmp:
        generate(Path(tmp), root)
        fresh = _files(Path(tmp))
    committed = _files(Path(root) / RELEASE_DIR) if (Path(root) / RELEASE_DIR).exists() else {}
    drift = Drift()
    for rel in sorted(fresh.keys() | committed.keys()):
        shown = f"{RELEASE_DIR}/{rel}"
        if rel not in committed:
            drift.missing.append(shown)
        elif rel not in fresh:
            drift.extra.append(shown)
        elif fresh[rel] != committed[rel]:
            drift.changed.append(shown)
    return drift


def release(root: Path = ROOT) -> list[Path]:
    """Regenerate ``exercises/`` in place: each assignment folder is replaced as a whole."""
    out = Path(root) / RELEASE_DIR
    with tempfile.TemporaryDirectory(prefix="imbalance-release-out-") as tmp:
        generate(Path(tmp), root)
        out.mkdir(exist_ok=True)
        for old in out.iterdir():
            if old.is_dir() and not (Path(tmp) / old.name).exists():
                shutil.rmtree(old)
        for new in sorted(Path(tmp).iterdir()):
            shutil.rmtree(out / new.name, ignore_errors=True)
            shutil.copytree(new, out / new.name)
    return sorted(p for p in out.rglob("*") if p.is_file())
