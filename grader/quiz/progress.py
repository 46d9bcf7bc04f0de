"""SQLite progress store: attempts, per-question results, best score per quiz, submission log.

One file (default ``$IMBALANCE_LAB_PROGRESS``, else ``<IMBALANCE_LAB_HOME>/progress.sqlite``)
can be shared by several notebooks and a class: WAL mode lets readers run beside one writer,
the busy timeout makes concurrent writers wait instead of failing, and each attempt is written
in a single ``BEGIN IMMEDIATE`` transaction, so an attempt is stored whole or not at all. The
store is opened lazily: nothing touches the disk until something is written or read.
"""
from __future__ import annotations

import csv
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from .identity import home_dir

BUSY_TIMEOUT_MS = 30_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY, user TEXT NOT NULL, quiz TEXT NOT NULL, started_at REAL NOT NULL,
    finished_at REAL NOT NULL, n_correct INTEGER NOT NULL, n_questions INTEGER NOT NULL,
    graded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS results (
    attempt_id INTEGER NOT NULL REFERENCES attempts(id), question_id TEXT NOT NULL,
    correct INTEGER NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (attempt_id, question_id));
CREATE TABLE IF NOT EXISTS best (
    user TEXT NOT NULL, quiz TEXT NOT NULL, n_correct INTEGER NOT NULL, n_questions INTEGER NOT NULL,
    score REAL NOT NULL, attempts INTEGER NOT NULL, last_at REAL NOT NULL, PRIMARY KEY (user, quiz));
CREATE TABLE IF NOT EXISTS submissions (user TEXT NOT NULL, question_id TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS submissions_by_question ON submissions (user, question_id, at);
"""
EXPORT_COLUMNS = ("user", "quiz", "attempts", "best_correct", "n_questions", "best_score", "last_attempt")


class ProgressStoreError(RuntimeError):
    """The progress file cannot be used (corrupted, not SQLite, unwritable)."""


def default_store_path() -> Path:
    env = os.environ.get("IMBALANCE_LAB_PROGRESS")
    return Path(env) if env else home_dir() / "progress.sqlite"


class ProgressStore:
    """Progress of every learner in one SQLite file (``path`` default: :func:`default_store_path`)."""

    def __init__(self, path=None):
        self.path = Path(path) if path is not None else default_store_path()

    @contextmanager
    def _transaction(self, write: bool):
        if not write and not self.path.exists():
            raise ProgressStoreError(f"no progress store at {self.path}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ProgressStoreError(f"cannot open progress store {self.path}: {exc}") from exc
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if write:
                con.execute("PRAGMA journal_mode = WAL")
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            if write:  # executescript() would commit mid-transaction; run statements one by one
                for stmt in filter(str.strip, SCHEMA.split(";")):
                    con.execute(stmt)
            yield con
            con.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise ProgressStoreError(
                f"progress store {self.path} is unusable ({exc}); it may be corrupted. Move it aside "
                f"or point IMBALANCE_LAB_PROGRESS at another file.") from exc
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _select(self, sql, args=()) -> list:
        """Run a read query; a store that has no tables yet reads as empty."""
        with self._transaction(write=False) as con:
            try:
                return con.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc):
                    raise
                return []

    def record_attempt(self, user: str, quiz: str, results, started_at: float, finished_at=None,
                       graded: bool = False) -> int:
        """Store one finished attempt with its per-question ``results`` ((question_id, correct,
        answer text) triples) and update the best score, in one transaction. Returns its id."""
        results = [(str(q), bool(c), str(a)) for q, c, a in results]
        finished_at = time.time() if finished_at is None else finished_at
        n, k = len(results), sum(c for _, c, _ in results)
        with self._transaction(write=True) as con:
            cur = con.execute("INSERT INTO attempts (user, quiz, started_at, finished_at, n_correct, "
                              "n_questions, graded) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (user, quiz, started_at, finished_at, k, n, int(graded)))
            attempt = cur.lastrowid
            con.executemany("INSERT INTO results VALUES (?, ?, ?, ?)",
                            [(attempt, q, int(c), a) for q, c, a in results])
            score = k / n if n else 0.0
            con.execute(
                "INSERT INTO best VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (user, quiz) DO UPDATE SET "
                "attempts = attempts + 1, last_at = excluded.last_at, "
                "n_correct = CASE WHEN excluded.score > score THEN excluded.n_correct ELSE n_correct END, "
                "n_questions = CASE WHEN excluded.score > score THEN excluded.n_questions ELSE n_questions END, "
                "score = MAX(score, excluded.score)",
                (user, quiz, k, n, score, finished_at))
        return attempt

    def try_submit(self, user: str, question_id: str, now: float, limit: int, window: float):
        """Log a submission unless ``limit`` were already made in the last ``window`` seconds.

        Returns ``(True, 0.0)`` when logged, else ``(False, seconds until the next is allowed)``.
        Check and insert share one transaction, so two notebooks cannot both take the last slot.
        """
        with self._transaction(write=True) as con:
            rows = con.execute("SELECT at FROM submissions WHERE user = ? AND question_id = ? AND at > ? "
                               "ORDER BY at", (user, question_id, now - window)).fetchall()
            if len(rows) >= limit:
                return False, rows[len(rows) - limit][0] + window - now
            con.execute("INSERT INTO submissions VALUES (?, ?, ?)", (user, question_id, now))
        return True, 0.0

    def progress(self, user: str | None = None) -> list:
        """Best score per (user, quiz), as dicts with :data:`EXPORT_COLUMNS` keys."""
        sql = "SELECT user, quiz, attempts, n_correct, n_questions, score, last_at FROM best"
        args = ()
        if user is not None:
            sql, args = sql + " WHERE user = ?", (user,)
        rows = self._select(sql + " ORDER BY user, quiz", args)
        return [dict(zip(EXPORT_COLUMNS, r)) for r in rows]

    def attempts(self, user: str | None = None) -> list:
        """Every attempt (id, user, quiz, n_correct, n_questions, graded), oldest first."""
        sql = "SELECT id, user, quiz, n_correct, n_questions, graded FROM attempts"
        args = ()
        if user is not None:
            sql, args = sql + " WHERE user = ?", (user,)
        rows = self._select(sql + " ORDER BY id", args)
        return [dict(zip(("id", "user", "quiz", "n_correct", "n_questions", "graded"), r)) for r in rows]

    def results(self, attempt_id: int) -> list:
        """Per-question results of one attempt: (question_id, correct, answer)."""
        rows = self._select("SELECT question_id, correct, answer FROM results WHERE attempt_id = ? "
                            "ORDER BY rowid", (attempt_id,))
        return [(q, bool(c), a) for q, c, a in rows]

    def readable_by_everyone_check(self) -> str | None:
        """Why the current OS user may NOT see other learners' progress, or None when they may.

        Everyone's progress is the instructor's to read: the owner of the store file (who set up
        a shared store) or root. Learners who write to a shared store see only their own. On a
        shared file system this is what the OS can vouch for; a learner's environment variables
        could claim anything.
        """
        try:
            owner = self.path.stat().st_uid
        except FileNotFoundError:
            return None  # nothing stored yet: nothing to reveal
        except OSError as exc:
            return f"cannot read the progress store {self.path}: {exc}"
        if os.getuid() in (0, owner):
            return None
        return (f"only the owner of the progress store {self.path} (the instructor who set it up) "
                "can see other learners' progress")

    def export_csv(self, out) -> int:
        """Write everyone's best scores as CSV to a path or text file; returns the row count."""
        rows = self.progress()
        if hasattr(out, "write"):
            _write_csv(out, rows)
        else:
            with open(out, "w", newline="", encoding="utf-8") as fh:
                _write_csv(fh, rows)
        return len(rows)


def _write_csv(fh, rows):
    writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "best_score": f"{r['best_score']:.4f}",
                         "last_attempt": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(r["last_attempt"]))})
