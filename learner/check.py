"""The check cells of an exercise: ``check("q2_rounded_weights")`` after a question, ``total()``
at the end. They show what grading would give, and never raise (so Run All reaches the end).

A check runs ``course check --json`` on the **saved** notebook in a separate process, outside the
kernel, so it is the grading engine itself (the same key, sandbox and re-runs with fresh values):
what it shows is what ``course autograde`` gives. One check per saved version of the file: the
other check cells of the notebook reuse its result. It says which file and which save it checked,
and warns when the saved answers are not what the kernel ran (then save and check again).

While the notebook is graded (``NBGRADER_EXECUTION`` is set, by the grader's sandbox or by
nbgrader) a check cell does nothing: the grader is not there, and grading must not depend on it.
No grader code is imported here at import time (the sandbox mounts this package, not ``grader``).
"""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

_cache: dict = {}  # (path, mtime_ns, size) -> result of `course check --json`
_ran: dict = {}  # cell id -> the source the kernel last ran for it (from IPython's events)
_hooked = [False]


def _ipython():
    try:
        return get_ipython()  # noqa: F821 - defined inside IPython only
    except NameError:
        return None


def _hook():
    """Record which source the kernel ran for each cell, to tell when the saved file is not what
    the kernel ran."""
    ip = _ipython()
    if _hooked[0] or ip is None:
        return
    _hooked[0] = True

    def after(result):
        info = getattr(result, "info", None)
        cell_id = getattr(info, "cell_id", None)
        if cell_id:
            _ran[cell_id] = (getattr(info, "raw_cell", "") or "").strip()
    ip.events.register("post_run_cell", after)


def _unsaved_answers(path: Path, upto: str | None = None) -> list[str]:
    """Answer cells whose saved source is not what this kernel last ran (edited after saving,
    or saved but not run). Cells run before the first check are compared with the kernel's input
    history instead of by cell. With ``upto`` (a grade id), only the cells above that question's
    test cell: under Run All the cells below it have not run yet, and that is no reason to warn."""
    ip = _ipython()
    if ip is None:
        return []
    history = {str(s).strip() for s in ip.user_ns.get("In", [])}
    nb = json.loads(path.read_text())
    out = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if upto is not None and meta.get("grade_id") == upto:
            break
        if cell.get("cell_type") != "code" or not meta.get("solution"):
            continue
        src = "".join(cell.get("source", "")).strip()
        ran = _ran.get(cell.get("id"))
        if (ran is not None and ran != src) or (ran is None and src not in history):
            out.append(meta.get("grade_id") or cell.get("id"))
    return out


def _grading() -> bool:
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def _notebook_path(grade_id: str | None) -> Path | None:
    """The notebook this kernel runs: Jupyter server names it (JPY_SESSION_NAME); else the newest
    notebook in the working directory holding the grade id."""
    named = os.environ.get("JPY_SESSION_NAME") or ""
    for cand in (Path(named), Path.cwd() / Path(named).name) if named.endswith(".ipynb") else ():
        if cand.is_file():
            return cand
    found = []
    for p in Path.cwd().glob("*.ipynb"):
        try:
            text = p.read_text(errors="replace")
        except OSError:
            continue
        if grade_id is None or f'"{grade_id}"' in text:
            found.append(p)
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _run_check(path: Path) -> dict:
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _cache:
        proc = subprocess.run([sys.executable, "-m", "grader.cli", "check", "--json", str(path)],
                              capture_output=True, text=True, timeout=1800)
        try:
            result = json.loads(proc.stdout)
        except ValueError:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            result = {"status": "could_not_check", "error": f"`course check` failed: {tail[0]}"}
        _cache.clear()
        _cache[key] = result
    return _cache[key]


def _header(path: Path, upto: str | None = None) -> list[str]:
    when = datetime.datetime.fromtimestamp(path.stat().st_mtime).strftime("%H:%M:%S")
    lines = [f"Checked the saved file {path.name} (saved at {when}), graded as the grader does."]
    try:
        stale = _unsaved_answers(path, upto)
    except (OSError, ValueError):
        stale = []
    if stale:
        lines.append("Warning: the saved file is not what your kernel ran in " + ", ".join(stale)
                     + ": save the notebook (Ctrl+S), run those cells, and run this check again.")
    return lines


def _checked(grade_id: str | None):
    """(notebook path, result) or (None, message) when no check can run; never raises."""
    _hook()
    if _grading():
        return None, None
    try:
        path = _notebook_path(grade_id)
        if path is None:
            return None, ("Could not find this notebook's saved file: run `course check "
                          "<your notebook>.ipynb` in a terminal instead.")
        return path, _run_check(path)
    except Exception as exc:  # noqa: BLE001 - a check cell never stops the notebook
        return None, f"The check could not run ({type(exc).__name__}: {exc})."


def check(grade_id: str) -> None:
    """Show the points grading would give question ``grade_id`` and the key's feedback."""
    path, result = _checked(grade_id)
    if path is None:
        if result:
            print(result)
        return
    lines = _header(path, upto=grade_id)
    q = (result.get("questions") or {}).get(grade_id)
    if result.get("status") == "could_not_check" or q is None:
        lines.append(f"Not checked: {result.get('error') or 'this question is not in the result'}")
    else:
        pts = ("scored when your instructor grades it" if q["points"] is None
               else f"{q['points']:g} / {q['max_points']:g} points")
        lines.append(f"{grade_id}: {pts}")
        lines += [f"  - {f}" for f in dict.fromkeys(q["feedback"])]
    print("\n".join(lines))


def total() -> None:
    """Show the notebook's total, the questions graded by hand, and how to submit."""
    path, result = _checked(None)
    if path is None:
        if result:
            print(result)
        return
    lines = _header(path)
    if result.get("status") == "could_not_check":
        lines.append(f"Not checked: {result.get('error')}")
    else:
        qs = result.get("questions") or {}
        auto = sum(q["max_points"] for q in qs.values())
        unseen = sum(q["max_points"] for q in qs.values() if q["points"] is None)
        if result.get("score") is None:
            lines.append(f"Your score (out of {auto:g}) is decided when your instructor grades it.")
        else:
            later = f" ({unseen:g} more scored at grading, on the hidden test set)" if unseen else ""
            lines.append(f"Total: {result['score']:g} / {auto:g} autograded points{later}.")
            lost = [g for g, q in qs.items()
                    if q["points"] is not None and q["points"] < q["max_points"]]
            if lost:
                lines.append("Points missing in: " + ", ".join(lost) + " (see the checks above).")
        for gid, pts in (result.get("pending") or {}).items():
            lines.append(f"{gid}: {pts:g} points graded by hand after you submit (pending).")
    lines.append("To submit: save the notebook, then hand it in from the Assignments tab "
                 "(or as your instructor tells you).")
    print("\n".join(lines))
