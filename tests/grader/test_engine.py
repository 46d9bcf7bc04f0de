"""Engine units: answer extraction round trip, strict parsing, normalisation, malformed input."""
import contextlib
import io
import json
import math
import os
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import tiny_assignment as T  # noqa: E402

from grader.extract import (MalformedResult, decode, encode, extraction_cell, read_answers,  # noqa: E402
                            read_probes, strict_loads)
from grader.normalize import SubmissionError, normalize, read_notebook  # noqa: E402
from grader.spec import CallError, Missing, Unsupported  # noqa: E402


def run_extraction(namespace, answers, probes=None, call_timeout=2.0):
    """Execute the kernel-side cell in a plain namespace (as the kernel would) and read it back."""
    probes = probes or {}
    src = extraction_cell(answers, probes, "NONCE", call_timeout)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(src, "<extract>", "exec"), namespace)
    line = [ln for ln in out.getvalue().splitlines() if ln.startswith("NONCE")][-1]
    payload = strict_loads(line[len("NONCE"):], 10**7)
    return (read_answers(payload, answers),
            read_probes(payload, {k: len(v) for k, v in probes.items()}))


def random_value(rng, depth=0):
    kind = rng.integers(0, 9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return bool(rng.integers(0, 2))
    if kind == 2:
        return int(rng.integers(-10**12, 10**12))
    if kind == 3:
        return float(rng.choice([rng.normal() * 1e6, math.inf, -math.inf, 0.1, -0.0]))
    if kind == 4:
        return "".join(rng.choice(list("ab0'\"\\ é\n"), size=int(rng.integers(0, 6))))
    if kind == 5:
        return np.float64(rng.normal())
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.integers(0, 4))]
    if kind == 7:
        keys = [int(rng.integers(0, 5)), str(rng.integers(0, 5)), True, None, 1.5]
        return {keys[int(rng.integers(0, 5))]: random_value(rng, depth + 1)
                for _ in range(rng.integers(0, 4))}
    return rng.integers(0, 3, size=int(rng.integers(0, 4))).astype(rng.choice(["int64", "float32", "bool"]))


def plain(v):
    """What the grader should see for v: numpy converted, tuples as lists."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return (list(a) == list(b) and all(type(k) is type(j) for k, j in zip(a, b))
                and all(same(a[k], b[k]) for k in a))
    return a == b


def test_extraction_round_trip_many_random_values():
    for seed in range(150):
        rng = np.random.default_rng(seed)
        value = random_value(rng)
        answers, _ = run_extraction({"x": value}, ["x"])
        assert same(answers["x"], plain(value)), (seed, value, answers["x"])


def test_int_and_str_keys_survive_and_nan():
    answers, _ = run_extraction({"w": {0: 0.54, "0": np.float32(2.0), 1: float("nan")}}, ["w"])
    assert list(answers["w"]) == [0, "0", 1] and answers["w"]["0"] == 2.0
    assert math.isnan(answers["w"][1])


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class SneakyFloat(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value, type_name", [
    (AlwaysEqual(), "AlwaysEqual"), (SneakyFloat(0.54), "SneakyFloat"), ({1, 2}, "set"),
    ([1, AlwaysEqual()], "AlwaysEqual"), ({AlwaysEqual(): 1}, "AlwaysEqual"), (1j, "complex"),
    (np.array([1 + 2j]), "ndarray"), (print, "builtin_function_or_method"),
])
def test_non_plain_values_are_unsupported(value, type_name):
    answers, _ = run_extraction({"x": value}, ["x"])
    assert isinstance(answers["x"], Unsupported) and type_name in answers["x"].type_name


def test_dataclasses_are_read_as_dicts_of_their_fields():
    """plan_wave returns a WavePlan (a dataclass): it reaches the key as the dict a learner
    could have written, so the key and the visible tests can accept both."""
    from dataclasses import dataclass, field

    from imbalance_kit.labeling import plan_wave

    plan = plan_wave({"Email": 300, "Chat": 700}, seeded=400)
    answers, _ = run_extraction({"waves": [plan, plan]}, ["waves"])
    assert answers["waves"] == [{"quotas": {"Email": 300, "Chat": 700}, "seeded": 400,
                                 "uncertainty": 0, "random": 600, "dedup": True}] * 2

    @dataclass
    class Sneaky:
        inner: object = field(default_factory=AlwaysEqual)

    class Raising:
        __dataclass_fields__ = {"x": None}  # looks like a dataclass, fields() fails

    for value, name in ((Sneaky(), "AlwaysEqual"), (Raising(), "Raising")):
        answers, _ = run_extraction({"x": value}, ["x"])
        assert isinstance(answers["x"], Unsupported) and name in answers["x"].type_name


def test_missing_and_deep_values():
    deep = []
    for _ in range(100):
        deep = [deep]
    answers, _ = run_extraction({"deep": deep}, ["x", "deep"])
    assert answers["x"] == Missing("x")
    assert isinstance(answers["deep"], Unsupported)


def test_probes_results_errors_and_timeouts():
    ns = {}
    exec("def f(counts):\n    return {k: 1 / v for k, v in counts.items()}\n"
         "def slow(x):\n    while True:\n        pass\n"
         "def weird(x):\n    return object()\n"
         "def bad(x):\n    raise ZeroDivisionError('nope')\n"
         "def mutate(d):\n    d[99] = 1\n    return len(d)\n", ns)
    probes = {"f": [({0: 4, "a": 2},)], "slow": [(1,)], "weird": [(1,)], "bad": [(1,)],
              "nothere": [(1,)], "mutate": [({0: 1},), ({0: 1},)]}
    _, got = run_extraction(ns, [], probes, call_timeout=0.3)
    assert got["f"] == [{0: 0.25, "a": 0.5}]
    assert isinstance(got["slow"][0], CallError) and "longer than" in got["slow"][0].message
    assert isinstance(got["weird"][0], CallError) and "not plain data" in got["weird"][0].message
    assert got["bad"][0] == CallError("ZeroDivisionError: nope")
    assert "not defined" in got["nothere"][0].message
    assert got["mutate"] == [2, 2]  # each call gets fresh arguments


def test_encode_rejects_non_plain_probe_arguments():
    with pytest.raises(TypeError):
        encode({(1, 2): 3})
    with pytest.raises(TypeError):
        encode(object())


@pytest.mark.parametrize("text, message", [
    ('{"a": 1, "a": 2}', "duplicate key"), ('[NaN]', "non-standard"), ('[Infinity]', "non-standard"),
    ('{"a": ', "not valid JSON"), ('[' * 100_000 + ']' * 100_000, "nested too deeply"),
    ('"' + "x" * 200 + '"', "larger than"),
], ids=["dupe", "nan", "inf", "truncated", "deep", "large"])
def test_strict_loads_rejects(text, message):
    with pytest.raises(MalformedResult, match=message):
        strict_loads(text, 150 if "x" * 200 in text else 10**7)


@pytest.mark.parametrize("obj", [
    {"__dict__": [[1, 2, 3]]}, {"__dict__": [[[1], 2]]}, {"__dict__": [[1, 2], [1, 3]]},
    {"__float__": "1e5"}, {"__pickle__": "x"}, {"__dict__": [], "extra": 1},
])
def test_decode_rejects_off_encoding(obj):
    with pytest.raises(MalformedResult):
        decode(obj)


def test_read_answers_rejects_forged_shapes():
    with pytest.raises(MalformedResult):
        read_answers({"answers": {"x": {"value": 1}, "y": {"missing": True}}}, ["x"])
    with pytest.raises(MalformedResult):
        read_answers({"answers": {"x": {"value": 1, "points": 10}}}, ["x"])
    with pytest.raises(MalformedResult):
        read_probes({"probes": {"f": [{"ok": 1}]}}, {"f": 2})


# ---------------------------------------------------------------- normalisation

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


def test_fixture_fresh_inputs_never_reproduce_the_published_answers():
    """The attack tests hard-code the published answers (share 0.75, ratio 3.0); the grader draws
    a new seed per run, so no seed may make a fresh probe or parameter set agree with them."""
    for seed in range(3000):
        rng = np.random.default_rng(seed)
        params, probes = T.KEY.parameter_sets(rng), T.KEY.probes(rng)
        (a, b), = probes["share"][1:]
        assert a / (a + b) != 0.75
        assert all(round(p["n_a"] / p["n_b"], 2) != 3.0 for p in params[1:])
