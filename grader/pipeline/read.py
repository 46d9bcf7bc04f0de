"""Stage 4: the sandboxed child's raw result -> :class:`grader.spec.Run` objects.

The one place the untrusted result is parsed: strict JSON (:func:`grader.extract.strict_loads`),
exact shapes, strings capped, answers and probe results decoded into the plain values the keys
know (:func:`grader.extract.read_answers`). Anything else is a :class:`MalformedResult` or a
:class:`grader.runner.RunnerError`: the submission's error, with a message.
"""
from __future__ import annotations

import math

from grader.extract import MalformedResult, read_answers, read_probes, strict_loads
from grader.runner import RunnerError
from grader.spec import CallError, Missing, Run

__all__ = ["MalformedResult", "failed_runs", "parse", "read"]


def parse(raw: bytes, max_bytes: int) -> dict:
    """The child's whole result as a JSON object (``{"runs": [...], "outputs": [...]}``)."""
    try:
        result = strict_loads(raw.decode("utf-8", "strict"), max_bytes)
    except (UnicodeDecodeError, MalformedResult) as exc:
        raise RunnerError(f"unreadable result from the grading process: {exc}") from None
    if type(result) is not dict:
        raise RunnerError("unreadable result from the grading process: not an object")
    return result


def read(raw: bytes, max_bytes: int, params: list, probes: dict, answers, expected,
         deleted=(), tests=()) -> tuple[list[Run], object]:
    """``(runs, outputs)``: one :class:`Run` per parameter set, and the first run's (untrusted,
    cleaned again where the autograded notebook is built) cell outputs."""
    result = parse(raw, max_bytes)
    return runs(result, params, probes, answers, expected, deleted, tests), result.get("outputs")


#: What an nbgrader test cell's record adds (:func:`grader.runner.outcome_of_test`): the number its
#: result shows, the start of its standard error, a named tampering an executor found.
TEST_FIELDS = {"partial": (int, float), "stderr": (str,), "tampered": (str,)}


def _test_fields(gid: str, c: dict) -> dict:
    """The test fields of a test cell's record, checked; {} when it has none (a cell that never
    ran has only ``executed`` and ``error``)."""
    extra = set(c) - {"executed", "error"}
    if not extra:
        return {}
    if extra - set(TEST_FIELDS):
        raise MalformedResult(f"malformed record for cell {gid!r}")
    out = {}
    for k, types in TEST_FIELDS.items():
        v = c.get(k)
        if v is not None and type(v) not in types:
            raise MalformedResult(f"malformed {k} of cell {gid!r}")
        if k == "partial" and v is not None:
            try:
                v = float(v)
            except OverflowError:  # a huge int: more than any cell's points
                v = math.inf
        out[k] = v[:500] if type(v) is str else v
    return out


def runs(result: dict, params: list, probes: dict, answers, expected, deleted=(),
         tests=()) -> list[Run]:
    """Turn the child's parsed result into :class:`Run` objects, strictly. ``tests``: grade ids
    of nbgrader test cells, whose records may carry :data:`TEST_FIELDS`."""
    records = result.get("runs")
    if type(records) is not list or len(records) != len(params):
        raise MalformedResult("wrong number of runs in the result")
    counts = {name: len(args) for name, args in probes.items()}
    out = []
    for rec, p in zip(records, params):
        if type(rec) is not dict or set(rec) != {"error", "cells", "payload", "payload_error"}:
            raise MalformedResult("malformed run record")
        for k in ("error", "payload_error"):
            if rec[k] is not None and type(rec[k]) is not str:
                raise MalformedResult(f"malformed {k}")
        cells = {gid: {"executed": False, "error": "the cell is missing"} for gid in expected}
        if type(rec["cells"]) is not dict:
            raise MalformedResult("malformed cell records")
        for gid, c in rec["cells"].items():
            if (gid not in cells or type(c) is not dict or not {"executed", "error"} <= set(c)
                    or (set(c) != {"executed", "error"} and gid not in tests)
                    or type(c["executed"]) is not bool
                    or not (c["error"] is None or type(c["error"]) is str)):
                raise MalformedResult(f"malformed record for cell {gid!r}")
            cells[gid] = {"executed": c["executed"], "error": c["error"] and c["error"][:500],
                          **_test_fields(gid, c)}
        error = (rec["error"] or rec["payload_error"] or None)
        if type(rec["payload"]) is dict:
            got_answers = read_answers(rec["payload"], answers)
            got_probes = read_probes(rec["payload"], counts)
        elif rec["payload"] is None:
            got_answers = {n: Missing(n) for n in answers}
            reason = error or "the answers could not be read"
            got_probes = {n: [CallError(reason[:300])] * k for n, k in counts.items()}
        else:
            raise MalformedResult("malformed payload")
        out.append(Run(parameters=p, answers=got_answers, probes=got_probes, cells=cells,
                       error=error and error[:500], probe_args=probes))
    return _mark_deleted(out, deleted)


def failed_runs(message: str, params: list, probes: dict, answers, expected, deleted=()) -> list[Run]:
    """The runs of a child that failed as a whole: nothing ran, every answer is missing."""
    return _mark_deleted([
        Run(parameters=p, answers={n: Missing(n) for n in answers},
            probes={n: [CallError(message[:300])] * len(a) for n, a in probes.items()},
            cells={gid: {"executed": False, "error": None} for gid in expected},
            error=message, probe_args=probes) for p in params], deleted)


def _mark_deleted(runs: list[Run], deleted) -> list[Run]:
    for run in runs:
        for gid in deleted:
            run.cells[gid] = {"executed": False, "error": "the cell was deleted"}
    return runs
