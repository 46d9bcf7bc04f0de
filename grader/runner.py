"""Executing a submission away from the grader: ``python -m grader.runner`` and :func:`launch`.

The grader never runs student code in its own process. :func:`launch` starts this module through
:func:`grader.sandbox.run` (bubblewrap unless the instructor chose ``--unsafe-no-sandbox``), in an
empty work directory, and sends it a *job* as JSON on stdin:

``{"notebooks": [nb, ...], "extraction": src, "nonce": str, "expected": [grade_id, ...],
"preimport": [module, ...], "prereach": [name, ...], "limits": {...}}``, one already-parameterized
notebook per parameter set, and optionally ``"tests": [grade_id, ...]``: nbgrader test cells,
run by :mod:`grader.test_cells` outside the shell (compiled in the template before the fork),
whose records also say what their outputs show (:func:`outcome_of_test`) and, from the
executor's signed verdict, ``"partial"`` (the number the cell's result is, or None) and
``"tampered"`` (None, or what the student's code changed that the test relies on).

Inside, this module is a *template*: it loads once the modules the released exercise imports and
the well-known libraries the submission imports (:mod:`grader.preimport`, which says why that
cannot change a verdict), imports IPython, builds a clean interactive shell, and then forks one
fresh copy of itself per parameter set. Each copy executes the notebook's code cells one at a
time on the template's command (so the template knows which cell runs and times it), appends the
grader's extraction cell (:mod:`grader.extract`) and dies; nothing is carried from one run to the
next, and nothing from one student to another (every submission gets its own sandbox and its own
template). The template writes ONE JSON object to its stdout:

``{"runs": [{"error", "cells", "payload", "payload_error"}, ...], "outputs": [...]}``

A cell that raises, or stops at a limit the kernel survives (interrupted at its time limit, a
MemoryError at the memory limit), is an error of that cell, in ``cells[grade_id]["error"]``
(``"CellTimeoutError: ..."``/``"MemoryError: ..."`` for limits, see :data:`LIMIT_ERRORS`); the run
goes on. ``error`` is set only when the run as a whole stopped (the kernel died or would not stop,
the wall time ran out, a cell's output was too large): then no answers were read.

``outputs`` holds the (trimmed) outputs of the first run, one entry per code cell. Everything the
copies send is untrusted and is cleaned here; the grader parses the whole result again in one
place, :mod:`grader.pipeline.read`. No file the student's code could write is ever read back.

Before the first copy is handed a cell (or before it loads the libraries the submission names,
whichever comes first), the template writes :data:`STARTED` to its stderr, which no copy can reach. A sandbox that failed without it failed before any student code ran (bubblewrap
or the uid switch failed, no process was free for the copy): :func:`launch` raises
:class:`grader.sandbox.InfrastructureError` for it, the grader's problem, not the student's.
"""
from __future__ import annotations

import json
import os
import secrets
import select
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from grader import preimport, test_cells
from grader.limits import KILL_GRACE_SECONDS, Limits
from grader.processes import die_with_parent, signal_name, signal_of

#: Characters kept of one stream output, and outputs kept per cell, in the stored notebook.
MAX_STREAM_CHARS = 20_000
MAX_OUTPUTS_PER_CELL = 50
#: Seconds a cell gets to stop after the interrupt sent at its time limit.
INTERRUPT_GRACE = 3.0
#: What the template writes to its stderr once a copy is ready for the student's first cell.
STARTED = b"grader.runner: the first run has started\n"


class RunnerError(RuntimeError):
    """The child process failed as a whole (killed, timed out, unreadable result)."""


#: Error names the runner gives a cell that stopped at a limit the kernel survived (its time
#: limit, then interrupted; the memory limit, as a MemoryError). Such a cell is an error of that
#: cell only: later cells and the answer-reading cell still run.
LIMIT_ERRORS = ("CellTimeoutError", "MemoryError")


# ---------------------------------------------------------------- parent side (the grader)

def launch(job: dict, limits: Limits = Limits(), *, sandbox: bool = True,
           uid: int | None = None, service=None) -> bytes:
    """Run ``job`` in a child ``python -m grader.runner`` and return its raw (untrusted) result,
    for :mod:`grader.pipeline.read` to parse.

    The child runs in a fresh empty directory (mounted alone at /submission when sandboxed) as
    ``uid`` (default: this process's leased uid, :func:`grader.uids.process_uid`). Raises
    :class:`RunnerError`, naming the limit, when the child is killed or exceeds a limit as a
    whole (``output_kb`` too); limits hit inside a run are reported in the run records. Raises
    :class:`grader.sandbox.InfrastructureError` when it failed before the student's code ran.

    ``service``, when given, is a grader-side service the notebook may talk to (the toxicity
    project's labeling oracle): it is started in the work directory before the child and closed
    after it, so its socket is visible inside the sandbox. Its report stays with the caller.
    """
    from grader import sandbox as sb

    data = json.dumps({**job, "limits": limits.to_dict()}).encode()
    # The child stops itself at wall_seconds and reports; the hard kill comes a little later.
    hard = replace(limits, wall_seconds=limits.wall_seconds + KILL_GRACE_SECONDS)
    with tempfile.TemporaryDirectory(prefix="grader-submission-") as work:
        env = service.start(Path(work), sb.SANDBOX_WORKDIR if sandbox else None) if service else {}
        try:
            res = sb.run([sys.executable, "-m", "grader.runner"], workdir=Path(work), limits=hard,
                         stdin=data, uid=uid, sandbox=sandbox, env=env)
        finally:
            if service is not None:
                service.stop()
    if (res.limit or res.returncode != 0) and STARTED not in res.stderr:
        why = f"stopped at the {res.limit}" if res.limit else _exit_reason(res)
        raise sb.InfrastructureError(f"the sandbox failed before running any of the submission ({why})")
    if res.limit:
        named = limits.describe("wall_seconds") if res.limit.startswith("wall") else res.limit
        raise RunnerError(f"grading was stopped: the {named} was reached")
    if res.returncode != 0:
        raise RunnerError(f"the grading process failed ({_exit_reason(res)})")
    return res.stdout


def _exit_reason(res) -> str:
    """How a child ended, with the last line it wrote to stderr."""
    name = signal_name(signal_of(res.returncode))
    reason = f"killed by {name}" if name else f"exit status {res.returncode}"
    tail = res.stderr.replace(STARTED, b"").decode("utf-8", "replace").strip().splitlines()
    return reason + (f": {tail[-1][:300]}" if tail else "")


# ---------------------------------------------------------------- the template (in the sandbox)

def _trim_outputs(outputs: list, max_bytes: int) -> list:
    """Clean untrusted outputs to nbformat shapes and cap their number and size."""
    kept, size = [], 0
    for out in outputs[:MAX_OUTPUTS_PER_CELL]:
        out = _clean_output(out)
        if out is None:
            continue
        if out["output_type"] == "stream" and len(out["text"]) > MAX_STREAM_CHARS:
            out["text"] = out["text"][:MAX_STREAM_CHARS] + "\n[... output truncated by the grader]\n"
        n = len(json.dumps(out))
        if size + n > max_bytes:
            kept.append({"output_type": "stream", "name": "stderr",
                         "text": "[... further output dropped by the grader: too large]\n"})
            break
        kept.append(out)
        size += n
    if len(outputs) > MAX_OUTPUTS_PER_CELL:
        kept.append({"output_type": "stream", "name": "stderr",
                     "text": "[... further outputs dropped by the grader: too many]\n"})
    return kept


def _strs(d) -> dict:
    return {k: v for k, v in d.items() if type(k) is str and type(v) is str} if type(d) is dict else {}


def _clean_output(out):
    if type(out) is not dict:
        return None
    kind = out.get("output_type")
    if kind == "stream" and out.get("name") in ("stdout", "stderr") and type(out.get("text")) is str:
        return {"output_type": "stream", "name": out["name"], "text": out["text"]}
    if kind in ("execute_result", "display_data"):
        clean = {"output_type": kind, "data": _strs(out.get("data")), "metadata": {}}
        if kind == "execute_result":
            count = out.get("execution_count")
            clean["execution_count"] = count if type(count) is int else None
        return clean
    if kind == "error":
        tb = out.get("traceback")
        return {"output_type": "error", "ename": str(out.get("ename"))[:200],
                "evalue": str(out.get("evalue"))[:2000],
                "traceback": [t[:5000] for t in tb[:100] if type(t) is str] if type(tb) is list else []}
    return None


def _cell_error(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"[:500]
    return None


# ---------------------------------------------------------------- test cells (nbgrader's way)
#: Characters of a test cell's standard error kept in its record.
MAX_STDERR_CHARS = 300


def outcome_of_test(outputs: list) -> dict:
    """What an nbgrader test cell's (cleaned) outputs say, read as nbgrader's ``determine_grade``
    reads them: outputs in order, the first error, stderr text or ``execute_result`` decides.

    Returns the record fields a test cell adds to ``{"executed", "error"}``: ``"partial"``, the
    number its ``execute_result`` (text/plain) shows, or None (no result, or not a number: full
    credit); ``"stderr"``, the start of what it wrote to standard error before any result (nbgrader
    gives no points for that), or None; ``"tampered"``, None here (a named reason when an executor
    finds that the student's code changed how the tests run). The grader judges these
    (:mod:`grader.keyless`), never trusting them beyond their types.
    """
    out = {"partial": None, "stderr": None, "tampered": None}
    for o in outputs:
        kind = o.get("output_type")
        if kind == "error":
            break
        if kind == "stream" and o.get("name") == "stderr":
            out["stderr"] = o.get("text", "")[:MAX_STDERR_CHARS]
            break
        if kind == "execute_result":
            text = o.get("data", {}).get("text/plain", "")
            try:
                value = float(text)
            except (TypeError, ValueError):
                break  # not a number: nbgrader gives full credit
            # JSON carries no nan/inf: nbgrader gives full credit for nan and -inf (not >= 0) and
            # fails the cell for +inf (more than its points); the largest float does the same here
            out["partial"] = (None if value != value or value == float("-inf")
                              else min(value, sys.float_info.max))
            break
    return out


def _payload(outputs: list, nonce: str):
    """The extraction cell's JSON line (the last stdout line carrying the nonce)."""
    from grader.extract import strict_loads

    text = "".join(o.get("text", "") for o in outputs
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = [ln for ln in text.splitlines() if ln.startswith(nonce)]
    if not lines:
        err = _cell_error({"outputs": outputs})
        return None, f"the answers could not be read ({err or 'no output'})"
    return strict_loads(lines[-1][len(nonce):], 8 * 2**20), None


def _label(cell, index: int) -> str:
    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {gid!r}" if gid else f"cell {index + 1}"


def _death(status: int, limits: Limits) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"it exited with status {code} (os._exit or a crash)"
    sig = -code
    if sig == signal.SIGXCPU:
        return f"the {limits.describe('cpu_seconds')} was reached"
    if sig == signal.SIGKILL:
        return f"it was killed, probably for running out of memory ({limits.describe('memory_mb')})"
    return f"it crashed ({signal_name(sig) or f'signal {sig}'}{', a segmentation fault' if sig == signal.SIGSEGV else ''})"


_TIMEOUT, _EOF, _TOO_BIG = object(), object(), object()


class _Replies:
    """Reads newline-terminated replies from a run's pipe, with timeouts and a size cap."""

    def __init__(self, fd: int, pid: int):
        self.fd, self.buf = fd, bytearray()
        try:
            self.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = None
        self.eof = False

    def read(self, timeout: float, cap: int):
        deadline = time.monotonic() + timeout
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line = bytes(self.buf[:nl])
                del self.buf[:nl + 1]
                return line
            if len(self.buf) > cap:
                return _TOO_BIG
            if self.eof:
                return _EOF
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _TIMEOUT
            watched = [self.fd] + ([self.pidfd] if self.pidfd is not None else [])
            ready, _, _ = select.select(watched, [], [], min(remaining, 1.0 if self.pidfd is None else remaining))
            if self.fd in ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    self.eof = True
                self.buf += chunk
            elif ready:
                # the copy died; its pipe may still be held open by a process it forked
                self.eof = not select.select([self.fd], [], [], 0.05)[0]

    def reply(self, token: str, timeout: float, cap: int):
        """The next reply tagged ``token`` (lines with another tag, or none, are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.read(max(0.0, deadline - time.monotonic()), cap)
            if type(line) is not bytes:
                return line
            try:
                got = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if type(got) is dict and got.get("id") == token:
                return got

    def close(self):
        os.close(self.fd)
        if self.pidfd is not None:
            os.close(self.pidfd)


def run_notebook(nb: dict, job: dict, limits: Limits, deadline: float, workdir: str,
                 keep_outputs: bool) -> tuple[dict, list]:
    """Execute one parameterized notebook in a fresh fork of the template; return (record, outputs)."""
    nonce = job["nonce"]
    code = [(i, c) for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "code"]
    extraction = {"cell_type": "code", "source": job["extraction"], "metadata": {}}
    os.makedirs(workdir, exist_ok=True)
    tests = job.get("tests") or ()
    # the test cells are compiled here, before any student code of this run exists
    key = secrets.token_bytes(32)
    prepared = test_cells.Tests(nb, tests, _SNAPSHOT[0], _SHELL[0].transform_cell, key,
                                _SHELL[0].user_ns) if tests else None
    verdicts: dict[int, dict] = {}  # code cell index -> a test cell's checked verdict
    tampering: list = []  # what this run's tests found so far
    cmd_r, cmd_w = os.pipe()
    rep_r, rep_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the fresh copy that runs student code
        os.close(cmd_w)
        os.close(rep_r)
        if prepared is not None:
            test_cells.forget(job, nb)
        _Copy(cmd_r, rep_w, workdir, prepared).serve()
    os.close(cmd_r)
    os.close(rep_w)
    os.write(2, STARTED)  # from here on, what happens may be the student's doing
    replies = _Replies(rep_r, pid)
    error = payload = payload_error = None
    count = 0
    results: dict[int, list] = {}
    limited: dict[int, str] = {}  # code cell index -> the limit it stopped at (its cell error)
    cell_cap = limits.cell_output_kb * 1024
    try:
        for index, cell in [*code, (len(nb["cells"]), extraction)]:
            is_extraction = cell is extraction
            label = "the grader's answer-reading cell" if is_extraction else _label(cell, index)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                error = f"the {limits.describe('wall_seconds')} was reached; stopped before {label}"
                break
            source = cell.get("source", "")
            source = "".join(source) if type(source) is list else str(source)
            token = secrets.token_hex(8)
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            command = ({"id": token, "test": gid, "trim": True} if gid in tests and not is_extraction else
                       {"id": token, "code": source, "trim": not is_extraction,
                        "locked": bool(prepared) and test_cells.is_locked(cell)})
            os.write(cmd_w, json.dumps(command).encode() + b"\n")
            budget = limits.extract_seconds if is_extraction else limits.cell_seconds
            cap = 4 * limits.output_kb * 1024 if is_extraction else 4 * cell_cap
            reply = replies.reply(token, min(budget, remaining), cap)
            timed_out = wall = None
            if reply is _TIMEOUT:
                wall = remaining < budget
                timed_out = (limits.describe("wall_seconds") if wall
                             else limits.describe("extract_seconds" if is_extraction else "cell_seconds"))
                os.kill(pid, signal.SIGINT)
                reply = replies.reply(token, INTERRUPT_GRACE, cap)
                if reply is _TIMEOUT:
                    error = f"{label} ran longer than the {timed_out} and did not stop when interrupted"
                    break
            if reply is _TOO_BIG:
                error = f"{label} produced more output than the {limits.describe('cell_output_kb')}"
                break
            if reply is _EOF:
                status = _reap(pid)
                pid = None if status is not None else pid
                error = (f"the kernel died while running {label}: {_death(status, limits)}"
                         if status is not None else
                         f"the kernel stopped answering while running {label} (it closed its output)")
                break
            count += 1
            outputs = reply["outputs"] if type(reply.get("outputs")) is list else []
            if "test" in command and not timed_out:
                verdicts[index] = test_cells.record(reply.get("verdict"), reply.get("proof"), token,
                                                    key, tampering)
            if is_extraction:
                outputs = [o for o in (_clean_output(o) for o in outputs[:MAX_OUTPUTS_PER_CELL]) if o]
                try:
                    payload, payload_error = _payload(outputs, nonce)
                except ValueError as exc:
                    payload_error = f"the answers could not be read ({exc})"
                if timed_out:
                    payload_error = f"reading the answers took longer than the {timed_out}"
                break
            outputs = _trim_outputs(outputs, cell_cap)
            if timed_out:
                outputs = [o for o in outputs if not (o["output_type"] == "error"
                                                      and o["ename"] == "KeyboardInterrupt")]
                evalue = f"the cell ran longer than the {timed_out} and was interrupted"
                outputs.append({"output_type": "error", "ename": "CellTimeoutError",
                                "evalue": evalue, "traceback": []})
                limited[index] = f"CellTimeoutError: {evalue}"
            else:
                memory = next((o for o in outputs if o["output_type"] == "error"
                               and o["ename"] == "MemoryError"), None)
                if memory is not None:
                    detail = f": {memory['evalue']}" if memory["evalue"] else ""
                    memory["evalue"] = (f"the cell ran out of memory (the "
                                        f"{limits.describe('memory_mb')}){detail}")[:2000]
                    limited[index] = f"MemoryError: {memory['evalue']}"[:500]
            results[index] = [count, outputs]
            if wall:
                # no time is left to read the answers: the run as a whole stops here
                error = f"{label} was interrupted: the {timed_out} was reached"
                break
    except BrokenPipeError:
        error = error or "the kernel stopped reading commands (it died or closed its input)"
    finally:
        os.close(cmd_w)
        replies.close()
        if pid is not None:
            for target in (-pid, pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            os.waitpid(pid, 0)
    cells, outputs = {}, []
    for index, cell in code:
        count_outputs = results.get(index)
        cell = {"metadata": cell.get("metadata", {}),
                "execution_count": count_outputs[0] if count_outputs else None,
                "outputs": count_outputs[1] if count_outputs else []}
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in job["expected"] or gid in tests:
            cells[gid] = {"executed": cell["execution_count"] is not None,
                          "error": limited.get(index) or _cell_error(cell)}
            if gid in tests:
                cells[gid].update(outcome_of_test(cell["outputs"]))
                cells[gid].update(_test_record(cells[gid], verdicts.get(index), limited.get(index)))
        if keep_outputs:
            outputs.append({"execution_count": cell["execution_count"], "outputs": cell["outputs"]})
    return {"error": error, "cells": cells, "payload": payload, "payload_error": payload_error}, outputs


def _test_record(cell: dict, verdict, limit) -> dict:
    """A test cell's record fields from its executor's checked verdict (:mod:`grader.test_cells`):
    its error is the executor's, never read from outputs the student's code could add to."""
    if verdict is None:  # not run, or stopped at a limit
        return {"partial": None, "tampered": None, "error": limit or cell["error"]}
    return {"partial": verdict["partial"], "tampered": verdict["tampered"],
            "error": limit or verdict["error"] or (f"TamperingFound: {verdict['tampered']}"[:500]
                                                   if verdict["tampered"] else None)}


def run_dir(i: int) -> str:
    """The folder (in the work directory) where run ``i`` executes: files the grader staged there
    before the sandbox started (an assignment's data) are beside its notebook."""
    return f"run{i}"


def _reap(pid: int, wait: float = 1.0):
    """Exit status of ``pid`` if it exits within ``wait`` seconds, else None."""
    end = time.monotonic() + wait
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > end:
            return None
        time.sleep(0.01)


class _Copy:
    """One fresh copy of the template: runs cells in the prepared shell, replies with outputs."""

    def __init__(self, cmd_fd: int, reply_fd: int, workdir: str, tests=None):
        self.cmd = os.fdopen(cmd_fd, "rb")
        self.reply_fd = reply_fd
        self.workdir = workdir
        self.tests = tests

    def serve(self):
        try:
            die_with_parent()
            os.setpgid(0, 0)
            # a fork inherits every descriptor: keep only the two pipes (never the result's stdout)
            for fd in map(int, os.listdir("/proc/self/fd")):
                if fd > 2 and fd not in (self.cmd.fileno(), self.reply_fd):
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 2)  # C-level writes to stderr go nowhere, never into error messages
            os.chdir(self.workdir)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
            streams = sys.stdout, sys.stderr  # the test executor's own, whatever a cell rebinds
            if self.tests is not None:
                # the executor keeps its own references; the student's code finds none by name
                test_cells.hide()
                _SNAPSHOT.clear()
                globals().pop("test_cells", None)
            sys.stdin = open(os.devnull)
            while line := self.cmd.readline():
                msg = json.loads(line)
                _SINK.reset(trim=msg["trim"])
                if "test" in msg:  # a test cell runs outside the shell (grader.test_cells)
                    self.tests.reply(msg, _SINK, _SHELL[0].user_ns, streams, self.reply_fd)
                    continue
                res = _SHELL[0].run_cell(msg["code"], store_history=True)
                if msg.get("locked"):
                    self.tests.bind(msg["code"], _SHELL[0].user_ns)
                exc = res.error_before_exec or res.error_in_exec
                if exc is not None and not any(o["output_type"] == "error" for o in _SINK.outputs):
                    # IPython could not format the traceback (e.g. out of memory): still an error
                    _SINK.add({"output_type": "error", "ename": type(exc).__name__,
                               "evalue": str(exc)[:2000], "traceback": []})
                data = (json.dumps({"id": msg["id"], "outputs": _SINK.outputs}) + "\n").encode()
                view = memoryview(data)
                while view:
                    view = view[os.write(self.reply_fd, view):]
        except BaseException:  # noqa: BLE001 - a copy never returns into the template's code
            pass
        os._exit(0)


class _Sink:
    """Outputs of the running cell, capped as they arrive (a flood never fills memory)."""

    def __init__(self):
        self.reset(True)

    def reset(self, trim: bool):
        self.outputs, self.trim, self.chars, self.dropped = [], trim, 0, False

    def stream(self, name: str, text: str):
        if self.trim and self.chars + len(text) > MAX_STREAM_CHARS:
            text = text[: max(0, MAX_STREAM_CHARS - self.chars)]
            if not self.dropped:
                text += "\n[... output truncated by the grader]\n"
                self.dropped = True
        self.chars += len(text)
        if not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.add({"output_type": "stream", "name": name, "text": text})

    def add(self, out: dict):
        if len(self.outputs) < MAX_OUTPUTS_PER_CELL + 1:
            self.outputs.append(out)


_SINK = _Sink()
_SHELL: list = []
_SNAPSHOT: list = []  # what the tests rely on, recorded before any student code (grader.test_cells)


class _Stream:
    """sys.stdout / sys.stderr of a copy: text goes to the cell's outputs."""

    encoding, errors = "utf-8", "strict"

    def __init__(self, name: str):
        self.name = name

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        _SINK.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def fileno(self):
        return 1 if self.name == "stdout" else 2


def _make_shell():
    """The template's interactive shell: outputs go to :data:`_SINK` as nbformat outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            _SINK.add({"output_type": "execute_result", "data": format_dict, "metadata": {},
                       "execution_count": self.prompt_count})

        def finish_displayhook(self):
            pass

    class Pub(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
            _SINK.add({"output_type": "display_data", "data": data, "metadata": {}})

        def clear_output(self, wait=False):
            _SINK.outputs.clear()

    class Shell(InteractiveShell):
        displayhook_class = Hook
        display_pub_class = Pub

        def _showtraceback(self, etype, evalue, stb):
            _SINK.add({"output_type": "error", "ename": getattr(etype, "__name__", "Error"),
                       "evalue": str(evalue), "traceback": list(stb)})

        def enable_gui(self, gui=None):
            pass

    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.InteractiveShell.colors = "NoColor"
    cfg.InteractiveShell.autoindent = False
    return Shell.instance(config=cfg)


def _not_dumpable():
    """Keep same-uid student code out of this process (/proc/<pid>/fd, /proc/<pid>/mem, ptrace)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0)  # PR_SET_DUMPABLE = 0
    except (OSError, AttributeError):
        pass


def _restart(out, job: dict, env: dict):
    """Replace this template by a fresh one (same sandbox, limits and deadline) running ``job``."""
    data = json.dumps(job).encode()
    fd = os.memfd_create("job")
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    os.dup2(fd, 0)
    os.dup2(out.fileno(), 1)
    os.execve(sys.executable, sys.orig_argv, env)


def main() -> int:
    _not_dumpable()
    env = dict(os.environ)  # before any import can change it, for a fresh start
    # Only the result goes to the real stdout (a non-inheritable copy); the copies get /dev/null.
    out = os.fdopen(os.dup(1), "w")
    job = json.loads(sys.stdin.read())
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    limits = Limits(**job["limits"])
    # "deadline" is set only by _restart: a fresh start keeps the first one's wall time
    deadline = job.get("deadline") or time.monotonic() + limits.wall_seconds
    budget = min(limits.cell_seconds, deadline - time.monotonic())
    # The released notebook's modules are ours; the libraries the submission names are its doing
    # (a limit hit while loading them is the student's, never retried as our failure).
    # the modules the test and locked cells import are the instructor's too: loaded now, so that the
    # snapshot below holds them as they were before any student code
    tested = test_cells.instructor_imports(job["notebooks"][0], job["tests"]) if (
        job.get("tests") and job["notebooks"] and not job.get("deadline")) else []
    clean = preimport.load(job.get("preimport", []) + tested, [], budget)
    if clean and job.get("prereach"):
        os.write(2, STARTED)
        clean = preimport.load([], job["prereach"], min(limits.cell_seconds, deadline - time.monotonic()))
    if not clean:
        # something failed partway: never run student code next to half-loaded modules
        _restart(out, {**job, "preimport": [], "prereach": [], "deadline": deadline}, env)
    _SHELL.append(_make_shell())
    if job.get("tests"):
        _SNAPSHOT.append(test_cells.Snapshot(tested))
        sys.addaudithook(test_cells.audit)
    runs, first_outputs = [], []
    for i, nb in enumerate(job["notebooks"]):
        if runs and runs[-1]["error"]:
            # a crash, or a limit that stopped the whole run, repeats on re-runs: do not spend the
            # limits again (a cell that stopped at its own limit does not stop the re-runs)
            runs.append({"error": f"not run: re-run {i} skipped after an earlier failure",
                         "cells": {}, "payload": None, "payload_error": None})
            continue
        record, outputs = run_notebook(nb, job, limits, deadline, run_dir(i), keep_outputs=(i == 0))
        runs.append(record)
        if i == 0:
            first_outputs = outputs
    out.write(json.dumps({"runs": runs, "outputs": first_outputs}))
    out.flush()
    return 0


if __name__ == "__main__":
    code = main()
    # skip interpreter teardown (IPython's exit hooks alone take ~0.5 s); nothing is left to flush
    os._exit(code)
