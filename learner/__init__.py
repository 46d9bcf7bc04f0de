"""What a learner's notebook imports from us, besides :mod:`imbalance_kit`.

- :mod:`learner.quiz`: ``quick_test("02")``, a lesson's quick test as a widget;
- :mod:`learner.oracle`: ``get_oracle()``, the toxicity project's labeling oracle;
- :mod:`learner.check`: ``check("q2_...")`` and ``total()``, the exercises' check cells (they run
  ``course check`` on the saved notebook in another process; a no-op while graded).

The grading sandbox mounts this package (with ``imbalance_kit``) for student code; of ``grader``
it mounts only the modules that run the notebook (:data:`grader.sandbox.RUNNER_MODULES`). So
nothing here may import grader code at import time: what needs the course's own files (a
practice quiz needs the question bank) imports it when called, and says so where it is absent.
"""
