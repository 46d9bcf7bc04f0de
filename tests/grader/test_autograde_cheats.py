"""Students gaming the grader gain nothing: monkeypatching, tags, early exits, forged output."""
import nbformat
import numpy as np
import pytest

from grader.autograde import autograde

from fixture_assignments import tiny_fixture as T

pytestmark = pytest.mark.slow

WRONG_SHARE = "def share(a, b):\n    return 0.75"
ATTACKS = {
    # wrong answers dressed up by patching what a same-process checker would use
    "patch_builtins": {"answer_share": "import builtins\nbuiltins.round = lambda *a, **k: 3.0\n"
                                       "builtins.abs = lambda x: 0\n" + WRONG_SHARE,
                       "answer_ratio": "ratio = round(1)"},
    "patch_numpy": {"answer_share": "import numpy as np\nnp.isclose = np.allclose = lambda *a, **k: True\n"
                                    "import math\nmath.isclose = lambda *a, **k: True\n" + WRONG_SHARE,
                    "answer_ratio": "ratio = 3.0"},
    "patch_import": {"answer_share": "import builtins\n_imp = builtins.__import__\n"
                                     "def fake(name, *a, **k):\n"
                                     "    if name == 'json':\n        raise ImportError('no json')\n"
                                     "    return _imp(name, *a, **k)\n"
                                     "builtins.__import__ = fake\n" + WRONG_SHARE,
                     "answer_ratio": "ratio = 3.0"},
    "always_equal": {"answer_share": "class Eq(float):\n    def __eq__(self, o):\n        return True\n"
                                     "def share(a, b):\n    return Eq(0.1)",
                     "answer_ratio": "class Any:\n    def __eq__(self, o):\n        return True\n"
                                     "ratio = Any()"},
    "forge_output": {"answer_share": WRONG_SHARE,
                     "answer_ratio": "ratio = 3.0\nimport builtins\n_p = print\n"
                                     "def print(*a, **k):\n"
                                     "    _p(*[str(x).replace('3.0', '9.99') for x in a], **k)\n"
                                     "builtins.print = print"},
    "sys_exit": {"answer_share": "import sys\nsys.exit(0)\n" + WRONG_SHARE,
                 "answer_ratio": "raise SystemExit(0)"},
    "kernel_crash": {"answer_share": "import os\nos._exit(0)", "answer_ratio": "ratio = 3.0"},
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    T.write_course(root)
    subs = root / "submitted"
    notebooks = {sid: T.submission(answers) for sid, answers in ATTACKS.items()}
    # skip-execution / raises-exception on test cells, plus an edited test that always passes
    tagged = T.submission({"answer_share": WRONG_SHARE, "answer_ratio": "ratio = 3.0"})
    for cell in tagged.cells:
        if cell.metadata.nbgrader["grade_id"].startswith("test_"):
            cell.metadata["tags"] = ["skip-execution", "raises-exception"]
            cell.source = "pass"
    notebooks["tags_and_edits"] = tagged
    notebooks["correct"] = T.submission(T.CORRECT)
    for sid, nb in notebooks.items():
        (subs / sid).mkdir(parents=True)
        nbformat.write(nb, subs / sid / "tiny_fixture.ipynb")
    return autograde("tiny_fixture", subs, course_dir=root, workers=2, progress=False)


@pytest.mark.parametrize("student", list(ATTACKS) + ["tags_and_edits"])
def test_attack_gains_no_marks(results, student):
    r = results[student]
    assert r["score"] == 0, r
    assert all(q["feedback"] for q in r["questions"].values())


def test_correct_student_in_the_same_batch_gets_full_marks(results):
    assert results["correct"]["score"] == 3 and results["correct"]["status"] == "graded"


def test_kernel_death_is_an_error_with_a_message(results):
    r = results["kernel_crash"]
    assert r["status"] == "error" and "kernel died" in r["error"]


def test_unsupported_value_is_named_in_feedback(results):
    fb = results["always_equal"]["questions"]["test_ratio"]["feedback"]
    assert fb  # the fixture key says the ratio is wrong; the value never compared equal


def test_fixture_fresh_inputs_never_reproduce_the_published_answers():
    """The attack tests hard-code the published answers (share 0.75, ratio 3.0); the grader draws
    a new seed per run, so no seed may make a fresh probe or parameter set agree with them."""
    for seed in range(3000):
        rng = np.random.default_rng(seed)
        params, probes = T.KEY.parameter_sets(rng), T.KEY.probes(rng)
        (a, b), = probes["share"][1:]
        assert a / (a + b) != 0.75
        assert all(round(p["n_a"] / p["n_b"], 2) != 3.0 for p in params[1:])
