"""Every notebook in git is stored clean: valid nbformat, no outputs, no execution counts."""
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked_notebooks():
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    files = [ROOT / f for f in out.stdout.split()] if out.returncode == 0 else []
    return files or sorted(p for p in ROOT.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
                           and "demo_course" not in p.parts)


@pytest.mark.parametrize("path", _tracked_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_stored_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} cell {i} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
    assert "sys.path" not in "".join(c.source for c in nb.cells), f"{path.name}: no path hacks"
