"""Reading and rebuilding a submission on its released copy (grader/normalize.py): locked cells
restored, student metadata stripped, deleted cells found, malformed files refused clearly."""
import json
import os

import nbformat
import pytest

from grader.pipeline.normalize import SubmissionError, normalize, read_notebook

from fixture_assignments import tiny_fixture as T


def cell_by_gid(nb, gid):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)


def test_normalize_restores_locked_cells_and_strips_student_metadata():
    sub = T.submission(T.CORRECT)
    test = cell_by_gid(sub, "test_ratio")
    test.source = "pass  # the student emptied the test"
    test.metadata["tags"] = ["skip-execution", "raises-exception"]
    test.metadata.nbgrader["points"] = 100
    cell_by_gid(sub, "answer_ratio").metadata["tags"] = ["parameters", "injected-parameters"]
    sub.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"],
                                                                  "editable": False}))
    sub.metadata["kernelspec"] = {"name": "evil", "language": "R", "display_name": "R"}
    norm = normalize(sub, T.released_notebook())
    released = T.released_notebook()
    restored = cell_by_gid(norm.notebook, "test_ratio")
    assert restored.source == cell_by_gid(released, "test_ratio").source
    assert restored.metadata.nbgrader["points"] == 2 and restored.metadata["tags"] == []
    assert cell_by_gid(norm.notebook, "answer_ratio").source == T.CORRECT["answer_ratio"]
    tagged = [c for c in norm.notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].source == "n_a = 30\nn_b = 10"
    assert norm.notebook.cells[-1].metadata == {"tags": []}
    assert norm.notebook.metadata["kernelspec"]["name"] == "python3"
    assert all(c.get("outputs", []) == [] for c in norm.notebook.cells)
    assert norm.deleted == [] and "test_ratio" in norm.expected


def test_normalize_detects_deleted_cells_and_reinserts_parameters():
    sub = T.submission(T.CORRECT, drop=("test_share", "params", "answer_share"))
    norm = normalize(sub, T.released_notebook())
    assert sorted(norm.deleted) == ["answer_share", "test_share"]
    assert "parameters" in norm.notebook.cells[0].metadata["tags"]
    assert "test_share" not in norm.expected


def test_normalize_duplicate_grade_ids_keep_the_first():
    sub = T.submission(T.CORRECT)
    copy = nbformat.from_dict(json.loads(json.dumps(cell_by_gid(sub, "test_share"))))
    copy.source = "share = lambda a, b: 0.5"
    sub.cells.insert(1, copy)
    norm = normalize(sub, T.released_notebook())
    first = norm.notebook.cells[1]
    assert first.source == "assert share(1, 1) == 0.5" and "nbgrader" in first.metadata
    assert norm.notebook.cells[6].metadata == {"tags": []}  # the original, now a plain cell
    ids = [c["id"] for c in norm.notebook.cells]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------- malformed submissions

@pytest.mark.parametrize("content, message", [
    (b"{nope", "not valid JSON"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
    (b"[1, 2]", "not a Jupyter notebook"),
    (json.dumps({"nbformat": 3, "cells": [], "metadata": {}}).encode(), "nbformat 3"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                 "cells": [{"cell_type": "code"}]}).encode(), "not a valid notebook"),
    (nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x=1")])).encode(),
     "no nbgrader cell metadata"),
])
def test_malformed_notebooks_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=message):
        read_notebook(path)


def test_huge_file_symlink_and_directory_are_refused(tmp_path):
    real = tmp_path / "real.ipynb"
    nbformat.write(T.submission(T.CORRECT), real)
    assert read_notebook(real).cells
    with pytest.raises(SubmissionError, match="limit"):
        read_notebook(real, max_bytes=100)
    link = tmp_path / "link.ipynb"
    os.symlink(real, link)
    with pytest.raises(SubmissionError, match="symbolic link"):
        read_notebook(link)
    with pytest.raises(SubmissionError, match="regular file"):
        read_notebook(tmp_path)
