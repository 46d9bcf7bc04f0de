"""The quick-test widget in JupyterLab: a learner answers by typing and clicking, sees feedback and
the running score, no Submit once the attempt is over, and a "Try again"; a logged-in learner sees
their last and best attempt when the quiz is shown again; a logged-in learner's practice attempt lands in their private file, an
anonymous one leaves no file and is told so; with the quiz service, a graded attempt shows no
verdict until it is over and is saved by the service under the kernel's OS account."""
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from grader.quiz.identity import ANONYMOUS_NOTE
from grader.quiz.progress import ProgressStore
from grader.quiz.session import RECORDED
from learner.quiz.client import ServiceError, call

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

pytestmark = pytest.mark.browser

QUIZ_CELL = 'from learner.quiz import quick_test\nquick_test("01")'


def write_quiz_notebook(lab, name="quick_test_01.ipynb") -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(QUIZ_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, lab.root / name)
    return name


def _number(text: str) -> float:
    return float(text.replace(",", ""))


class Quiz:
    """The widget's parts, found inside the notebook's output area."""

    def __init__(self, nb):
        self.page = nb.page
        self.box = nb.page.locator(f"{nb.CELLS} .jp-OutputArea-output .widget-vbox").first
        self.status = self.box.locator(".widget-html").nth(1)
        self.history = self.box.locator(".widget-html").nth(2)
        self.prompt = self.box.locator(".widget-html").nth(3)
        self.feedback = self.box.locator(".widget-html").nth(4)
        self.score = self.box.locator(".widget-html").nth(5)

    def button(self, name):
        return self.box.locator("button.widget-button", has_text=name)

    def submit(self, question: int):
        self.button("Submit").click()
        expect(self.score).to_contain_text(f"Score: ", timeout=15_000)
        expect(self.score).to_contain_text(f"/{question} answered (6 questions)", timeout=15_000)

    def next(self, question: int):
        self.button("Next").click()
        expect(self.prompt).to_contain_text(f"Question {question}/6")

    def type_number(self, value):
        # One input event: ipywidgets holds back value updates while one is in flight, and a
        # Submit click sent meanwhile could reach the kernel before the last keystrokes.
        self.box.locator(".widget-text input").fill(str(value))

    # Options are shuffled per attempt and labelled "A. ...", "B. ...": pick them by their text.
    @staticmethod
    def _label(text_start: str):
        return re.compile(r"^[A-Z]\. " + re.escape(text_start))

    def choose(self, text_start: str):
        self.box.locator(".widget-radio-box label", has_text=self._label(text_start)).click()

    def tick(self, text_start: str):
        self.box.locator(".widget-checkbox .widget-label-basic", has_text=self._label(text_start)).click()


def take_quiz_01(nb, snap, tag: str) -> Quiz:
    """Answer the six questions of quiz 01, the first one wrong; returns the widget."""
    nb.run_all()
    quiz = Quiz(nb)
    expect(quiz.prompt).to_contain_text("Question 1/6", timeout=30_000)
    expect(quiz.box).to_contain_text("Quick test 01")

    quiz.type_number("0.04")  # the toxic share, not the accuracy
    quiz.submit(1)
    expect(quiz.feedback).to_contain_text("Not quite: you answered 0.04")
    expect(quiz.feedback).to_contain_text("0.04 is the toxic share")
    expect(quiz.score).to_have_text("Score: 0/1 answered (6 questions)")
    quiz.box.scroll_into_view_if_needed()
    snap(f"quick_test_{tag}_wrong_answer")

    quiz.next(2)  # multiple select: tick the three right options
    for text in ("Collect and label data", "Choose sampling and annotation", "Deploy thresholds"):
        quiz.tick(text)
    quiz.submit(2)
    expect(quiz.feedback).to_contain_text("Correct.")
    expect(quiz.score).to_have_text("Score: 1/2 answered (6 questions)")

    quiz.next(3)
    quiz.choose("attention")
    quiz.submit(3)
    expect(quiz.feedback).to_contain_text("Correct.")
    snap(f"quick_test_{tag}_clicked_answer")

    quiz.next(4)  # parameterized: this attempt's numbers are in the prompt
    n0, n1 = map(_number, re.search(r"has ([\d,]+) majority and ([\d,]+) minority", quiz.prompt.inner_text()).groups())
    quiz.type_number(f"{n1 / (n0 + n1):.4f}")
    quiz.submit(4)
    expect(quiz.feedback).to_contain_text("Correct")

    quiz.next(5)
    billing, fraud = map(_number, re.search(r"billing ([\d,]+), login [\d,]+ and fraud ([\d,]+)",
                                            quiz.prompt.inner_text()).groups())
    quiz.type_number(f"{billing / fraud:.4f}")
    quiz.submit(5)
    expect(quiz.feedback).to_contain_text("Correct")

    quiz.next(6)
    quiz.choose("Basic probability")
    quiz.submit(6)
    expect(quiz.score).to_have_text("Score: 5/6 answered (6 questions)")
    expect(quiz.button("Submit")).to_be_hidden()  # the attempt is over: nothing left to submit
    quiz.button("Next").click()
    expect(quiz.prompt).to_contain_text("Quiz 01 (What imbalance is, and why accuracy lies): 5/6 correct.")
    expect(quiz.button("Submit")).to_be_hidden()
    expect(quiz.button("Next")).to_be_hidden()
    expect(quiz.button("Try again")).to_be_visible()
    quiz.box.scroll_into_view_if_needed()
    snap(f"quick_test_{tag}_finished")
    return quiz


def test_logged_in_learner_attempt_is_saved(lab_factory, notebook, snap):
    def login(env):
        subprocess.run([sys.executable, "-m", "grader.cli", "login", "learner1"], check=True,
                       env={**os.environ, **env}, capture_output=True, timeout=60)

    lab = lab_factory("logged_in", before=login)
    nb = notebook(lab, write_quiz_notebook(lab))
    store = ProgressStore(lab.env["IMBALANCE_LAB_PROGRESS"])
    quiz = take_quiz_01(nb, snap, "logged_in")

    expect(quiz.status).to_contain_text("Practice as learner1: saved only in your private file")
    expect(quiz.prompt).to_contain_text("Progress saved for learner1.")
    record = re.compile(r"^Your last attempt: 5/6 on \d{4}-\d\d-\d\d \d\d:\d\d; best 5/6 \(1 attempt\)\.$")

    # Try again: a new attempt with fresh numbers, in the same widget, with the record above it.
    quiz.button("Try again").click()
    expect(quiz.prompt).to_contain_text("Question 1/6")
    expect(quiz.history).to_have_text(record)
    expect(quiz.button("Submit")).to_be_visible()
    expect(quiz.button("Try again")).to_be_hidden()
    quiz.box.scroll_into_view_if_needed()
    snap("quick_test_logged_in_try_again")

    # Shown again (the cell run again, e.g. after reopening the notebook): the record is there.
    nb.run_all()
    quiz = Quiz(nb)
    expect(quiz.prompt).to_contain_text("Question 1/6", timeout=30_000)
    expect(quiz.history).to_have_text(record)
    [attempt] = store.attempts()
    assert {k: attempt[k] for k in ("user", "quiz", "n_correct", "n_questions")} == \
        {"user": "learner1", "quiz": "01", "n_correct": 5, "n_questions": 6}
    results = store.results(attempt["id"])
    assert [r[0] for r in results] == ["01-majority-accuracy", "01-why-it-matters", "01-exposure-attention",
                                      "01-minority-share", "01-imbalance-ratio", "01-audience"]
    assert [r[1] for r in results] == [False, True, True, True, True, True]
    assert results[0][2] == "0.04" and sorted(results[1][2].split(",")) == ["0", "1", "3"]  # bank indices


def test_anonymous_learner_is_told_and_nothing_is_written(lab, notebook, snap):
    nb = notebook(lab, write_quiz_notebook(lab))
    quiz = take_quiz_01(nb, snap, "anonymous")

    expect(quiz.status).to_have_text(ANONYMOUS_NOTE)
    expect(quiz.prompt).to_contain_text("progress is not saved")
    home, store = Path(lab.env["IMBALANCE_LAB_HOME"]), Path(lab.env["IMBALANCE_LAB_PROGRESS"])
    assert not store.exists()
    assert not home.exists() or list(home.iterdir()) == []


@pytest.fixture
def quiz_service():
    """``course quiz-server`` with quiz 01 graded, in a folder only root can write."""
    folder = Path(tempfile.mkdtemp(prefix="quizsvc-"))
    folder.chmod(0o755)
    sock, store = folder / "quiz.sock", folder / "progress.sqlite"
    log = open(folder / "service.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "quiz-server", "--store", str(store),
                             "--socket", str(sock), "--graded", "01"], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            call(sock, {"op": "progress"}, timeout=5)
            break
        except ServiceError:
            assert proc.poll() is None and time.monotonic() < deadline, (folder / "service.log").read_text()
            time.sleep(0.2)
    yield sock, ProgressStore(store, kind="service")
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_graded_attempt_through_the_quiz_service(lab_factory, notebook, snap, quiz_service):
    sock, store = quiz_service
    me = pwd.getpwuid(os.geteuid()).pw_name  # the kernel's OS account, whatever the env says

    def configure(env):
        env.update(IMBALANCE_LAB_QUIZ_SOCKET=str(sock), JUPYTERHUB_USER="alice-typed-name")

    lab = lab_factory("service", before=configure)
    nb = notebook(lab, write_quiz_notebook(lab))
    nb.run_all()
    quiz = Quiz(nb)
    expect(quiz.prompt).to_contain_text("Question 1/6", timeout=30_000)
    expect(quiz.status).to_contain_text(f"Signed in as {me} (your account on this machine)")
    expect(quiz.status).to_contain_text("Graded: right answers and your score are shown when you finish; "
                                        "at most 5 submissions per question per 600 s.")

    def submit(n):
        quiz.button("Submit").click()
        expect(quiz.score).to_have_text(f"Answered: {n} of 6 questions", timeout=15_000)
        expect(quiz.feedback).to_have_text(RECORDED)

    quiz.type_number("0.04")  # wrong: nothing says so yet
    submit(1)
    quiz.box.scroll_into_view_if_needed()
    snap("quick_test_graded_recorded")
    quiz.next(2)  # multiple select, nothing ticked: the answer "none"
    submit(2)
    quiz.next(3)
    quiz.choose("attention")
    submit(3)
    quiz.next(4)
    n0, n1 = map(_number, re.search(r"has ([\d,]+) majority and ([\d,]+) minority", quiz.prompt.inner_text()).groups())
    quiz.type_number(f"{n1 / (n0 + n1):.4f}")
    submit(4)
    quiz.next(5)
    billing, fraud = map(_number, re.search(r"billing ([\d,]+), login [\d,]+ and fraud ([\d,]+)",
                                            quiz.prompt.inner_text()).groups())
    quiz.type_number(f"{billing / fraud:.4f}")
    submit(5)
    quiz.next(6)
    quiz.choose("Basic probability")
    quiz.button("Submit").click()  # the last answer ends the attempt: now everything is shown
    expect(quiz.score).to_have_text("Score: 4/6 answered (6 questions)", timeout=15_000)
    quiz.button("Next").click()
    expect(quiz.prompt).to_contain_text("Quiz 01 (What imbalance is, and why accuracy lies): 4/6 correct.")
    expect(quiz.prompt).to_contain_text(f"Progress saved for {me}.")
    expect(quiz.prompt).to_contain_text("1. Not quite: you answered 0.04")
    expect(quiz.prompt).to_contain_text("Answer: 0.96")
    quiz.box.scroll_into_view_if_needed()
    snap("quick_test_graded_review")
    [attempt] = store.attempts()
    assert {k: attempt[k] for k in ("user", "quiz", "n_correct", "n_questions", "graded")} == \
        {"user": me, "quiz": "01", "n_correct": 4, "n_questions": 6, "graded": 1}
    assert not Path(lab.env["IMBALANCE_LAB_PROGRESS"]).exists()  # nothing in the learner's own file
