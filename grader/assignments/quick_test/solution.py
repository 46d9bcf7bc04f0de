"""The graded quick test: the notebook's hand-written code (see grader/authoring.py).

The parameters, the answer cell and the check cells are rendered from the question bank
(final.yml) by notebook.py; `# %% <cell id>` starts each cell.
"""


# %% check_helper
from numbers import Integral, Real


def check_answer(qid):
    """Check the form of one answer (not whether it is right: that is graded after submission)."""
    assert isinstance(answers, dict), f"answers must be a dict, got {type(answers).__name__}"
    assert qid in answers, f"answers has no entry {qid!r}"
    value, (kind, n) = answers[qid], FORMS[qid]
    assert value is not None, f"{qid}: replace None with your answer"
    is_index = lambda v: isinstance(v, Integral) and not isinstance(v, bool) and 0 <= v < n
    if kind == "multiple_choice":
        assert is_index(value), f"{qid}: give one option number from 0 to {n - 1}"
    elif kind == "multiple_select":
        assert isinstance(value, (list, tuple)) and all(map(is_index, value)), \
            f"{qid}: give a list of option numbers from 0 to {n - 1}"
        assert len(set(value)) == len(value), f"{qid}: an option is listed twice"
    elif kind == "numeric":
        assert isinstance(value, Real) and not isinstance(value, bool) and value == value, \
            f"{qid}: give a number such as 6.25 (no quotes)"
    else:
        assert isinstance(value, (list, tuple)) and sorted(value) == list(range(n)), \
            f"{qid}: list each step number from 0 to {n - 1} exactly once"
    print(f"{qid}: answer recorded, {value!r}")
