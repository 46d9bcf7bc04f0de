"""The graded quick test's text and cells, rendered from the question bank (final.yml); its one
hand-written code cell is in solution.py (see grader/authoring.py)."""
from grader.authoring import Author

from . import ASSIGNMENT
from .key import KEY, answer_form, prompt, quiz, solution, step_order


def _markdown(text):
    """Bank text as literal markdown (``p*a`` and ``(1 - p)**gamma`` are not emphasis)."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def _quiz_question(q):
    """Prompt, options (or shuffled steps) and answer form of one graded question: never its
    answer or explanations, which stay in the grader-side bank."""
    lines = [f"### `{q.id}` ({q.type.replace('_', ' ')})", "", _markdown(prompt(q)), ""]
    if q.type == "ordering":
        lines += [f"- **{pos}**: {_markdown(q.steps[step].text)}"
                  for pos, step in enumerate(step_order(q))] + [""]
    elif q.options:
        lines += [f"- **{i}**: {_markdown(o.text)}" for i, o in enumerate(q.options)] + [""]
    return "\n".join(lines + [f"*Answer with* {answer_form(q)}."])


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    questions = quiz().questions
    template = "\n".join(f"    {q.id!r}: None,  # {q.type.replace('_', ' ')}" for q in questions)
    answers = "\n".join(f"    {q.id!r}: {solution(q)!r}," for q in questions)
    return {"quick_test": nb.notebook([
        nb.md("intro", f"""
# End-of-course quick test (graded)

{len(questions)} questions covering the whole course, 1 point each. Read the questions below,
then fill in the **one** answer cell: a dict `answers` mapping each question id to your answer.

| question type | how to answer | example |
|---|---|---|
| multiple choice | the number of the one right option | `0` |
| multiple select | a list of the numbers of all right options | `[0, 3]` |
| numeric | a number (plain, no quotes); each question states its tolerance | `6.25` |
| ordering | the step numbers as shown, put in the right order, each once | `[2, 0, 1, 3]` |

The check cells below the answer cell only check the *form* of each answer; the answers are
graded after you submit. Feedback says whether each answer is right and comments on what you
chose. For practice with immediate feedback, take the ungraded quiz:
`from grader.quiz import quick_test; quick_test("final")`.
"""),
        # data cells, rendered from the bank: the question forms, the answer dict, the checks
        nb.parameters(src=f"""
# Parameters: nothing changes at grading time. FORMS: question id -> (type, number of options or steps)
FORMS = {KEY.constants['FORMS']!r}
"""),
        nb.setup("check_helper"),
        *[nb.md(f"text_{q.id}", _quiz_question(q)) for q in questions],
        nb.md("answers_text", """
## Your answers

Replace each `None` with your answer, delete the `raise NotImplementedError()` line, run the
cell, then run the check cells below it.
"""),
        nb.answer("answers_cell", src=f"""
answers = {{
{template}
}}
### BEGIN SOLUTION
answers = {{
{answers}
}}
### END SOLUTION
"""),
        *[nb.tests(q.id, src=f"""
\"\"\"{q.id}: {q.type.replace('_', ' ')}, answer in the right form\"\"\"
check_answer({q.id!r})
""") for q in questions],
    ])}
