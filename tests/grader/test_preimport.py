"""A submission's own library imports are loaded once in the template, and nothing a student names
that way changes a verdict (grader/preimport.py, the template in grader/runner.py)."""
import os
import secrets
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import tiny_assignment as T  # noqa: E402

from grader import preimport, sandbox  # noqa: E402
from grader.autograde import autograde  # noqa: E402
from grader.extract import extraction_cell  # noqa: E402
from grader.limits import Limits  # noqa: E402
from grader.runner import child_env, launch  # noqa: E402

needs_sandbox = pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                   reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")

# Printed by a student's first cell before its own imports: what the template loaded.
LOADED = ("import sys\nprint('loaded:', sorted(m for m in ('sklearn', 'sklearn.metrics', 'pandas', "
          "'scipy', 'matplotlib', 'matplotlib.pyplot', 'sklearn.experimental.enable_iterative_imputer'"
          ") if m in sys.modules))\n")
SHARE = "def share(a, b):\n    return a / (a + b)"


# ---------------------------------------------------------------- what the grader picks

def test_plan_keeps_top_level_imports_of_listed_libraries_only():
    sources = [
        "import sklearn\nfrom sklearn.metrics import f1_score, recall_score\nimport pandas as pd",
        "%matplotlib inline\n!pip install imbalanced-learn\nfrom imblearn.over_sampling import *",
        "import os, helper_module, sklearn_evil\nfrom . import local\nfrom scipy import stats",
        "def f():\n    import numpy\nif True:\n    import matplotlib\ntry:\n    import scipy.sparse\n"
        "except ImportError:\n    pass",
        "%%time\nimport numpy",  # a cell magic: not Python
        "import numpy as np\nprint(\"unclosed",
        "x = 1" + " + 1" * 200_000 + "\nimport numpy",  # larger than what is parsed
        "(" * 300 + "\nimport numpy",
    ]
    assert preimport.plan(sources) == ["sklearn", "sklearn.metrics.f1_score",
                                       "sklearn.metrics.recall_score", "pandas",
                                       "imblearn.over_sampling", "scipy.stats"]
    many = ["\n".join(f"from sklearn import name{i}" for i in range(500))]
    assert len(preimport.plan(many)) == preimport.MAX_NAMES


def test_plan_can_be_turned_off_for_the_benchmark(monkeypatch):
    monkeypatch.setenv("IMBALANCE_LAB_SUBMISSION_PREIMPORT", "0")
    assert preimport.plan(["import sklearn"]) == []


@needs_sandbox
@pytest.mark.parametrize("library", sorted(preimport.EARLY))
def test_listed_libraries_are_quiet_and_start_no_thread(library, tmp_path):
    """What the docstring relies on: importing them prints nothing and leaves one thread to fork."""
    code = f"import {library}, os\nprint(len(os.listdir('/proc/self/task')))"
    res = sandbox.run([sys.executable, "-c", code], workdir=tmp_path, env=child_env(tmp_path))
    assert (res.returncode, res.stdout, res.stderr) == (0, b"1\n", b"")


# ---------------------------------------------------------------- the template

def _launch(source: str, limits: Limits, **lists) -> str:
    """Run one cell in a sandboxed template loading ``lists``; return what the cell printed."""
    nonce = secrets.token_hex(8)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    job = {"notebooks": [nb], "nonce": nonce, "expected": [],
           "extraction": extraction_cell((), {}, nonce, 5), **lists}
    result = launch(job, limits)
    assert result["runs"][0]["error"] is None, result["runs"][0]
    return "".join(o.get("text", "") for o in result["outputs"][0]["outputs"])


@needs_sandbox
@pytest.mark.slow
@pytest.mark.parametrize("cell_seconds, lists, loaded", [
    # a name that is not there is no failure: the rest stays loaded
    (10, {"preimport": ["no_such_module_xyz"], "prereach": ["sklearn.nope", "sklearn.metrics.nope"]},
     "['pandas', 'scipy', 'sklearn', 'sklearn.metrics']"),
    # a module that fails partway (on Linux, encodings.mbcs imports a name codecs lacks)
    (10, {"preimport": ["sklearn", "encodings.mbcs"]}, "[]"),
    # loading takes longer than a cell may run
    (0.3, {"preimport": ["sklearn"]}, "[]"),
], ids=["missing", "partway", "slow"])
def test_a_failed_or_slow_preload_leaves_nothing_behind(cell_seconds, lists, loaded):
    """Half-loaded modules never meet student code: the template starts afresh without them."""
    limits = Limits(cell_seconds=cell_seconds, wall_seconds=120)
    assert f"loaded: {loaded}\n" in _launch(LOADED, limits, **lists)


# ---------------------------------------------------------------- whole batches, on and off

HOSTILE_CELLS = [
    # used before the cell that imports (or enables) it: fails in a top-to-bottom run
    "from sklearn.impute import IterativeImputer",
    "import matplotlib\nmatplotlib.pyplot.figure",
    "import imbalance_kit\nimbalance_kit.metrics.pr_auc",
    # names that are not there
    "import sklearn.nope",
    "from sklearn.metrics import no_such_function",
    "import not_a_module_anywhere",
    # the imports the cells above needed, and a library named like the student's own file
    "from sklearn.experimental import enable_iterative_imputer\nimport matplotlib.pyplot\n"
    "from imbalance_kit.metrics import pr_auc\nimport pandas\nprint(pandas.__file__)",
]
EXPECTED_ERRORS = ["ImportError", "AttributeError", "AttributeError", "ModuleNotFoundError",
                   "ImportError", "ModuleNotFoundError"]


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """The same class graded with the submission's imports preloaded, and without."""
    T.install()
    root = tmp_path_factory.mktemp("course")
    T.write_course(root)
    notebooks = {
        "own_imports": T.submission({"answer_share": LOADED + "import sklearn\nfrom sklearn.metrics "
                                     "import f1_score\nimport pandas as pd\nimport matplotlib.pyplot "
                                     "as plt\n" + SHARE, "answer_ratio": T.CORRECT["answer_ratio"]}),
        "hostile": T.submission(T.CORRECT, extra_cells=[nbformat.v4.new_code_cell(c)
                                                        for c in HOSTILE_CELLS]),
    }
    for sid, nb in notebooks.items():
        (root / "submitted" / sid).mkdir(parents=True)
        nbformat.write(nb, root / "submitted" / sid / f"{T.NOTEBOOK}.ipynb")
    # next to the notebook, as a student might hand it in: never mounted, never imported
    (root / "submitted" / "hostile" / "pandas.py").write_text("print('student file ran')\nraise SystemExit")
    out = {}
    for mode in ("1", "0"):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("IMBALANCE_LAB_SUBMISSION_PREIMPORT", mode)
            records = autograde(T.ASSIGNMENT_ID, root / "submitted", course_dir=root, workers=2,
                                force=True, progress=False)
        executed = {sid: nbformat.read(root / "autograded" / sid / T.ASSIGNMENT_ID / f"{T.NOTEBOOK}.ipynb", 4)
                    for sid in records}
        out[mode == "1"] = records, executed
    return out


def _printed(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _errors(nb) -> list:
    return [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


@needs_sandbox
@pytest.mark.slow
def test_a_submissions_own_imports_are_loaded_before_its_first_cell(batches):
    records, executed = batches[True]
    assert records["own_imports"]["status"] == "graded", records["own_imports"]
    assert "loaded: ['matplotlib', 'pandas', 'scipy', 'sklearn', 'sklearn.metrics']" in _printed(
        executed["own_imports"]), "pyplot is no attribute of matplotlib: left to the cell"
    records, executed = batches[False]
    assert records["own_imports"]["status"] == "graded", records["own_imports"]
    assert "loaded: []" in _printed(executed["own_imports"])


@needs_sandbox
@pytest.mark.slow
def test_names_a_student_chose_do_not_change_the_verdict(batches):
    (with_records, with_nbs), (without_records, without_nbs) = batches[True], batches[False]
    for sid in with_records:
        assert with_records[sid]["status"] == without_records[sid]["status"] == "graded"
        assert with_records[sid]["score"] == without_records[sid]["score"] == 3
        assert with_records[sid]["cells"] == without_records[sid]["cells"]
        assert _errors(with_nbs[sid]) == _errors(without_nbs[sid])
    errors = _errors(with_nbs["hostile"])
    assert [name for _, name, _ in errors] == EXPECTED_ERRORS
    printed = _printed(with_nbs["hostile"])
    assert "student file ran" not in printed and "site-packages" in printed
