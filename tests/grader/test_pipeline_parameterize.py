"""Stage 2, parameterize: the key's draws -> notebooks and the sandbox's job (plain data)."""
import json

import nbformat

from grader.contract import load_key
from grader.pipeline import parameterize
from grader.pipeline.normalize import Normalized

KEY = load_key("ex01_class_weights")


def _norm() -> Normalized:
    cells = [nbformat.v4.new_code_cell("n = 0", metadata={"tags": ["parameters"]}),
             nbformat.v4.new_code_cell("import numpy as np\nx = n + 1", metadata={"tags": []})]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"papermill": {}})  # as normalize leaves it
    return Normalized(nb, expected=["q1"])


def test_the_draw_depends_on_the_seed_only():
    assert repr(parameterize.draw(KEY, 7)) == repr(parameterize.draw(KEY, 7))
    params, probes = parameterize.draw(KEY, 7)
    assert parameterize.draw(KEY, 7, defaults_only=True)[0] == params[:1]
    assert all(type(args) is tuple for calls in probes.values() for args in calls)


def test_each_parameter_set_is_injected_into_its_own_copy():
    norm = _norm()
    nbs = parameterize.notebooks(norm, [{"n": 1}, {"n": 2}])
    injected = [[c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])] for nb in nbs]
    assert ["n = 1" in i[0].source for i in injected] == [True, False]
    assert "n = 2" in injected[1][0].source and len(norm.notebook.cells) == 2  # the original is untouched


def test_the_job_is_plain_data_without_the_key(tmp_path):
    released = tmp_path / "released.ipynb"
    nbformat.write(_norm().notebook, released)
    norm = _norm()
    job = parameterize.job(norm, parameterize.notebooks(norm, [{"n": 1}]), ("x",), {"f": [(1,)]},
                           5.0, str(released))
    assert set(job) == {"notebooks", "nonce", "expected", "preimport", "prereach", "extraction"}
    assert job["preimport"] == ["numpy"] and job["expected"] == ["q1"]
    assert json.loads(json.dumps(job)) == json.loads(json.dumps(job))  # JSON all the way down
    assert job["nonce"] in job["extraction"]
