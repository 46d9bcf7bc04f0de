"""Fair verdicts (issue 13): every reasonable alternative answer in tests/grader/corpus earns full
marks, every near miss there earns exactly the points it lists.

Each entry is executed as a learner would write it: the solution notebook's code cells run in
this process with the entry's answer cells swapped in, once per parameter set the grader uses
(the notebook's own and the fresh ones); the engine's extraction cell reads the answers out of
that kernel and the engine's judge grades the runs. Full-mark entries must also pass every
visible test (a learner is never told "wrong" for an answer the key accepts).
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.contract import load_assignment, load_key
from grader.extract import extraction_cell, read_answers, read_probes, strict_loads
from grader.pipeline.judge import judge
from grader.release import ROOT
from grader.spec import Run

CORPUS = Path(__file__).parent / "corpus"
#: every corpus module (tests/grader/corpus/<assignment id>.py)
ASSIGNMENTS = tuple(sorted(p.stem for p in CORPUS.glob("*.py") if p.stem != "__init__"))


def load_corpus(aid):
    """The corpus module of one assignment (tests/grader/corpus/<aid>.py)."""
    spec = importlib.util.spec_from_file_location(f"corpus_{aid}", CORPUS / f"{aid}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus(kind):
    for aid in ASSIGNMENTS:
        module = load_corpus(aid)
        for label, entry in getattr(module, kind).items():
            yield pytest.param(aid, *entry, id=f"{aid}: {label}")


def _execute(aid, answers, params):
    """Run the solution notebook with ``answers`` in place of its answer cells and ``params`` in
    its parameters cell; return the kernel namespace and the visible tests' failures."""
    nb = nbformat.read(ROOT / "solutions" / aid / f"{aid}.ipynb", as_version=4)
    ns, failures = {}, {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata["nbgrader"]
        gid = meta["grade_id"]
        if gid == "parameters":
            source = "\n".join(f"{name} = {value!r}" for name, value in params.items())
        else:
            source = answers.get(gid, cell.source)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, gid, "exec"), ns)
        except AssertionError as exc:
            if not (meta["grade"] and not meta["solution"]):
                raise
            failures[gid] = str(exc)
    return ns, failures


def grade_entry(aid, answers):
    """(verdicts, visible-test failures per run) for one corpus entry."""
    key = load_key(aid)
    rng = np.random.default_rng(0)
    param_sets = key.parameter_sets(rng)
    probes = {name: [tuple(a) for a in args] for name, args in key.probes(rng).items()}
    runs, failures = [], []
    for params in param_sets:
        ns, failed = _execute(aid, answers, params)
        failures.append(failed)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(extraction_cell(key.answers, probes, "NONCE"), ns)
        payload = strict_loads(out.getvalue().strip().splitlines()[-1][len("NONCE"):], 10**8)
        runs.append(Run(parameters=params, answers=read_answers(payload, key.answers),
                        probes=read_probes(payload, {n: len(a) for n, a in probes.items()}),
                        probe_args=probes))
    return judge(load_assignment(aid), key, runs), failures


def test_every_exercise_has_a_corpus():
    from grader.assignments import ASSIGNMENTS as COURSE

    exercises = {aid for aid in COURSE if aid.startswith("ex")}
    assert exercises <= set(ASSIGNMENTS), exercises - set(ASSIGNMENTS)


@pytest.mark.parametrize("aid, answers, points, why", corpus("FULL"))
def test_reasonable_alternatives_earn_full_marks(aid, answers, points, why):
    verdicts, failures = grade_entry(aid, answers)
    short = {g: v.feedback for g, v in verdicts.items() if v.points < v.max_points}
    assert not short, short
    assert not any(failures), failures


@pytest.mark.parametrize("aid, answers, points, why", corpus("PARTIAL"))
def test_near_misses_earn_what_the_rules_say(aid, answers, points, why):
    verdicts, _ = grade_entry(aid, answers)
    got = {g: verdicts[g].points for g in points}
    assert got == points, {g: verdicts[g].feedback for g in points}
    assert all(verdicts[g].feedback for g in points)  # a lost point always says why
    others = {g: v.feedback for g, v in verdicts.items() if g not in points and v.points < v.max_points}
    assert not others, others
