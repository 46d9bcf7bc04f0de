"""When a submission arrived, from times the student cannot set.

nbgrader's ``submit`` names its inbound folder and writes ``timestamp.txt`` from the student's own
clock and config (``--Exchange.timestamp_format`` backdates both), and collect copies that claim
into ``submitted/``. A file's ctime is set by the kernel whenever the file changes, so a student
can make it later, never earlier. The submission time is therefore the latest ctime in the inbound
folder on nbgrader's exchange that holds the graded notebook (``"exchange"``), or, when there is
none or it is later, the collected notebook's ctime in the submissions folder (``"collected"``:
when collect, or whoever, wrote it there).

formgrader counts a submission as autograded only when the gradebook's timestamp equals
``submitted/<student>/<assignment>/timestamp.txt``, and nbgrader counts lateness from the
gradebook's. So that file is rewritten to the trusted time, after the student's claim is moved
next to it as ``timestamp.claimed.txt`` (kept for display, flagged when it disagrees).
"""
from __future__ import annotations

import logging
import os
import stat
import sys
from datetime import datetime, timedelta
from pathlib import Path

from grader.student_text import printable

__all__ = ["CLAIM_SLACK_SECONDS", "TIME_FIELDS", "exchange_inbound", "submission_times"]

#: The fields :func:`submission_times` adds to a result record.
TIME_FIELDS = ("submitted_at", "submitted_at_source", "timestamp", "timestamp_claimed", "timestamp_note")

#: How far a claim may be from the trusted time before it is flagged (clock skew, slow copies).
CLAIM_SLACK_SECONDS = 120
#: An inbound folder with more entries than this is not read (collect copies it; we fall back).
MAX_ENTRIES = 10_000
CLAIMED = "timestamp.claimed.txt"
_EPOCH = datetime(1970, 1, 1)


def exchange_inbound(course_dir) -> Path | None:
    """nbgrader's inbound folder for this course, ``<Exchange.root>/<course_id>/inbound``.

    The config is read as nbgrader reads it for a course: the Jupyter config folders, then
    ``<course_dir>/nbgrader_config.py``. None when no course id is set or another exchange class
    than nbgrader's default is configured (its layout is unknown); a warning when the configured
    folder cannot be listed.
    """
    from traitlets.config import Application

    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory
    from nbgrader.exchange.default.collect import ExchangeCollect

    try:
        app = NbGrader(log_level=logging.CRITICAL, raise_config_file_errors=True)
        app.load_cwd_config = False  # the course's folder, not wherever `course` was started
        app.load_config_file()
        Application.load_config_file(app, app.config_file_name, path=str(Path(course_dir).resolve()))
        collect = ExchangeFactory(config=app.config).collect
        coursedir = CourseDirectory(config=app.config)
        if not coursedir.course_id or not issubclass(collect, ExchangeCollect):
            return None
        inbound = Path(collect(coursedir=coursedir, authenticator=None, config=app.config).root,
                       coursedir.course_id, "inbound")
        os.listdir(inbound)
    except Exception as exc:  # noqa: BLE001 - the instructor's config: say so, grade on
        print(f"warning: nbgrader's config or exchange could not be read ({printable(_describe(exc))}); "
              "submission times are the collected files' times", file=sys.stderr)
        return None
    return inbound


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def submission_times(student_id: str, assignment_id: str, notebook: Path, submissions: Path,
                     inbound: Path | None) -> dict:
    """The record's time fields for the graded ``notebook``; rewrites nbgrader's timestamp.txt.

    ``submitted_at`` (ISO 8601, UTC) is the trusted time and ``submitted_at_source`` says where it
    came from (``"exchange"`` or ``"collected"``). In nbgrader's layout
    (``<submissions>/<student>/<assignment>/``) also ``timestamp``, what ``timestamp.txt`` now
    holds (the gradebook stores it), ``timestamp_claimed``, the student's claim, and
    ``timestamp_note`` when the claim is not a time or disagrees. A flat ``<student>/<nb>.ipynb``
    gets none of these: no file next to it is nbgrader's.
    """
    from nbgrader.utils import parse_utc

    try:
        collected = os.lstat(notebook).st_ctime_ns
    except OSError:
        return {}
    folder = submissions / student_id / assignment_id
    arrived = _exchange_time(inbound, student_id, assignment_id, notebook)
    source = "exchange" if arrived is not None and arrived <= collected else "collected"
    at = _EPOCH + timedelta(microseconds=(arrived if source == "exchange" else collected) // 1000)
    out = {"submitted_at": at.isoformat(timespec="microseconds") + "Z", "submitted_at_source": source}
    if Path(notebook).parent != folder:
        return out
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f UTC")  # nbgrader's format; formgrader parses it
    try:
        claim = _restamp(folder, stamp)
    except OSError as exc:  # the gradebook keeps what timestamp.txt holds, or formgrader disagrees
        left = _small_text(folder / "timestamp.txt")
        if left:
            out["timestamp"] = left
        kept = "keeps the student's claim" if left else "has no time"
        out["timestamp_note"] = (f"timestamp.txt could not be rewritten ({type(exc).__name__}), "
                                 f"so the gradebook {kept}")
        return out
    out["timestamp"] = stamp
    if not claim:
        return out
    out["timestamp_claimed"] = claim
    try:
        claimed = parse_utc(claim)
    except (ValueError, TypeError, OverflowError):
        out["timestamp_note"] = f"timestamp.txt is not a time: {claim[:60]!r}"
        return out
    off = (claimed - at).total_seconds()
    # a copy into submitted/ comes after the submit, so only a claim after it is wrong there
    if off > CLAIM_SLACK_SECONDS or (source == "exchange" and -off > CLAIM_SLACK_SECONDS):
        event = "reached the exchange" if source == "exchange" else "was collected"
        out["timestamp_note"] = (f"timestamp.txt says {claimed.isoformat(timespec='seconds')}Z, but the "
                                 f"submission {event} at {at.isoformat(timespec='seconds')}Z")
    return out


def _restamp(folder: Path, stamp: str) -> str | None:
    """Keep the student's timestamp.txt as timestamp.claimed.txt (once: a later run finds it
    there), write ``stamp`` as timestamp.txt; return the claim's text (None when there was none)."""
    from grader.autograde import _atomic_write

    claimed, current = folder / CLAIMED, folder / "timestamp.txt"
    if not os.path.lexists(claimed):
        if os.path.lexists(current):
            os.rename(current, claimed)  # whatever the student's file is, it is kept as it was
        else:
            _atomic_write(claimed, "")
    if _small_text(current) != stamp:
        _atomic_write(current, stamp)
    return _small_text(claimed)


def _exchange_time(inbound: Path | None, student_id: str, assignment_id: str,
                   notebook: Path) -> int | None:
    """ns: the latest change in the student's inbound folders that hold the very bytes collected
    (nbgrader's collect copies one of them); None when there is no such folder."""
    if inbound is None:
        return None
    from nbgrader.utils import parse_utc

    prefix = f"{student_id}+{assignment_id}+"
    times = []
    try:
        with os.scandir(inbound) as entries:
            names = [e.name for e in entries if e.name.startswith(prefix)]
    except OSError:
        return None
    for name in names:
        try:  # <student>+<assignment>+<timestamp>[+<random>], split as nbgrader's collect does
            parse_utc(name[len(prefix):].split("+", 1)[0])
        except (ValueError, TypeError, OverflowError):
            continue  # another student's folder whose id starts with ours and a '+'
        folder = inbound / name
        if _same_bytes(folder / Path(notebook).name, Path(notebook)):
            settled = _latest_change(folder)
            if settled is not None:
                times.append(settled)
    return max(times, default=None)


def _latest_change(folder: Path) -> int | None:
    """ns: the latest ctime of ``folder`` and everything in it. None when something in it is a
    symbolic link (collect copies what it points to, whose changes no ctime here shows), it cannot
    be read whole, or it holds more than :data:`MAX_ENTRIES` entries."""
    def fail(exc):
        raise exc

    try:
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode):
            return None
        latest, count = st.st_ctime_ns, 0
        for base, dirs, files in os.walk(folder, onerror=fail):
            for name in dirs + files:
                st = os.lstat(os.path.join(base, name))
                count += 1
                if stat.S_ISLNK(st.st_mode) or count > MAX_ENTRIES:
                    return None
                latest = max(latest, st.st_ctime_ns)
    except OSError:
        return None
    return latest


def _same_bytes(a: Path, b: Path) -> bool:
    """Whether two regular files (never through a symbolic link) hold the same bytes."""
    fds = []
    try:
        for path in (a, b):
            fds.append(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK))
        stats = [os.fstat(fd) for fd in fds]
        if not all(stat.S_ISREG(s.st_mode) for s in stats) or stats[0].st_size != stats[1].st_size:
            return False
        while True:
            chunks = [os.read(fd, 1 << 20) for fd in fds]
            if chunks[0] != chunks[1]:
                return False
            if not chunks[0]:
                return True
    except OSError:
        return False
    finally:
        for fd in fds:
            os.close(fd)


def _small_text(path: Path, limit: int = 200) -> str | None:
    """A small regular file's text (never through a symbolic link, never blocking on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        return None
    return printable(raw.decode("utf-8", "replace").strip())
