"""Executing a submission away from the grader: ``python -m grader.runner`` and :func:`launch`.

The grader never runs student code in its own process. :func:`launch` starts this module as a
child process (own session, resource limits, wall-clock timeout, optionally wrapped by a sandbox)
and sends it a *job* as JSON on stdin:

``{"notebooks": [nb, ...], "extraction": src, "nonce": str, "expected": [grade_id, ...],
"limits": {...}}``, one already-parameterized notebook per parameter set.

The child executes each notebook in a fresh kernel (nbclient, ``allow_errors``, per-cell timeout
with interrupt, a per-run time limit), appends the grader's extraction cell (see
:mod:`grader.extract`) and writes ONE JSON object to its stdout:

``{"runs": [{"error", "cells", "payload", "payload_error"}, ...], "outputs": [...]}``

``outputs`` holds the (trimmed) outputs of the first run, one entry per cell, for the autograded
notebook. Everything in it is untrusted: the caller parses it with :func:`grader.extract.strict_loads`.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

#: Characters kept of one stream output, and outputs kept per cell, in the stored notebook.
MAX_STREAM_CHARS = 20_000
MAX_OUTPUTS_PER_CELL = 50
MAX_OUTPUT_BYTES = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission (all its parameter sets together, except ``run_seconds``
    and ``cell_seconds``, which apply to each run and each cell)."""

    cell_seconds: float = 30.0
    run_seconds: float = 120.0
    extract_seconds: float = 60.0
    call_seconds: float = 10.0
    memory_mb: int = 4096
    cpu_seconds: int = 600
    nproc: int = 512
    fsize_mb: int = 64
    result_mb: int = 16

    def wall_seconds(self, n_runs: int) -> float:
        """Hard wall-clock limit for the whole child process."""
        return 30.0 + n_runs * (self.run_seconds + self.extract_seconds + 15.0)


class RunnerError(RuntimeError):
    """The child process failed as a whole (killed, timed out, unreadable result)."""


# ---------------------------------------------------------------- parent side

def _set_rlimits(limits: Limits):
    def apply():
        def lower(which, value):
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard))

        lower(resource.RLIMIT_AS, limits.memory_mb * 2**20)
        lower(resource.RLIMIT_CPU, int(limits.cpu_seconds))
        lower(resource.RLIMIT_NPROC, limits.nproc)
        lower(resource.RLIMIT_FSIZE, limits.fsize_mb * 2**20)
        lower(resource.RLIMIT_CORE, 0)
    return apply


def _descendants(pid: int) -> list[int]:
    """All live descendants of ``pid`` (kernels run in their own sessions, so killpg misses them)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read().decode("ascii", "replace")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill_tree(proc: subprocess.Popen, doomed: list[int]):
    for pid in doomed + [proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def child_env() -> dict:
    """Environment of the child: the grader's, made deterministic and quiet for grading."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg", NBGRADER_EXECUTION="autograde", PYTHONHASHSEED="0",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def launch(job: dict, limits: Limits = Limits(), sandbox=None) -> dict:
    """Run ``job`` in a child ``python -m grader.runner`` and return its parsed (untrusted) result.

    ``sandbox`` optionally maps the command line to a wrapped one (e.g. bubblewrap). Raises
    :class:`RunnerError` when the child is killed, exceeds its wall-clock limit or returns junk.
    """
    from grader.extract import MalformedResult, strict_loads

    argv = [sys.executable, "-m", "grader.runner"]
    if sandbox is not None:
        argv = sandbox(argv)
    data = json.dumps({**job, "limits": asdict(limits)}).encode()
    wall = limits.wall_seconds(len(job["notebooks"]))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                start_new_session=True, preexec_fn=_set_rlimits(limits),
                                env=child_env())
        try:
            out, _ = proc.communicate(data, timeout=wall)
        except subprocess.TimeoutExpired:
            _kill_tree(proc, _descendants(proc.pid))
            proc.communicate()
            raise RunnerError(f"grading took longer than the {wall:.0f} s limit for the whole "
                              "notebook and was stopped") from None
        finally:
            if proc.poll() is None:
                _kill_tree(proc, _descendants(proc.pid))
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read()[-600:].decode("utf-8", "replace").strip()
            reason = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
                      else f"exit status {proc.returncode}")
            raise RunnerError(f"the grading process failed ({reason})"
                              + (f": {tail.splitlines()[-1]}" if tail else ""))
    try:
        result = strict_loads(out.decode("utf-8", "strict"), limits.result_mb * 2**20)
    except (UnicodeDecodeError, MalformedResult) as exc:
        raise RunnerError(f"unreadable result from the grading process: {exc}") from None
    if type(result) is not dict:
        raise RunnerError("unreadable result from the grading process: not an object")
    return result


# ---------------------------------------------------------------- child side

def _trim_outputs(cell) -> None:
    kept, size = [], 0
    for out in cell.get("outputs", [])[:MAX_OUTPUTS_PER_CELL]:
        if out.get("output_type") == "stream" and len(out.get("text", "")) > MAX_STREAM_CHARS:
            out["text"] = out["text"][:MAX_STREAM_CHARS] + "\n[... output truncated by the grader]\n"
        n = len(json.dumps(out))
        if size + n > MAX_OUTPUT_BYTES:
            kept.append({"output_type": "stream", "name": "stderr",
                         "text": "[... further output dropped by the grader: too large]\n"})
            break
        kept.append(out)
        size += n
    cell["outputs"] = kept


def _cell_error(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"[:500]
    return None


def _payload(cell, nonce: str):
    """The extraction cell's JSON line (the last stdout line carrying the nonce)."""
    from grader.extract import strict_loads

    text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = [ln for ln in text.splitlines() if ln.startswith(nonce)]
    if not lines:
        return None, f"the answers could not be read ({_cell_error(cell) or 'no output'})"
    return strict_loads(lines[-1][len(nonce):], 8 * 2**20), None


def _label(cell, index: int) -> str:
    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {gid!r}" if gid else f"cell {index + 1}"


def run_notebook(nb, job: dict, keep_outputs: bool) -> tuple[dict, list]:
    """Execute one parameterized notebook in a fresh kernel; return (run record, outputs)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    limits = job["limits"]
    nonce = job["nonce"]
    nb.cells.append(nbformat.v4.new_code_cell(job["extraction"]))
    workdir = tempfile.mkdtemp(prefix="grader-run-")
    client = NotebookClient(
        nb, timeout=limits["cell_seconds"], interrupt_on_timeout=True, allow_errors=True,
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"the cell ran longer than {limits['cell_seconds']:g} s",
                          "traceback": []},
        kernel_name="python3", startup_timeout=60, record_timing=False,
        skip_cells_with_tag=f"never-skip-{nonce}", resources={"metadata": {"path": workdir}})
    error = payload = payload_error = None
    deadline = time.monotonic() + limits["run_seconds"]
    index = 0
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells[:-1]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    error = (f"the notebook ran longer than {limits['run_seconds']:g} s; stopped "
                             f"before {_label(cell, index)}")
                    break
                client.timeout = max(1, int(min(limits["cell_seconds"], remaining)))
                client.execute_cell(cell, index)
                if keep_outputs:
                    _trim_outputs(cell)
            else:
                index = len(nb.cells) - 1
                client.timeout = int(limits["extract_seconds"])
                client.execute_cell(nb.cells[-1], index)
                payload, payload_error = _payload(nb.cells[-1], nonce)
    except DeadKernelError:
        error = (f"the kernel died while running {_label(nb.cells[index], index)} "
                 "(os._exit, a crash, or running out of memory)")
    except Exception as exc:  # kernel start failures, timeouts the kernel ignored, bad output
        error = f"execution failed at {_label(nb.cells[index], index)}: {type(exc).__name__}: {exc}"[:500]
    cells = {}
    for cell in nb.cells[:-1]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in job["expected"]:
            cells[gid] = {"executed": cell.get("execution_count") is not None,
                          "error": _cell_error(cell)}
    outputs = ([{"execution_count": c.get("execution_count"), "outputs": c.get("outputs", [])}
                for c in nb.cells[:-1] if c.cell_type == "code"] if keep_outputs else [])
    return {"error": error, "cells": cells, "payload": payload, "payload_error": payload_error}, outputs


def main() -> int:
    # jsonschema (via nbformat) imports rfc3987_syntax, which builds a grammar for ~2 s; we never
    # validate IRIs, so skip it to keep the child's start cheap.
    sys.modules["rfc3987_syntax"] = None
    import nbformat

    # Only the grader's JSON goes to the real stdout; kernels inherit a stdout that goes nowhere.
    out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    job = json.loads(sys.stdin.read())
    runs, first_outputs = [], []
    for i, nb_dict in enumerate(job["notebooks"]):
        if runs and runs[-1]["error"]:
            # a crash or time limit repeats on re-runs; do not spend the limits again
            runs.append({"error": f"not run: re-run {i} skipped after an earlier failure",
                         "cells": {}, "payload": None, "payload_error": None})
            continue
        record, outputs = run_notebook(nbformat.from_dict(nb_dict), job, keep_outputs=(i == 0))
        runs.append(record)
        if i == 0:
            first_outputs = outputs
    out.write(json.dumps({"runs": runs, "outputs": first_outputs}))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
