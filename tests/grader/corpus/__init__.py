"""Reasonable alternative answers, one module per assignment (issue 13: fair verdicts).

Each module holds ``FULL``: answers the lessons recommend or a competent practitioner would give,
each of which must earn full marks; and ``PARTIAL``: near misses with the points they earn. An
entry is ``(answers, points, why)``: ``answers`` maps answer-cell ids to the source a learner
would write (cells not named keep the solution's source), ``points`` maps grade ids to expected
points (``None`` in FULL: every question's maximum), ``why`` cites the lesson or the rule.

tests/grader/test_reasonable_answers.py runs every entry through the notebook and the key. Grow
a module whenever a lesson recommends something new.
"""
