"""The graded quick test: the notebook's hand-written code (see grader/authoring.py).

The parameters, the answer cell and the check cells are rendered from the question bank
(final.yml) by notebook.py; `# %% <cell id>` starts each cell.
"""


# %% check_helper
from numbers import Real


def check_answer(qid):
    """Check the form of one answer (not whether it is right: that is graded after submission)."""
    assert isinstance(answers, (dict, list, tuple)), f"answers must be a dict, got {type(answers).__name__}"
    given = dict(answers)  # a list of (question id, answer) pairs is read as a dict
    assert qid in given, f"answers has no entry {qid!r}"
    value, (kind, n) = given[qid], FORMS[qid]
    assert value is not None, f"{qid}: replace None with your answer"
    is_number = lambda v: isinstance(v, Real) and not isinstance(v, bool)
    is_index = lambda v: is_number(v) and float(v).is_integer() and 0 <= v < n  # 2.0 reads as 2
    if kind == "multiple_choice":
        assert is_index(value), f"{qid}: give one option number from 0 to {n - 1}"
    elif kind == "multiple_select":
        picks = [value] if is_number(value) else value  # one number reads as a one-option list
        assert isinstance(picks, (list, tuple)) and all(map(is_index, picks)), \
            f"{qid}: give a list of option numbers from 0 to {n - 1}"
        assert len(set(picks)) == len(picks), f"{qid}: an option is listed twice"
    elif kind == "numeric":
        assert is_number(value) and value == value, f"{qid}: give a number such as 6.25 (no quotes)"
    else:
        assert isinstance(value, (list, tuple)) and sorted(value) == list(range(n)), \
            f"{qid}: list each step number from 0 to {n - 1} exactly once"
    print(f"{qid}: answer recorded, {value!r}")
