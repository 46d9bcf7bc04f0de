"""Practice identity, the SQLite progress store (concurrency, corruption, privacy), rate limiting,
graded sessions, widget state and the ``course quiz/login/progress`` commands end to end without
the quiz service (tests/quiz/test_service.py has the service)."""
import csv
import io
import multiprocessing as mp
import os
import re
import sqlite3
import sys

import pytest

from grader import cli
from grader.quiz import identity, session as session_module
from grader.quiz.bank import load_quiz
from grader.quiz.progress import ProgressStore, ProgressStoreError
from grader.quiz.session import MemoryLimiter, QuizSession, RateLimit


@pytest.fixture
def env(tmp_path, monkeypatch):
    home, store = tmp_path / "home", tmp_path / "store" / "progress.sqlite"
    monkeypatch.setenv("IMBALANCE_LAB_HOME", str(home))
    monkeypatch.setenv("IMBALANCE_LAB_PROGRESS", str(store))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("IMBALANCE_LAB_RATE_LIMIT", raising=False)
    # a fresh process: no submissions logged by earlier tests
    monkeypatch.setattr(session_module, "MEMORY_LIMITER", MemoryLimiter())
    return tmp_path, home, store


def _right(q):
    if q.type == "multiple_select":
        return list(q.answer)
    return list(range(len(q.steps))) if q.type == "ordering" else q.answer


def _ans(shown):
    return shown.draw.answer if shown.draw else _right(shown.question)


def _finish(session, wrong_first=False):
    first = True
    while not session.finished:
        cur = session.current
        ans = _ans(cur)
        if wrong_first and first and cur.question.type == "multiple_choice":
            ans = (cur.question.answer + 1) % len(cur.question.options)
        first = False
        session.submit(ans)
    return session


def test_identity_sources(env, monkeypatch):
    _, home, _ = env
    assert identity.current_user() is None
    identity.login("ada")
    assert identity.current_user() == "ada" and (home / "identity.json").exists()
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert identity.current_user() == "hubuser"
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert identity.logout() and identity.current_user() is None and not identity.logout()
    (home / "identity.json").write_text("garbage", encoding="utf-8")
    assert identity.current_user() is None
    for bad in ("", "a b", "../x", "x" * 65):
        with pytest.raises(ValueError):
            identity.login(bad)


def test_anonymous_writes_nothing_and_says_so(env):
    tmp, _, _ = env
    before = sorted(p.name for p in tmp.rglob("*"))
    s = _finish(QuizSession("02", seed=1, rate_limit=RateLimit(1, 60)))
    assert s.user is None and s.store is None and s.saved_attempt is None
    assert "progress is not saved (course login NAME saves it" in s.summary()
    assert sorted(p.name for p in tmp.rglob("*")) == before


def test_logged_in_attempt_is_saved_with_results_and_best(env, monkeypatch):
    _, _, store_path = env
    monkeypatch.setenv("JUPYTERHUB_USER", "grace")
    s = _finish(QuizSession("03", seed=3), wrong_first=True)
    store = ProgressStore()
    assert store_path.exists() and s.saved_attempt is not None
    (row,) = store.progress("grace")
    assert row["quiz"] == "03" and row["best_correct"] == len(s.quiz) - 1 and row["attempts"] == 1
    results = store.results(s.saved_attempt)
    assert [r[0] for r in results] == [q.id for q in s.quiz.questions] and not results[0][1]
    _finish(QuizSession("03", seed=4))
    _finish(QuizSession("03", seed=5), wrong_first=True)  # a worse attempt keeps the best
    (row,) = store.progress("grace")
    assert row["attempts"] == 3 and row["best_correct"] == len(s.quiz) and row["best_score"] == 1.0
    assert store.progress("nobody") == []


def _writer(path, user, n):
    store = ProgressStore(path)
    for i in range(n):
        store.record_attempt(user, "01", [("01-a", i % 2 == 0, "A"), ("01-b", True, "0.96")], started_at=i)


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite"
    ctx = mp.get_context("spawn" if sys.platform == "win32" else "fork")
    procs = [ctx.Process(target=_writer, args=(path, user, 200)) for user in ("p1", "p2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = ProgressStore(path)
    attempts = store.attempts()
    assert len(attempts) == 400
    assert {u: sum(a["user"] == u for a in attempts) for u in ("p1", "p2")} == {"p1": 200, "p2": 200}
    assert all(len(store.results(a["id"])) == 2 for a in attempts[::37])
    assert [r["attempts"] for r in store.progress()] == [200, 200]


def test_corrupted_store_gives_clear_error_and_quiz_continues(env, monkeypatch):
    _, _, store_path = env
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(os.urandom(4096))
    with pytest.raises(ProgressStoreError, match="corrupted"):
        ProgressStore().progress("x")
    monkeypatch.setenv("JUPYTERHUB_USER", "alan")
    s = QuizSession("01", seed=0, rate_limit=RateLimit(3, 60))
    fb = s.submit(_ans(s.current))  # the rate-limit check hits the broken store first
    assert fb.accepted and fb.correct and "not saved" in fb.notice
    _finish(s)
    assert s.finished and s.saved_attempt is None
    assert "corrupted" in s.summary() and "not saved" in s.summary()


def test_corrupted_store_at_save_time(env, monkeypatch):
    _, _, store_path = env
    monkeypatch.setenv("JUPYTERHUB_USER", "alan")
    s = QuizSession("01", seed=0)
    while s.index < len(s.quiz) - 1:
        s.submit(_ans(s.current))
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"not a database" * 100)
    fb = s.submit(_ans(s.current))
    assert fb.accepted and s.finished and s.saved_attempt is None and "not saved" in s.summary()


class Clock:
    def __init__(self):
        self.t = 1_000.0

    def __call__(self):
        return self.t


@pytest.mark.parametrize("logged_in", [False, True])
def test_rate_limit_per_question_with_injected_clock(env, monkeypatch, logged_in):
    if logged_in:
        monkeypatch.setenv("JUPYTERHUB_USER", "eve")
    clock, limit = Clock(), RateLimit(2, 60)
    quiz = load_quiz("06")

    def session():  # a new session each time: the limit must outlive it (store or process memory)
        return QuizSession(quiz, seed=1, rate_limit=limit, clock=clock)

    for _ in range(2):
        assert session().submit(0).accepted
    blocked = session().submit(0)
    assert not blocked.accepted and blocked.correct is None
    assert "at most 2 per 60 s" in blocked.message and "Try again in 60 s" in blocked.message
    s = session()
    s.submit(0)
    assert s.index == 0  # a blocked submission does not move on
    clock.t += 30
    assert "Try again in 30 s" in session().submit(0).message
    clock.t += 30.5
    assert session().submit(0).accepted
    s2 = session()
    s2.index = 1  # other questions have their own budget
    assert s2.submit(9200).accepted
    if logged_in:
        assert ProgressStore().path.exists()


def test_anonymous_limit_is_shared_by_every_session_of_the_process(env):
    from learner.quiz.widget import QuizWidget

    limit = RateLimit(1, 600)
    first = QuizSession("06", seed=1, rate_limit=limit)
    assert first.user is None and first.submit(_ans(first.current)).accepted
    # re-running the notebook cell makes a new session (and widget) on the real clock
    again = QuizWidget(QuizSession("06", seed=2, rate_limit=limit))
    radio = again.inputs.children[0]
    radio.value = radio.options[0]
    fb = again.submit()
    assert not fb.accepted and "Too many submissions" in fb.message and again.session.index == 0
    other = QuizSession("07", seed=1, rate_limit=limit)  # another quiz has its own budget
    assert other.submit(_ans(other.current)).accepted


def test_rate_limit_parse():
    assert RateLimit.parse("3/90") == RateLimit(3, 90.0)
    for bad in ("3", "a/b", "0/10", "3/0"):
        with pytest.raises(ValueError):
            RateLimit.parse(bad)


def test_widget_renders_session_state(env):
    from learner.quiz.widget import QuizWidget

    w = QuizWidget(QuizSession("04", seed=2))
    assert "not saved" in w.status.value
    while not w.session.finished:
        q = w.session.current.question
        kids, order = w.inputs.children, list(w.session.current.order)
        if q.type == "multiple_choice":
            kids[0].value = kids[0].options[order.index(q.answer)]
            assert kids[0].value.endswith(q.options[q.answer].text)
        elif q.type == "multiple_select":
            for i in q.answer:
                kids[order.index(i)].value = True
        elif q.type == "numeric":
            kids[0].value = str(w.session.current.draw.answer if q.generator else q.answer)
        else:
            for pos, d in enumerate(kids):
                d.value = d.options[order.index(pos)]
        fb = w.submit()
        assert fb.correct, (q.id, fb.message)
        assert w.next_button.disabled is False and w.submit_button.disabled
        w.next_button.click()
    assert w.submit_button.disabled and f"{len(w.session.quiz)}/{len(w.session.quiz)} correct" in w.prompt.value


def test_widget_tells_a_logged_in_learner_when_progress_is_saved(env, monkeypatch):
    from learner.quiz.widget import QuizWidget

    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    w = QuizWidget(QuizSession("04", seed=2))
    assert "Practice as ada: saved only in your private file" in w.status.value
    assert "when you answer the last question (unofficial: the course does not see it)" in w.status.value
    w.submit()
    assert not ProgressStore().path.exists()  # as the note says: nothing before the last answer


def test_history_names_the_last_and_the_best_attempt(env):
    store = ProgressStore()
    assert QuizSession("07", user="ada", store=store).history() == {"attempts": 0}
    store.record_attempt("ada", "07", [("a", True, "0"), ("b", True, "1")], 100.0, 200.0)
    store.record_attempt("ada", "07", [("a", True, "0"), ("b", False, "2")], 300.0, 400.0)
    store.record_attempt("bob", "07", [("a", False, "0"), ("b", False, "2")], 500.0, 600.0)
    store.record_attempt("ada", "06", [("a", False, "0")], 700.0, 800.0)
    assert store.history("ada", "07") == {"attempts": 2, "best": {"n_correct": 2, "n_questions": 2},
                                          "last": {"n_correct": 1, "n_questions": 2, "finished_at": 400.0}}
    assert store.history("ada", "05") is None
    assert QuizSession("07", user=None, detect_user=False).history() is None  # anonymous: nothing saved


def test_widget_finished_attempt_offers_try_again_and_no_submit(env, monkeypatch):
    from learner.quiz.widget import QuizWidget

    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    w = QuizWidget(QuizSession("01", seed=2), lambda: QuizSession("01"))
    assert w.history.value == "No attempt saved yet."
    assert w.again_button.layout.display == "none"
    first_prompts = [s.prompt for s in w.session._shown]
    while w.session.index < 5:
        w.session.submit(_ans(w.session.current))
    w.show()
    q, radio = w.session.current.question, w.inputs.children[0]
    assert q.type == "multiple_choice"
    radio.value = radio.options[list(w.session.current.order).index(q.answer)]
    assert w.submit().correct
    assert w.submit_button.layout.display == "none"  # the attempt is over: nothing to submit
    w.next_button.click()
    assert "6/6 correct" in w.prompt.value
    assert w.submit_button.layout.display == "none" and w.next_button.layout.display == "none"
    assert w.again_button.layout.display == ""
    w.again_button.click()
    assert w.session.index == 0 and "Question 1/6" in w.prompt.value
    assert w.submit_button.layout.display == "" and w.again_button.layout.display == "none"
    assert [s.prompt for s in w.session._shown] != first_prompts  # fresh numbers
    assert re.fullmatch(r"Your last attempt: 6/6 on \d{4}-\d\d-\d\d \d\d:\d\d; best 6/6 \(1 attempt\)\.",
                        w.history.value), w.history.value


def test_quiz_command_shows_the_learners_record(env, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    ProgressStore().record_attempt("ada", "01", [("a", True, "0"), ("b", False, "1")], 1.0, 2.0)
    code, out, _ = _run(["quiz", "01"], monkeypatch, stdin="")
    assert code == 1 and "Your last attempt: 1/2 on " in out and "best 1/2 (1 attempt)" in out


def _run(argv, monkeypatch, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def _answers(quiz_id, seed):
    """Correct typed answers for a seeded attempt (same seed -> same numbers and order)."""
    s = QuizSession(quiz_id, seed=seed, user=None, detect_user=False)
    lines = []
    for shown in s._shown:
        q = shown.question
        if q.type == "multiple_choice":
            lines.append("ABCDEFG"[shown.order.index(q.answer)])
        elif q.type == "multiple_select":
            lines.append(",".join("ABCDEFG"[shown.order.index(i)] for i in q.answer))
        elif q.type == "numeric":
            lines.append(repr(shown.draw.answer if shown.draw else q.answer))
        else:
            lines.append(" ".join("ABCDEFG"[shown.order.index(step)] for step in range(len(q.steps))))
    return lines


def test_cli_quiz_anonymous_end_to_end(env, monkeypatch):
    tmp, _, _ = env
    lines = _answers("05", 7)
    code, out, _ = _run(["quiz", "05", "--seed", "7"], monkeypatch, "not-a-letter\n" + "\n".join(lines) + "\n")
    assert code == 0
    assert "Could not read your answer" in out
    assert f"{len(lines)}/{len(lines)} correct" in out and "Practice: progress is not saved" in out
    assert not (tmp / "home").exists() and not (tmp / "store").exists()


def test_cli_login_quiz_progress(env, monkeypatch):
    tmp, _, store_path = env
    assert _run(["login", "ada"], monkeypatch)[0] == 0
    lines = _answers("final", 3)
    code, out, _ = _run(["quiz", "final", "--seed", "3"], monkeypatch, "\n".join(lines) + "\n")
    assert code == 0 and "Progress saved for ada" in out and store_path.exists()
    assert store_path.stat().st_mode & 0o777 == 0o600 and store_path.parent.stat().st_mode & 0o777 == 0o700
    code, out, _ = _run(["quiz", "09", "--seed", "1"], monkeypatch, "A\n")  # input ends early
    assert code == 1 and "incomplete" in out
    code, out, _ = _run(["progress"], monkeypatch)
    rows = out.split("last attempt\n", 1)[1].splitlines()  # the incomplete 09 attempt is not saved
    assert code == 0 and "Practice progress of ada (your private file" in out and "unofficial" in out
    assert [r.split()[:2] for r in rows] == [["ada", "final"]]
    # a practice file is never exported as the course's progress
    code, _, err = _run(["progress", "--export", str(tmp / "all.csv"), "--store", str(store_path)], monkeypatch)
    assert code == 2 and "not the quiz service's store (a learner's unofficial practice file)" in err
    assert not (tmp / "all.csv").exists()
    code, _, err = _run(["progress", "--export", str(tmp / "all.csv")], monkeypatch)
    assert code == 2 and "pass --store FILE" in err
    assert _run(["logout"], monkeypatch)[0] == 0
    code, _, err = _run(["progress"], monkeypatch)
    assert code == 2 and "Not logged in, so no practice progress is saved" in err


def _shared_store(path, rows):
    """An old-style shared store: the instructor's file, mode 666, holding ``rows`` (user, quiz)."""
    store = ProgressStore(path)
    for user, quiz in rows:
        store.record_attempt(user, quiz, [("01-a", True, "A")], started_at=0)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE IF EXISTS meta")  # as it was before stores had kinds
    con.commit()
    con.close()  # the last connection: the WAL goes into the file
    os.chmod(path, 0o666)
    return path


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root (CI runs as root)")
def test_practice_never_reads_or_writes_a_shared_store(env, monkeypatch):
    """The old hole: with a shared store, `course login alice` then `course progress` showed
    alice's progress, and anyone could add rows. A learner's kernel now uses only its own file."""
    tmp, _, _ = env
    shared = _shared_store(tmp / "shared.sqlite", [("alice", "01")])
    os.chown(shared, 65534, 65534)  # the instructor's file, not this learner's
    before = shared.read_bytes()
    monkeypatch.setenv("IMBALANCE_LAB_PROGRESS", str(shared))
    assert _run(["login", "alice"], monkeypatch)[0] == 0
    code, out, err = _run(["progress"], monkeypatch)
    assert code == 2 and "not your own file" in err and "alice" not in out
    code, out, _ = _run(["quiz", "01", "--seed", "1"], monkeypatch, "\n".join(_answers("01", 1)) + "\n")
    assert code == 0 and "not your own file" in out and "Progress saved" not in out
    assert shared.read_bytes() == before
    with pytest.raises(ProgressStoreError, match="not your own file"):
        ProgressStore(shared).record_attempt("alice", "01", [("01-a", True, "A")], started_at=0)


def test_exports_list_only_the_services_store(env, monkeypatch):
    tmp, _, _ = env
    legacy = _shared_store(tmp / "legacy.sqlite", [("forged", "01")])
    code, _, err = _run(["progress", "--store", str(legacy), "--export", str(tmp / "x.csv")], monkeypatch)
    assert code == 2 and "written without the service, so its rows are unverified" in err
    code, _, err = _run(["progress", "--store", str(legacy), "--user", "forged"], monkeypatch)
    assert code == 2 and "unverified" in err
    assert not (tmp / "x.csv").exists()


def test_cli_errors(env, monkeypatch):
    code, _, err = _run(["quiz", "11"], monkeypatch)
    assert code == 2 and "unknown quiz" in err
    for opt in (["--graded"], ["--rate-limit", "100/1"]):  # graded mode belongs to the service
        with pytest.raises(SystemExit):
            _run(["quiz", "01"] + opt, monkeypatch)
    code, _, err = _run(["quiz", "01", "--seed", "1", "--service", str(env[0] / "none.sock")], monkeypatch)
    assert code == 2 and "seed: only for practice without the quiz service" in err
    monkeypatch.setenv("JUPYTERHUB_USER", "mallory")
    _run(["quiz", "01", "--seed", "1"], monkeypatch, "0.5\n")
    env[2].parent.mkdir(parents=True, exist_ok=True)
    for f in env[2].parent.iterdir():  # replace the store (and its WAL files) with random bytes
        f.unlink()
    env[2].write_bytes(os.urandom(2048))
    code, _, err = _run(["progress"], monkeypatch)
    assert code == 2 and "corrupted" in err


def test_graded_session_reveals_nothing_until_the_attempt_is_over(env):
    """The old hole: graded mode printed the right answer after a wrong one."""
    s = QuizSession("01", seed=5, user=None, detect_user=False, graded=True)
    first = s.current
    fb = s.submit(0.5)  # wrong: the right answer is 0.96
    assert fb.accepted and fb.correct is None and fb.n_correct is None
    assert fb.message == session_module.RECORDED and "0.96" not in fb.message + fb.score_text
    assert fb.score_text == "Answered: 1 of 6 questions" and "0.96" not in s.summary()
    while not s.finished:
        fb = s.submit(_ans(s.current))
        if not s.finished:
            assert fb.correct is None and fb.message == session_module.RECORDED
    assert fb.correct is True and fb.n_correct == 5  # the last answer ends the attempt: all is shown
    summary = s.summary()
    assert "5/6 correct" in summary and f"{first.number}. Not quite: you answered 0.5" in summary
    assert "Answer: 0.96" in summary and len(re.findall(r"^\d\. Correct", summary, re.M)) == 5


def test_none_is_the_typed_answer_for_no_option_selected(env):
    s = QuizSession("01", seed=5, user=None, detect_user=False)
    s.submit(_ans(s.current))
    assert s.current.type == "multiple_select"
    assert not s.submit("").accepted  # an empty line is not an answer
    fb = s.submit("None")
    assert fb.accepted and fb.correct is False and "should be selected" in fb.message
