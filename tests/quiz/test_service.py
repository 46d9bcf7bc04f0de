"""The quiz service end to end: a real ``course quiz-server`` process on a real Unix socket, learners
as real OS accounts (forked clients that drop to another uid, so the kernel's peer credentials are
theirs), hostile requests, and the store's protection.

Tests that run a client as another uid need root (as here and in CI); they skip otherwise.
"""
from __future__ import annotations

import csv
import io
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from grader import cli
from grader.quiz import cli as quiz_cli, server, session as session_module  # noqa: F401 (imported now)
from grader.quiz.bank import load_quiz
from grader.quiz.progress import ProgressStore, ProgressStoreError
from grader.quiz.session import QuizSession
from learner.quiz import client
from learner.quiz.client import RemoteSession, ServiceError, call

cli.build_parser()  # imports every command now: a client that dropped to another uid may not read the stdlib
ROOT = Path(__file__).resolve().parents[2]
LEARNERS = ("daemon", "nobody")  # OS accounts present on Debian/Ubuntu images
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="running a client as another OS user needs root "
                                                       "(the suite runs as root here and in CI)")


def _account(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pytest.skip(f"no OS account {name!r} on this machine")


def as_user(name, fn, *args, env=None):
    """Run ``fn(*args)`` in a forked child whose uid and gid are those of OS user ``name`` (and
    whose environment gets ``env``); returns what it returned (JSON), or raises its error."""
    pw = _account(name)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            os.environ.update(env or {})
            result = {"value": fn(*args)}
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            result = {"error": f"{type(exc).__name__}: {exc}"}
        try:
            os.write(w, json.dumps(result).encode())
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    result = json.loads(data)
    if "error" in result:
        raise RuntimeError(f"as {name}: {result['error']}")
    return result["value"]


@pytest.fixture
def learner_home():
    """``learner_home(name)``: a home folder of OS user ``name``, in a folder every user can enter
    (pytest's own tmp_path is private to root)."""
    bases = []

    def make(name):
        bases.append(Path(tempfile.mkdtemp(prefix="quizhome-")))
        bases[-1].chmod(0o755)
        home = bases[-1] / name
        home.mkdir()
        os.chown(home, _account(name).pw_uid, _account(name).pw_gid)
        return home

    yield make
    for base in bases:
        shutil.rmtree(base, ignore_errors=True)


def course(argv, stdin=""):
    """``course ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse refusing the arguments
                code = exc.code
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


class Service:
    """A ``course quiz-server`` process; its socket and store live in a folder other users can
    enter but not write (as README asks)."""

    def __init__(self, *options):
        self.dir = Path(tempfile.mkdtemp(prefix="quizsvc-"))
        self.dir.chmod(0o755)
        self.socket, self.store = self.dir / "quiz.sock", self.dir / "progress.sqlite"
        self.log = self.dir / "service.log"
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "grader.cli", "quiz-server", "--store", str(self.store),
                 "--socket", str(self.socket), *options], cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the quiz service did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def _answers(self):
        try:
            call(self.socket, {"op": "progress"}, timeout=5)
            return True
        except ServiceError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def raw(self, data: bytes, timeout=15) -> dict:
        """Send raw bytes, read the one-line reply."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(self.socket))
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except OSError:  # the service answered and closed before reading it all
                pass
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        return json.loads(reply)

    def rows(self):
        return ProgressStore(self.store, kind="service").progress()


@pytest.fixture
def service_factory():
    started = []

    def make(*options):
        svc = Service(*options)
        started.append(svc)
        return svc

    yield make
    for svc in started:
        svc.stop()
        assert not svc.socket.exists(), "the service removes its socket when it stops"
        shutil.rmtree(svc.dir, ignore_errors=True)


def _typed_answers(shown):
    """Right typed answers for this attempt, read from the practice bank by question id and the
    choices as displayed (a learner with the public bank can do this; the key stays server-side)."""
    from grader.quiz.bank import load_bank
    from grader.quiz.scoring import LETTERS

    q = {q.id: q for quiz in load_bank().values() for q in quiz.questions}[shown.id]
    if q.type == "multiple_choice":
        return LETTERS[shown.choices.index(q.options[q.answer].text)]
    if q.type == "multiple_select":
        return ",".join(LETTERS[shown.choices.index(q.options[i].text)] for i in q.answer)
    if q.type == "ordering":
        return " ".join(LETTERS[shown.choices.index(s.text)] for s in q.steps)
    return None  # numeric: depends on the attempt's numbers


def take_quiz(socket_path, quiz, right=True):
    """A learner's whole attempt through :class:`RemoteSession`; returns what they saw."""
    s = RemoteSession(quiz, socket_path)
    seen = {"user": s.user, "status": s.status, "feedback": []}
    while not s.finished:
        typed = _typed_answers(s.current) if right else None
        fb = s.submit(typed or ("none" if s.current.type == "multiple_select" else "A" if s.current.choices else "0.5"))
        if not fb.accepted and s.current.type == "ordering":
            fb = s.submit(" ".join("ABCDEFGH"[:len(s.current.choices)]))
        assert fb.accepted, fb.message
        seen["feedback"].append([fb.correct, fb.message, fb.n_correct])
    seen["summary"] = s.summary()
    return seen


# ---------------------------------------------------------------- identity and the store's protection

@as_root
def test_learners_are_their_os_accounts_whatever_they_type(service_factory, learner_home, tmp_path):
    svc = service_factory()
    alice, bob = LEARNERS
    home = learner_home(bob)
    # alice claims to be "mallory" through every name a learner controls
    seen = as_user(alice, take_quiz, str(svc.socket), "01",
                   env={"JUPYTERHUB_USER": "mallory", "USER": "mallory", "LOGNAME": "mallory"})
    assert seen["user"] == alice and f"Signed in as {alice} (your account on this machine)" in seen["status"]
    assert [(r["user"], r["quiz"]) for r in svc.rows()] == [(alice, "01")]

    # the old hole: `course login alice` then `course progress` showed alice's progress
    def bob_as_alice():
        assert course(["login", alice])[0] == 0
        return course(["progress", "--service", str(svc.socket)])

    code, out, err = as_user(bob, bob_as_alice, env={"IMBALANCE_LAB_HOME": str(home), "JUPYTERHUB_USER": alice})
    assert code == 0 and f"Progress of {bob} saved by the quiz service" in out and "No progress recorded yet" in out
    assert alice not in out

    # nor can bob read or write the store itself, or export it
    def bob_at_the_store():
        results = []
        for mode in ("rb", "r+b"):
            try:
                open(svc.store, mode).close()
                results.append("opened")
            except PermissionError:
                results.append("refused")
        results.append(course(["progress", "--store", str(svc.store), "--export", "/tmp/stolen.csv"]))
        return results

    r_open, w_open, (code, _, err) = as_user(bob, bob_at_the_store)
    assert (r_open, w_open) == ("refused", "refused")
    assert code == 2 and "you may not read the progress store" in err
    assert not Path("/tmp/stolen.csv").exists()
    for f in svc.dir.glob("progress.sqlite*"):  # the store and its WAL files
        assert stat.S_IMODE(f.stat().st_mode) == 0o600 and f.stat().st_uid == os.geteuid(), f

    # the instructor (the store's owner) exports what the service saved, and only that
    code, _, _ = course(["progress", "--store", str(svc.store), "--export", str(tmp_path / "all.csv")])
    rows = list(csv.DictReader((tmp_path / "all.csv").open()))
    assert code == 0 and [(r["user"], r["quiz"]) for r in rows] == [(alice, "01")]


def test_the_service_scores_answers_itself(service_factory):
    svc = service_factory()
    start = call(svc.socket, {"op": "start", "quiz": "02"})
    assert set(start["question"]) == {"number", "total", "id", "lesson", "topic", "type", "unit", "prompt", "choices"}
    for claim in ({"correct": True}, {"score": 1.0}, {"n_correct": 6}):  # a learner sends answers, not scores
        request = {"op": "answer", "attempt": start["attempt"], "question": start["question"]["id"],
                   "answer": "0", **claim}
        with pytest.raises(ServiceError, match="unknown field"):
            call(svc.socket, request)
    assert start["history"] == {"attempts": 0}
    seen = take_quiz(svc.socket, "02", right=False)
    me = pwd.getpwuid(os.geteuid()).pw_name
    k = sum(f[0] for f in seen["feedback"])
    assert [(r["user"], r["best_correct"]) for r in svc.rows()] == [(me, k)]
    assert any(f[0] is False for f in seen["feedback"])
    # The next attempt starts with the learner's record from the service's store.
    again = RemoteSession("02", svc.socket).history()
    assert again["attempts"] == 1 and again["last"]["n_correct"] == k == again["best"]["n_correct"]


# ---------------------------------------------------------------- graded mode

@as_root
def test_graded_limit_holds_whatever_the_learner_changes(service_factory, learner_home):
    svc = service_factory("--graded", "final", "--rate-limit", "1/3600")
    alice, bob = LEARNERS
    home = learner_home(alice)
    env = {"IMBALANCE_LAB_HOME": str(home), "IMBALANCE_LAB_QUIZ_SOCKET": str(svc.socket)}

    def attempt(argv=(), extra=None):
        os.environ.update(extra or {})
        return course(["quiz", "final", *argv], stdin="A\n")

    code, out, _ = as_user(alice, attempt, env=env)
    assert "Graded: right answers and your score are shown when you finish; at most 1 submissions " \
           "per question per 3600 s" in out and "Answer recorded" in out
    # every lever a learner has: another env limit, flags, logout, another name, a private store
    tries = [((), {"IMBALANCE_LAB_RATE_LIMIT": "100/1"}), (("--graded",), None), (("--rate-limit", "100/1"), None),
             ((), {"JUPYTERHUB_USER": "someone-else"}), ((), {"IMBALANCE_LAB_PROGRESS": str(home / "mine.sqlite")})]
    for argv, extra in tries:
        code, out, err = as_user(alice, attempt, argv, extra, env=env)
        assert "Too many submissions for this question: at most 1 per 3600 s" in out or \
            (code == 2 and "unrecognized arguments" in err), (argv, extra, out, err)
    assert as_user(alice, course, ["logout"], env=env)[0] == 0
    assert as_user(alice, course, ["login", "other"], env=env)[0] == 0
    code, out, _ = as_user(alice, attempt, env=env)
    assert "Too many submissions" in out
    # the limit is alice's, not the question's: bob answers
    code, out, _ = as_user(bob, attempt, env={"IMBALANCE_LAB_QUIZ_SOCKET": str(svc.socket)})
    assert "Answer recorded" in out and "Too many submissions" not in out
    # without the service, alice only practises: nothing reaches the course
    code, out, _ = as_user(alice, attempt, ["--seed", "1"], env={**env, "IMBALANCE_LAB_QUIZ_SOCKET": ""})
    assert "Practice" in out and "Signed in" not in out
    assert svc.rows() == []  # nobody finished a graded attempt


def test_graded_attempt_reveals_answers_only_when_over(service_factory):
    svc = service_factory("--graded", "01", "--rate-limit", "5/600")
    start = call(svc.socket, {"op": "start", "quiz": "01"})
    assert start["graded"] and "Graded" in start["status"]
    attempt, question = start["attempt"], start["question"]
    replies = []
    while question is not None:
        answer = "none" if question["type"] == "multiple_select" else "A" if question["choices"] else "0.5"
        r = call(svc.socket, {"op": "answer", "attempt": attempt, "question": question["id"], "answer": answer})
        replies.append(r)
        question = r["question"]
    *during, last = replies
    for r in during:  # nothing about the key: not the verdict, not the score, no explanation
        fb = r["feedback"]
        assert fb["accepted"] and fb["correct"] is None and fb["n_correct"] is None, fb
        assert fb["message"] == session_module.RECORDED and r["summary"] is None
        assert "0.96" not in json.dumps(r) and "Answer" not in json.dumps(r).replace("Answer recorded", "")
    assert last["feedback"]["correct"] is not None and last["feedback"]["n_correct"] is not None
    assert "1. Not quite: you answered 0.5" in last["summary"] and "Answer: 0.96" in last["summary"]
    # a learner cannot take the same quiz in practice mode to see the answers
    practice = call(svc.socket, {"op": "start", "quiz": "01"})
    assert practice["graded"]
    r = call(svc.socket, {"op": "answer", "attempt": practice["attempt"], "question": practice["question"]["id"],
                          "answer": "0.5"})
    assert r["feedback"]["message"] == session_module.RECORDED
    (row,) = svc.rows()
    assert row["attempts"] == 1


# ---------------------------------------------------------------- attempt rules and hostile input

def test_attempt_rules(service_factory):
    svc = service_factory()
    a = call(svc.socket, {"op": "start", "quiz": "03"})
    first = a["question"]["id"]
    with pytest.raises(ServiceError, match="is not the one this attempt is at"):  # skipping ahead
        call(svc.socket, {"op": "answer", "attempt": a["attempt"], "question": "03-other", "answer": "A"})
    with pytest.raises(ServiceError, match="you have no open attempt"):
        call(svc.socket, {"op": "answer", "attempt": "made-up", "question": first, "answer": "A"})
    r = call(svc.socket, {"op": "answer", "attempt": a["attempt"], "question": first, "answer": "zzz"})
    assert not r["feedback"]["accepted"] and "Could not read your answer" in r["feedback"]["message"]
    take = [call(svc.socket, {"op": "start", "quiz": "03"})["attempt"] for _ in range(server.MAX_OPEN_ATTEMPTS)]
    with pytest.raises(ServiceError, match="you have no open attempt"):  # the oldest was dropped
        call(svc.socket, {"op": "answer", "attempt": a["attempt"], "question": first, "answer": "A"})
    assert call(svc.socket, {"op": "answer", "attempt": take[0], "question": first, "answer": "A"})["ok"]
    with pytest.raises(ServiceError, match="unknown quiz"):
        call(svc.socket, {"op": "start", "quiz": "11"})


@as_root
def test_an_attempt_belongs_to_its_learner(service_factory):
    svc = service_factory()
    alice, bob = LEARNERS
    a = as_user(alice, call, str(svc.socket), {"op": "start", "quiz": "04"})
    with pytest.raises(RuntimeError, match="you have no open attempt"):
        as_user(bob, call, str(svc.socket), {"op": "answer", "attempt": a["attempt"],
                                             "question": a["question"]["id"], "answer": "A"})


HOSTILE = [
    (b"\n", "not a JSON request"),
    (b"\xff\xfe\x00garbage\n", "not a JSON request"),
    (b"[1, 2]\n", "must be a JSON object"),
    (b'"progress"\n', "must be a JSON object"),
    (b'{"op": "start", "quiz": NaN}\n', "not a JSON request"),
    (b'{"op": "drop table"}\n', "unknown op"),
    (b'{"op": ["start"]}\n', "unknown op"),
    (b'{"op": "start"}\n', "field 'quiz' must be a string"),
    (b'{"op": "start", "quiz": 1}\n', "field 'quiz' must be a string"),
    (b'{"op": "start", "quiz": "01", "user": "alice"}\n', "unknown field"),
    (b'{"op": "start", "quiz": "\\ud800"}\n', "unknown quiz"),
    (b'{"op": "start", "quiz": "' + b"0" * 100 + b'"}\n', "longer than 16"),
    (b'{"op": "answer", "attempt": "x", "question": "y", "answer": "' + b"A" * 5000 + b'"}\n', "longer than 1000"),
    (b"[" * 50_000 + b"\n", "not a JSON request"),
    (b'{"op": "progress"' + b" " * (server.MAX_REQUEST + 10) + b"}\n", "request larger than"),
    (b"x" * (3 * server.MAX_REQUEST), "request larger than"),
    (b'{"op": "progress"}', "incomplete request"),
]


@pytest.fixture(scope="module")
def shared_service():
    svc = Service()
    yield svc
    svc.stop()
    shutil.rmtree(svc.dir, ignore_errors=True)


@pytest.mark.parametrize("data,error", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_requests_get_a_clear_error(shared_service, data, error):
    reply = shared_service.raw(data)
    assert reply["ok"] is False and error in reply["error"], reply
    assert call(shared_service.socket, {"op": "progress"})["ok"]  # and the service goes on


def test_many_learners_at_once_lose_nothing(service_factory):
    svc = service_factory()
    errors = []

    def learner():
        try:
            take_quiz(svc.socket, "05")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=learner) for _ in range(6)]  # at most MAX_OPEN_ATTEMPTS
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors
    attempts = ProgressStore(svc.store, kind="service").attempts()
    assert len(attempts) == 6 and {a["n_questions"] for a in attempts} == {len(load_quiz("05"))}
    (row,) = svc.rows()
    assert row["attempts"] == 6


@as_root
def test_one_learner_cannot_take_every_connection(service_factory):
    svc = service_factory()
    idle = []
    for _ in range(server.MAX_CONNECTIONS_PER_USER):  # connections that never send a request
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(svc.socket))
        idle.append(s)
    try:
        deadline = time.monotonic() + 30
        while True:  # the service accepts the idle connections in its own time (slow under load)
            try:
                call(svc.socket, {"op": "progress"})
            except ServiceError as exc:
                assert "busy" in str(exc)
                break
            assert time.monotonic() < deadline, "the learner's 9th connection was still served"
            time.sleep(0.2)
        assert as_user(LEARNERS[0], call, str(svc.socket), {"op": "progress"})["ok"]  # others are served
    finally:
        for s in idle:
            s.close()
    deadline = time.monotonic() + 30
    while True:  # the idle connections are closed; their slots come back
        try:
            assert call(svc.socket, {"op": "progress"})["ok"]
            break
        except ServiceError:
            assert time.monotonic() < deadline
            time.sleep(0.2)


# ---------------------------------------------------------------- setting the service up

def _folder(tmp_path, name, mode=0o755):
    d = tmp_path / name
    d.mkdir()
    d.chmod(mode)
    return d


def _make(store, sock, **kw):
    srv = server.make_server(store, sock, **kw)
    srv.close()
    return srv


def test_setup_refuses_an_unsafe_store_or_socket(tmp_path):
    d = _folder(tmp_path, "ok")
    srv = _make(d / "p.sqlite", d / "q.sock")
    assert stat.S_IMODE((d / "p.sqlite").stat().st_mode) == 0o600
    assert ProgressStore(d / "p.sqlite", kind="service").stored_kind() == "service"
    _make(d / "p.sqlite", d / "q.sock")  # its own store again: fine
    (d / "p.sqlite").chmod(0o666)  # the old shared-store advice
    with pytest.raises(ProgressStoreError, match="open to other users"):
        _make(d / "p.sqlite", d / "q.sock")
    (d / "p.sqlite").chmod(0o600)

    legacy = d / "legacy.sqlite"  # rows nobody can vouch for
    store = ProgressStore(legacy)
    store.record_attempt("forged", "01", [("01-a", True, "A")], started_at=0)
    con = sqlite3.connect(legacy)
    con.execute("DROP TABLE IF EXISTS meta")
    con.commit()
    con.close()
    with pytest.raises(ProgressStoreError, match="holds attempts that the quiz service did not write"):
        _make(legacy, d / "q.sock")
    practice = d / "practice.sqlite"
    ProgressStore(practice).record_attempt("me", "01", [("01-a", True, "A")], started_at=0)
    with pytest.raises(ProgressStoreError, match="is a practice store, not a service store"):
        _make(practice, d / "q.sock")

    open_dir = _folder(tmp_path, "open", 0o777)
    with pytest.raises(ProgressStoreError, match="writable by other users"):
        _make(open_dir / "p.sqlite", d / "q2.sock")
    with pytest.raises(server.ServiceSetupError, match="writable by other users"):
        _make(d / "p.sqlite", open_dir / "q.sock")
    (d / "file").write_text("x")
    with pytest.raises(server.ServiceSetupError, match="exists and is not a socket"):
        _make(d / "p.sqlite", d / "file")
    with pytest.raises(server.ServiceSetupError, match="unknown quiz"):
        _make(d / "p.sqlite", d / "q.sock", graded=["12"])
    with pytest.raises(server.ServiceSetupError, match="cannot listen"):
        _make(d / "p.sqlite", d / ("s" * 120))
    del srv


def test_a_running_service_keeps_its_socket_and_a_stale_one_is_reclaimed(service_factory):
    svc = service_factory()
    code, _, err = course(["quiz-server", "--store", str(svc.dir / "other.sqlite"), "--socket", str(svc.socket)])
    assert code == 2 and "another quiz service is already listening" in err
    svc.proc.kill()  # no clean shutdown: the socket file stays
    svc.proc.wait()
    assert svc.socket.exists()
    again = server.make_server(svc.store, svc.socket)
    try:
        assert stat.S_IMODE(svc.socket.stat().st_mode) == 0o666
    finally:
        again.close()


def test_an_unreachable_service_leaves_an_unsaved_practice_attempt(tmp_path, monkeypatch):
    monkeypatch.setenv(client.SOCKET_ENV, str(tmp_path / "nothing.sock"))
    monkeypatch.setenv("IMBALANCE_LAB_HOME", str(tmp_path / "home"))
    code, out, _ = course(["quiz", "01"], stdin="0.96\n")
    assert "the quiz service at" in out and "is not answering" in out and "practice and is not saved" in out
    assert not (tmp_path / "home").exists()
    code, _, err = course(["progress"])
    assert code == 2 and "is not answering" in err
    s = client.open_session("01")
    assert isinstance(s, QuizSession) and s.store is None
