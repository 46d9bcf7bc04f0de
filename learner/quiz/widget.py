"""ipywidgets front end for a quiz session (the quiz service's
:class:`~learner.quiz.client.RemoteSession`, or a practice
:class:`grader.quiz.session.QuizSession`): it renders state and forwards clicks, nothing more."""
from __future__ import annotations

import html

import ipywidgets as w

from .display import LETTERS, history_text

HIDDEN, SHOWN = "none", ""


class QuizWidget:
    """One question at a time: prompt, an input for its type, Submit, feedback, Next, score.

    Above the quiz, the learner's record on it (last attempt, best score) when anything is saved
    for them. Once the attempt is over there is no Submit; ``new_session`` (a callable returning
    a fresh session, e.g. with new numbers) adds a "Try again" button."""

    def __init__(self, session, new_session=None):
        self.session, self.new_session = session, new_session
        self.title = w.HTML()
        self.status = w.HTML()
        self.history = w.HTML()
        self.prompt = w.HTML()
        self.inputs = w.VBox()
        self.submit_button = w.Button(description="Submit", button_style="primary")
        self.next_button = w.Button(description="Next", disabled=True)
        self.again_button = w.Button(description="Try again", button_style="primary",
                                     tooltip="a new attempt, with fresh numbers", layout={"display": HIDDEN})
        self.feedback = w.HTML()
        self.score = w.HTML()
        self.submit_button.on_click(lambda _: self.submit())
        self.next_button.on_click(lambda _: self.show())
        self.again_button.on_click(lambda _: self.try_again())
        self.box = w.VBox([self.title, self.status, self.history, self.prompt, self.inputs,
                           w.HBox([self.submit_button, self.next_button, self.again_button]),
                           self.feedback, self.score])
        self._start()

    def _start(self):
        s = self.session
        self.title.value = f"<h3>Quick test {html.escape(s.quiz_id)}: {html.escape(s.title)}</h3>"
        self.status.value = self._status()
        self.history.value = _lines(history_text(s.history()))
        self.score.value = ""
        self.show()

    def _status(self):
        return f"<i>{_lines(self.session.status)}</i>"

    def _buttons(self, submit: bool, next_: bool, again: bool):
        self.submit_button.layout.display = SHOWN if submit else HIDDEN
        self.next_button.layout.display = SHOWN if next_ else HIDDEN
        self.again_button.layout.display = SHOWN if again and self.new_session else HIDDEN

    def show(self):
        shown = self.session.current
        self.feedback.value = ""
        self.next_button.disabled = True
        if shown is None:
            score, _, rest = self.session.summary().partition("\n")
            self.prompt.value = f"<b>{_lines(score)}</b>" + (f"<br>{_lines(rest)}" if rest else "")
            self.inputs.children = ()
            self._buttons(submit=False, next_=False, again=True)
            return
        self.prompt.value = (f"<b>Question {shown.number}/{shown.total}</b> "
                             f"<small>[lesson {html.escape(shown.lesson)}: {html.escape(shown.topic)}]</small>"
                             f"<p>{html.escape(shown.prompt)}</p>")
        labels = [f"{LETTERS[i]}. {c}" for i, c in enumerate(shown.choices)]
        if shown.type == "multiple_choice":
            self.inputs.children = (w.RadioButtons(options=labels, value=None, layout={"width": "auto"}),)
        elif shown.type == "multiple_select":
            self.inputs.children = tuple(w.Checkbox(description=l, value=False, indent=False, layout={"width": "auto"}) for l in labels)
        elif shown.type == "numeric":
            self.inputs.children = (w.Text(placeholder="a number" + (f" ({shown.unit})" if shown.unit else "")),)
        else:  # ordering: one dropdown per position, listing the shown steps
            self.inputs.children = tuple(
                w.Dropdown(options=labels, value=None, description=f"Step {i + 1}") for i in range(len(labels)))
        self.submit_button.disabled = False
        self._buttons(submit=True, next_=True, again=False)

    def answer_text(self) -> str:
        """The current inputs as the typed text a session's ``submit`` parses (no box ticked
        is the answer "none")."""
        kind, kids = self.session.current.type, self.inputs.children
        if kind == "multiple_choice":
            return (kids[0].value or "").split(".")[0]
        if kind == "multiple_select":
            return ",".join(LETTERS[i] for i, c in enumerate(kids) if c.value) or "none"
        if kind == "numeric":
            return kids[0].value
        return " ".join((d.value or "?").split(".")[0] for d in kids)

    def submit(self):
        fb = self.session.submit(self.answer_text())
        colour = {True: "green", False: "firebrick", None: "dimgray" if fb.accepted else "darkorange"}[fb.correct]
        self.feedback.value = f"<div style='color:{colour}'>{_lines(fb.message)}</div>"
        self.status.value = self._status()  # e.g. the store failed: the attempt is no longer saved
        self.score.value = html.escape(fb.score_text)
        if fb.accepted:
            self.submit_button.disabled = True
            self.next_button.disabled = False
            if self.session.finished:  # nothing left to submit; Next shows the results
                self._buttons(submit=False, next_=True, again=False)
        return fb

    def try_again(self):
        """Start a new attempt (fresh numbers and order) in the same widget."""
        self.session = self.new_session()
        self._start()

    def display(self):
        from IPython.display import display

        display(self.box)


def _lines(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
