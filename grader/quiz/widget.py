"""ipywidgets front end for :class:`QuizSession`: it renders state and forwards clicks, nothing more."""
from __future__ import annotations

import html

import ipywidgets as w

from .scoring import LETTERS


class QuizWidget:
    """One question at a time: prompt, an input for its type, Submit, feedback, Next, score."""

    def __init__(self, session):
        self.session = session
        self.title = w.HTML(f"<h3>Quick test {session.quiz.quiz}: {html.escape(session.quiz.title)}</h3>")
        self.status = w.HTML(self._status())
        self.prompt = w.HTML()
        self.inputs = w.VBox()
        self.submit_button = w.Button(description="Submit", button_style="primary")
        self.next_button = w.Button(description="Next", disabled=True)
        self.feedback = w.HTML()
        self.score = w.HTML()
        self.submit_button.on_click(lambda _: self.submit())
        self.next_button.on_click(lambda _: self.show())
        self.box = w.VBox([self.title, self.status, self.prompt, self.inputs,
                           w.HBox([self.submit_button, self.next_button]), self.feedback, self.score])
        self.show()

    def _status(self):
        return f"<i>{html.escape(self.session.status)}</i>"

    def show(self):
        shown = self.session.current
        self.feedback.value = ""
        self.next_button.disabled = True
        if shown is None:
            self.prompt.value = f"<b>{html.escape(self.session.summary())}</b>"
            self.inputs.children = ()
            self.submit_button.disabled = True
            return
        q = shown.question
        self.prompt.value = (f"<b>Question {shown.number}/{shown.total}</b> "
                             f"<small>[lesson {q.lesson}: {q.topic}]</small><p>{html.escape(shown.prompt)}</p>")
        labels = [f"{LETTERS[i]}. {c}" for i, c in enumerate(shown.choices)]
        if q.type == "multiple_choice":
            self.inputs.children = (w.RadioButtons(options=labels, value=None, layout={"width": "auto"}),)
        elif q.type == "multiple_select":
            self.inputs.children = tuple(w.Checkbox(description=l, value=False, indent=False, layout={"width": "auto"}) for l in labels)
        elif q.type == "numeric":
            self.inputs.children = (w.Text(placeholder="a number" + (f" ({q.unit})" if q.unit else "")),)
        else:  # ordering: one dropdown per position, listing the shown steps
            self.inputs.children = tuple(
                w.Dropdown(options=labels, value=None, description=f"Step {i + 1}") for i in range(len(labels)))
        self.submit_button.disabled = False

    def answer_text(self) -> str:
        """The current inputs as the typed text QuizSession.submit parses."""
        q, kids = self.session.current.question, self.inputs.children
        if q.type == "multiple_choice":
            return (kids[0].value or "").split(".")[0]
        if q.type == "multiple_select":
            return ",".join(LETTERS[i] for i, c in enumerate(kids) if c.value)
        if q.type == "numeric":
            return kids[0].value
        return " ".join((d.value or "?").split(".")[0] for d in kids)

    def submit(self):
        text = self.answer_text()
        # No box ticked is a (wrong) answer, not unreadable text.
        fb = self.session.submit(text if text or self.session.current.question.type != "multiple_select" else [])
        colour = {True: "green", False: "firebrick", None: "darkorange"}[fb.correct]
        body = html.escape(fb.message).replace("\n", "<br>")
        self.feedback.value = f"<div style='color:{colour}'>{body}</div>"
        if fb.notice and self.session.store is None:
            self.status.value = self._status()
        self.score.value = html.escape(fb.score_text)
        if fb.accepted:
            self.submit_button.disabled = True
            self.next_button.disabled = False
        return fb

    def display(self):
        from IPython.display import display

        display(self.box)
