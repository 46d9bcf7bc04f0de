"""SQLite progress store: attempts, per-question results, best score per quiz, submission log.

A store is one of two kinds, stamped in the file when it is first written:

- ``"practice"``: a learner's own unofficial file (default ``$IMBALANCE_LAB_PROGRESS``, else
  ``<IMBALANCE_LAB_HOME>/progress.sqlite``), created mode 0600. A file owned by someone else
  (e.g. an old shared store) is refused: a learner's kernel never writes a shared store.
- ``"service"``: the quiz service's store (:mod:`grader.quiz.server`), private to the
  instructor who runs the service; the only kind ``export_csv`` lists.

WAL mode lets readers run beside one writer, the busy timeout makes concurrent writers wait
instead of failing, and each attempt is written in a single ``BEGIN IMMEDIATE`` transaction,
so an attempt is stored whole or not at all. The store is opened lazily: nothing touches the
disk until something is written or read.
"""
from __future__ import annotations

import csv
import os
import sqlite3
import stat
import time
from contextlib import contextmanager
from pathlib import Path

from ..student_text import spreadsheet_safe
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
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (user TEXT NOT NULL, question_id TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS submissions_by_question ON submissions (user, question_id, at);
"""
EXPORT_COLUMNS = ("user", "quiz", "attempts", "best_correct", "n_questions", "best_score", "last_attempt")
KINDS = ("practice", "service")


class ProgressStoreError(RuntimeError):
    """The progress file cannot be used (corrupted, not SQLite, unwritable)."""


def default_store_path() -> Path:
    env = os.environ.get("IMBALANCE_LAB_PROGRESS")
    return Path(env) if env else home_dir() / "progress.sqlite"


class ProgressStore:
    """Progress in one SQLite file of ``kind`` "practice" (``path`` default:
    :func:`default_store_path`) or "service" (``path`` required)."""

    def __init__(self, path=None, kind: str = "practice"):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if path is None and kind == "service":
            raise ValueError("the quiz service's store needs an explicit path")
        self.path = Path(path) if path is not None else default_store_path()
        self.kind = kind

    def _make_private(self, create: bool):
        """Practice stores: only a regular file of this user, mode 0600 (``create``: made, in a
        0700 folder, if missing). Anyone else's file, e.g. an old shared store, is refused."""
        try:
            if create:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                try:
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
                    return
                except FileExistsError:
                    pass
            st = os.lstat(self.path)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
                raise ProgressStoreError(
                    f"{self.path} is not your own file, so it is not used for practice progress (a "
                    "shared store is written only by the quiz service); unset IMBALANCE_LAB_PROGRESS "
                    "to practise with a private file")
            if st.st_mode & 0o077:
                os.chmod(self.path, 0o600)
        except OSError as exc:
            raise ProgressStoreError(f"cannot use progress store {self.path}: {exc}") from exc

    def prepare_service(self):
        """Create or check the quiz service's store and stamp it: a regular file of this user,
        mode 0600, in a folder nobody else can write (so nobody else can replace it)."""
        folder = self.path.parent
        try:
            st = folder.stat()
            if st.st_uid not in (0, os.geteuid()) or st.st_mode & 0o022:
                raise ProgressStoreError(
                    f"the folder {folder} is writable by other users, who could replace the store; "
                    "put the store in a folder only you can write to")
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
            except FileExistsError:
                st = os.lstat(self.path)
                if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
                    raise ProgressStoreError(f"{self.path} is not a file of yours; use another path") from None
                if st.st_mode & 0o077:
                    raise ProgressStoreError(
                        f"{self.path} is open to other users (mode {stat.S_IMODE(st.st_mode):o}), who "
                        "may have read answers or written rows; start on a new file (or chmod 600 it "
                        "if you are sure nobody else has written to it)")
        except OSError as exc:
            raise ProgressStoreError(f"cannot use {self.path} as the quiz service's store: {exc}") from exc
        with self._transaction(write=True):
            pass  # creates the tables and stamps the kind (or refuses another kind)

    def stored_kind(self) -> str | None:
        """The kind stamped in the file (None: new, or written before stores had kinds)."""
        rows = self._select("SELECT value FROM meta WHERE key = 'kind'")
        return rows[0][0] if rows else None

    def _stamp(self, con):
        row = con.execute("SELECT value FROM meta WHERE key = 'kind'").fetchone()
        if row is None:
            if self.kind == "service" and con.execute("SELECT 1 FROM attempts LIMIT 1").fetchone():
                raise ProgressStoreError(
                    f"{self.path} holds attempts that the quiz service did not write (anyone who "
                    "could write the file may have forged them); start the service on a new file")
            con.execute("INSERT INTO meta VALUES ('kind', ?)", (self.kind,))
        elif row[0] != self.kind:
            raise ProgressStoreError(f"{self.path} is a {row[0]} store, not a {self.kind} store; "
                                     "use another file")

    @contextmanager
    def _transaction(self, write: bool):
        if not write and not self.path.exists():
            raise ProgressStoreError(f"no progress store at {self.path}")
        if self.kind == "practice":
            self._make_private(create=write)
        if not write and not os.access(self.path, os.R_OK):
            raise ProgressStoreError(f"you may not read the progress store {self.path} (it is "
                                     "private to its owner)")
        try:
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
                self._stamp(con)
            yield con
            con.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise ProgressStoreError(
                f"progress store {self.path} is unusable ({exc}); it may be corrupted. Move it aside "
                f"or use another file.") from exc
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

    def check_service_store(self):
        """Raise ProgressStoreError unless this is the quiz service's store and nobody but its
        owner can have written it (what an export or a lookup of any learner may trust)."""
        try:
            st = self.path.stat()
        except OSError as exc:
            raise ProgressStoreError(f"cannot read the progress store {self.path}: {exc}") from exc
        kind = self.stored_kind()
        if kind != "service":
            raise ProgressStoreError(
                f"{self.path} is not the quiz service's store ("
                + ("a learner's unofficial practice file" if kind == "practice" else
                   "written without the service, so its rows are unverified") + ")")
        if st.st_mode & 0o022:
            raise ProgressStoreError(f"{self.path} is writable by other users (mode "
                                     f"{stat.S_IMODE(st.st_mode):o}), so its rows are unverified")

    def export_csv(self, out) -> int:
        """Write everyone's best scores as CSV to a path or text file; returns the row count.
        Only the quiz service's store is exported (:meth:`check_service_store`)."""
        self.check_service_store()
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
        row = {**r, "best_score": f"{r['best_score']:.4f}",
               "last_attempt": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(r["last_attempt"]))}
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
