"""Grading one submission, one stage per module, in this order:

1. :mod:`~grader.pipeline.normalize`: the student's file -> the released notebook with their
   answer cells (nothing of their metadata), and the cells that must run.
2. :mod:`~grader.pipeline.parameterize`: the key's draws -> one notebook per parameter set, the
   probe inputs, and the *job* for the sandbox.
3. :mod:`~grader.pipeline.execute`: job -> the sandboxed child's raw result (bytes). The only stage
   that runs student code and the only one a remote worker would run: it needs no key, solution
   or gradebook (the labeling oracle, a key's service, runs next to the sandbox).
4. :mod:`~grader.pipeline.read`: raw result -> :class:`grader.spec.Run` objects. The one place
   the untrusted result is parsed.
5. :mod:`~grader.pipeline.judge`: declaration, key and runs -> verdicts.
6. :mod:`~grader.pipeline.record`: verdicts -> the result record and the autograded notebook, and
   committing them (files, then gradebook) in the batch's main process.

:func:`grader.autograde.grade_submission` composes stages 1-6 (all but the commit) in a pool
worker; :func:`grader.autograde.autograde` commits. Nothing here imports at package level, so a
stage loads only what it needs.
"""
