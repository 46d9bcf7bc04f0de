"""What the engine hands an answer key, and what a key returns: runs as plain data, verdicts.

The engine runs a student's notebook (isolated, in a child process), reads the named answers out
as plain JSON data, calls the student's functions on inputs the key picks at grade time, and hands
the :class:`Run` records to the key's grade functions *in the grader's own process*
(:mod:`grader.contract`, :mod:`grader.judge`). Nothing the student's code returns is trusted
beyond being plain data (None, bool, int, float, str, list, dict); anything else arrives as
:class:`Unsupported`.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Missing:
    """The student's notebook did not define this name (or the cell defining it failed)."""

    name: str


@dataclass(frozen=True)
class Unsupported:
    """The value was not plain data (e.g. a custom object); it is never trusted."""

    name: str
    type_name: str


@dataclass(frozen=True)
class CallError:
    """Calling the student's function raised, timed out, or returned non-plain data."""

    message: str


@dataclass
class Run:
    """What one execution of a submission produced, as plain data.

    ``parameters``: the values injected into the cell tagged ``parameters``.
    ``answers``: name -> plain value, :class:`Missing` or :class:`Unsupported`.
    ``probes``: function name -> list of results (plain value or :class:`CallError`), one per
    input in the key's probe list, in order.
    ``cells``: grade_id -> {"executed": bool, "error": str | None} for every nbgrader cell.
    ``error``: a run-level problem (kernel died, time limit) or None.
    ``probe_args``: function name -> the list of args tuples that ``probes`` answers, in order
    (exactly what the key's ``probes(rng)`` returned), so ``grade`` can check results against
    inputs drawn at grade time.
    ``artifacts_dir``: optional per-student directory where the key may write feedback files
    (figures); None when the engine gives none (the key then writes no files).
    ``oracle``: optional report of a grader-side service the run used (the toxicity project's
    labeling oracle, :meth:`grader.oracle.OracleServer.report`); None when there was none.
    """

    parameters: dict
    answers: dict = field(default_factory=dict)
    probes: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)
    error: str | None = None
    probe_args: dict = field(default_factory=dict)
    artifacts_dir: str | None = None
    oracle: dict | None = None


@dataclass
class Verdict:
    """Points for one graded question (an nbgrader grade_id) and feedback in the student's terms.

    ``figures``: paths of pictures the key wrote into the run's ``artifacts_dir`` for this
    question; the result record keeps their file names and ``course feedback`` embeds them.
    """

    points: float
    max_points: float
    feedback: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
