"""Stage 3, execute: a job -> raw bytes from the real sandbox; no key, solution or gradebook."""
import secrets

import nbformat
import pytest

from grader import sandbox
from grader.extract import extraction_cell
from grader.limits import Limits
from grader.pipeline.execute import execute
from grader.pipeline.read import read

pytestmark = pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")


def test_execute_returns_the_raw_result_that_read_turns_into_runs():
    nonce = secrets.token_hex(8)
    cell = nbformat.v4.new_code_cell("x = 6 * 7\ndef f(a):\n    return a + 1",
                                     metadata={"nbgrader": {"grade_id": "q1"}})
    job = {"notebooks": [nbformat.v4.new_notebook(cells=[cell])], "nonce": nonce, "expected": ["q1"],
           "extraction": extraction_cell(("x",), {"f": [(1,)]}, nonce, 5)}
    raw = execute(job, Limits(wall_seconds=120))
    assert type(raw) is bytes  # nothing parsed here: that is the read stage's alone
    (run,), _ = read(raw, Limits().output_kb * 1024, [{}], {"f": [(1,)]}, ("x",), ["q1"])
    assert run.answers == {"x": 42} and run.probes == {"f": [2]}
    assert run.cells == {"q1": {"executed": True, "error": None}} and run.error is None
