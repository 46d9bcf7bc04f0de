"""Fresh values for an nbgrader assignment's ``parameters`` cell, declared without Python.

Next to the assignment's source, ``source/<assignment>/parameters.yml``::

    runs: 2                 # re-runs with fresh values besides the notebook's own (default 2)
    parameters:
      n: [5, 20]            # two ints: an int in [5, 20]
      rate: [0.1, 0.9]      # two numbers, one a float: a float in [0.1, 0.9)
      label: {choice: [a, b, c]}

Every notebook of the assignment whose ``parameters``-tagged cell is locked (so the student
cannot change it, and ``generate_assignment`` saved it) then also runs with values drawn at grade
time, and a test passes only if it passes on every run (:func:`grader.keyless.judge`), so an
answer typed in for the notebook's own values fails.
"""
from __future__ import annotations

import math
from pathlib import Path

FILE = "parameters.yml"
MAX_RUNS = 5


class ParameterSpecError(ValueError):
    """The assignment's ``parameters.yml`` is malformed (an instructor's error, named)."""


def _check(name: str, spec):
    where = f"{FILE}: parameter {name!r}"
    if not isinstance(name, str) or not name.isidentifier():
        raise ParameterSpecError(f"{FILE}: {name!r} is not a Python name")
    if isinstance(spec, dict) and set(spec) == {"choice"}:
        values = spec["choice"]
        if not isinstance(values, list) or not values:
            raise ParameterSpecError(f"{where}: choice needs a non-empty list of values")
        return ("choice", values)
    if (isinstance(spec, list) and len(spec) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in spec)):
        lo, hi = spec
        if not all(math.isfinite(x) for x in spec) or lo > hi:
            raise ParameterSpecError(f"{where}: [low, high] needs finite numbers, low <= high")
        return ("int" if all(isinstance(x, int) for x in spec) else "float", (lo, hi))
    raise ParameterSpecError(f"{where}: give [low, high] or {{choice: [...]}}, not {spec!r}")


def load(folder) -> dict | None:
    """The checked spec in ``folder/parameters.yml`` (``{"runs": int, "parameters": {name:
    (kind, values)}}``), or None when there is none. Raises :class:`ParameterSpecError`."""
    import yaml

    path = Path(folder) / FILE
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParameterSpecError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or set(data) - {"runs", "parameters"} or not isinstance(
            data.get("parameters"), dict) or not data["parameters"]:
        raise ParameterSpecError(f"{path}: expected 'parameters:' (a mapping) and optional 'runs:'")
    runs = data.get("runs", 2)
    if not isinstance(runs, int) or isinstance(runs, bool) or not 1 <= runs <= MAX_RUNS:
        raise ParameterSpecError(f"{path}: runs must be a whole number from 1 to {MAX_RUNS}")
    return {"runs": runs, "parameters": {n: _check(n, s) for n, s in data["parameters"].items()}}


def draw(spec: dict, seed: int) -> list[dict]:
    """``spec["runs"]`` fresh parameter sets drawn from ``seed`` (plain Python values)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(spec["runs"]):
        values = {}
        for name, (kind, arg) in spec["parameters"].items():
            if kind == "choice":
                values[name] = arg[int(rng.integers(len(arg)))]
            elif kind == "int":
                values[name] = int(rng.integers(arg[0], arg[1] + 1))
            else:
                values[name] = float(rng.uniform(arg[0], arg[1]))
        sets.append(values)
    return sets
