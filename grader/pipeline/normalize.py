"""Reading a submission strictly and rebuilding it from the trusted released notebook.

Nothing a student put in a notebook's metadata is trusted: tags (``skip-execution``,
``raises-exception``, ``parameters``, ``injected-parameters``), nbgrader metadata (points, locks)
and the kernelspec all come from the released copy. Locked cells (instructions, setup, public tests)
get their released source back; answer cells keep the student's source only. Outputs are cleared.
"""
from __future__ import annotations

import functools
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4.rwbase import rejoin_lines

from grader.student_text import parsed_valid_unicode

#: Submissions larger than this are refused before parsing.
MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024


class SubmissionError(ValueError):
    """The submission cannot be graded (malformed file); the message is shown to the instructor."""


@dataclass
class Normalized:
    """The notebook to execute, plus what normalisation found.

    ``deleted``: grade ids of released answer/test cells missing from the submission.
    ``expected``: grade ids of the code cells that must carry an execution count after a run.
    """

    notebook: nbformat.NotebookNode
    deleted: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)


def read_notebook(path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> nbformat.NotebookNode:
    """Read ``path`` as an nbformat-4 notebook or raise :class:`SubmissionError` saying why not."""
    path = Path(path)
    if path.is_symlink():
        raise SubmissionError(f"{path.name} is a symbolic link, not a notebook file")
    if not path.is_file():
        raise SubmissionError(f"{path.name} is not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise SubmissionError(f"{path.name} is {size / 2**20:.1f} MiB, over the "
                              f"{max_bytes / 2**20:.0f} MiB limit for a notebook")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read(max_bytes + 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not UTF-8 text (a binary or corrupted file?)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"{path.name} is not valid JSON (line {exc.lineno}, column "
                              f"{exc.colno}: {exc.msg}); was the file damaged or edited by hand?") from None
    except RecursionError:
        raise SubmissionError(f"{path.name} is nested too deeply to be a notebook") from None
    data = parsed_valid_unicode(data, text)  # a "\\ud800" in a cell must not stop the batch
    if type(data) is not dict or type(data.get("cells")) is not list:
        raise SubmissionError(f"{path.name} is JSON but not a Jupyter notebook (no list of cells)")
    if data.get("nbformat") != 4:
        raise SubmissionError(f"{path.name} has nbformat {data.get('nbformat')!r}; expected 4 "
                              "(save it with a current Jupyter)")
    try:
        nb = rejoin_lines(nbformat.from_dict(data))
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise SubmissionError(f"{path.name} is not a valid notebook: {str(exc).splitlines()[0]}") from None
    if not any(_grade_id(c) for c in nb.cells):
        raise SubmissionError(f"{path.name} has no nbgrader cell metadata; it was not made from "
                              "the released exercise (or the metadata was removed)")
    return nb


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
        return meta["grade_id"]
    return None


def _is_locked(meta: dict) -> bool:
    # nbgrader's rule: test cells (grade, not solution) and explicitly locked cells are read-only
    return bool(meta.get("locked")) or (bool(meta.get("grade")) and not meta.get("solution"))


def _params_index(nb) -> int:
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return i
    return -1


def _fresh(cell_type: str, source: str, metadata: dict | None = None):
    maker = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
             "raw": nbformat.v4.new_raw_cell}[cell_type]
    cell = maker(source=source, metadata=metadata or {})
    cell.metadata.setdefault("tags", [])  # papermill reads tags on every cell
    cell["id"] = uuid.uuid4().hex[:16]
    return cell


def normalize(submission: nbformat.NotebookNode, released: nbformat.NotebookNode) -> Normalized:
    """Rebuild ``submission`` on the trusted ``released`` notebook (see the module docstring)."""
    trusted = {}
    for cell in released.cells:
        gid = _grade_id(cell)
        if gid is not None:
            trusted[gid] = cell
    p_index = _params_index(released)
    params_cell = released.cells[p_index] if p_index >= 0 else None
    params_gid = _grade_id(params_cell) if params_cell is not None else None

    cells, seen = [], set()
    for cell in submission.cells:
        gid = _grade_id(cell)
        if gid in trusted and gid not in seen:
            seen.add(gid)
            if gid == params_gid:
                seen.add("parameters")
            ref = trusted[gid]
            meta = json.loads(json.dumps(ref.metadata))
            source = ref.source if _is_locked(ref.metadata.nbgrader) else cell.source
            new = _fresh(ref.cell_type, source, meta)
        elif params_cell is not None and "parameters" not in seen and (
                cell.get("id") == params_cell.get("id") or cell.source == params_cell.source):
            seen.add("parameters")
            new = _fresh("code", params_cell.source, json.loads(json.dumps(params_cell.metadata)))
        else:
            # a student's own cell (or a copy of a graded one): code and text only, no metadata
            new = _fresh(cell.cell_type, cell.source)
        cells.append(new)

    if params_cell is not None and "parameters" not in seen:
        # papermill injects fresh parameters after this cell, so it must exist exactly once
        cells.insert(0, _fresh("code", params_cell.source, json.loads(json.dumps(params_cell.metadata))))

    deleted = [gid for gid, ref in trusted.items() if gid not in seen
               and (ref.metadata.nbgrader.get("grade") or ref.metadata.nbgrader.get("solution"))]
    expected = [gid for gid in trusted if gid in seen and trusted[gid].cell_type == "code"]

    nb = nbformat.v4.new_notebook(cells=cells, metadata=json.loads(json.dumps(released.metadata)))
    nb.nbformat_minor = max(released.get("nbformat_minor", 5), 5)
    nb.metadata["papermill"] = {}
    return Normalized(nb, deleted, expected)


@functools.lru_cache(maxsize=8)
def read_released(path: str):
    """The released notebook at ``path`` (trusted, read once per process)."""
    return nbformat.read(path, as_version=4)
