"""Stage 2: the key's draws -> one notebook per parameter set, the probes, and the sandbox's job.

The job is plain data (:mod:`grader.runner` documents its fields); building it needs the key,
running it (:mod:`grader.pipeline.execute`) does not.
"""
from __future__ import annotations

import ast
import copy
import functools
import secrets

from grader import preimport
from grader.pipeline.normalize import Normalized, read_released


def draw(key, seed: int, defaults_only: bool = False) -> tuple[list[dict], dict[str, list[tuple]]]:
    """``(parameter sets, probes)`` the key draws from ``seed`` (only the first set if
    ``defaults_only``); probes map a function name to the argument tuples it is called with."""
    import numpy as np

    rng = np.random.default_rng(seed)
    params = key.parameter_sets(rng)[:1] if defaults_only else key.parameter_sets(rng)
    probes = {name: [tuple(a) for a in args] for name, args in key.probes(rng).items()}
    return params, probes


def notebooks(norm: Normalized, params: list[dict]) -> list:
    """The normalized notebook with each parameter set injected (papermill), one per set."""
    from papermill.parameterize import parameterize_notebook

    return [parameterize_notebook(copy.deepcopy(norm.notebook), p, kernel_name="python3",
                                  language="python") for p in params]


def job(norm: Normalized, notebooks: list, answers, probes: dict, call_seconds: float,
        released_path: str) -> dict:
    """The sandbox's job: the notebooks, the answer-reading cell and what the template preloads."""
    from grader.extract import extraction_cell

    nonce = secrets.token_hex(16)
    return {"notebooks": notebooks, "nonce": nonce, "expected": norm.expected,
            "preimport": list(preimports(released_path)),
            "prereach": preimport.plan(c.source for c in norm.notebook.cells if c.cell_type == "code"),
            "extraction": extraction_cell(answers, probes, nonce, call_seconds)}


@functools.lru_cache(maxsize=8)
def preimports(path: str) -> tuple[str, ...]:
    """Modules the released notebook imports: the template imports them once per submission
    instead of once per parameter set (trusted source: the released copy; the submission's own
    imports are :func:`grader.preimport.plan`'s)."""
    return imports_in(read_released(path))


def imports_in(nb) -> tuple[str, ...]:
    """Modules a trusted notebook's code cells import, in order, once each."""
    names = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return tuple(dict.fromkeys(names))
