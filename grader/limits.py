"""Resource limits for grading one submission (the single limits type of the grader).

One submission is one sandboxed child process that executes every parameter set of the notebook.
``cpu_seconds``, ``processes`` and ``file_size_mb`` are rlimits of every process in it;
``memory_mb`` is the address space of each process (an rlimit) and also the memory of the whole
submission, all its processes together (the grader samples it, see :mod:`grader.sandbox`);
``disk_mb`` is everything the submission can write (its directory and ``/tmp`` are one in-memory
file system of that size; nothing reaches the grader's disk). ``wall_seconds`` bounds the whole
submission (all parameter sets together), ``cell_seconds`` each cell, ``call_seconds`` each call of
a student's function by the grader and ``extract_seconds`` the cell that reads the answers out;
``output_kb`` caps what the child may send back (the executed notebook and the answers), and
outputs beyond ``cell_output_kb`` per cell are truncated, never stored.

Grader-side services the notebook talks to (the labeling oracle) run outside the sandbox and are
bounded per submission by the ``service_*`` limits (see :mod:`grader.services`): requests beyond
``service_requests_per_second`` wait their turn, requests larger than ``service_request_kb`` are
refused, and after ``service_cpu_seconds`` of the grader's CPU the notebook is cut off.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

#: Grace the hard kill gives the child after ``wall_seconds`` to report what it has.
KILL_GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class Limits:
    """Per-submission resource limits (see the module docstring).

    Memory is bounded twice: the grader stops a submission whose processes together hold more
    than ``memory_mb`` (it checks a few times a second), and no process can map more than
    ``memory_mb``, so even between two checks the submission can never hold more than
    ``processes * memory_mb`` (plus ``disk_mb`` of files). A graded notebook runs two processes of
    one thread each (the template and the copy running the cells; BLAS and OpenMP use one thread),
    so the default ``processes`` leaves room for some threads and helper commands, and no more
    (the limit counts the processes and threads of the sandbox's uid, a uid leased by one grading
    process alone, :mod:`grader.uids`).

    >>> Limits(cell_seconds=5).cell_seconds
    5
    >>> Limits(memory_mb=0)
    Traceback (most recent call last):
    ...
    ValueError: limit memory_mb must be a positive number, got 0
    """

    cpu_seconds: int = 300
    wall_seconds: float = 240.0
    cell_seconds: float = 30.0
    call_seconds: float = 10.0
    extract_seconds: float = 60.0
    memory_mb: int = 4096
    processes: int = 16
    file_size_mb: int = 64
    disk_mb: int = 256
    output_kb: int = 8192
    cell_output_kb: int = 256
    service_requests_per_second: float = 100.0
    service_cpu_seconds: float = 10.0
    service_request_kb: int = 512

    def __post_init__(self):
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"limit {name} must be a positive number, got {value!r}")

    def describe(self, name: str) -> str:
        """The limit ``name`` in words, for messages (``"memory limit (4096 MB)"``)."""
        words = {"cpu_seconds": ("CPU time limit", "s"), "wall_seconds": ("wall time limit for "
                 "the whole submission", "s"), "cell_seconds": ("time limit per cell", "s"),
                 "call_seconds": ("time limit per function call", "s"),
                 "extract_seconds": ("time limit for reading the answers", "s"),
                 "memory_mb": ("memory limit", "MB"), "processes": ("process limit", "processes"),
                 "file_size_mb": ("file size limit", "MB"), "disk_mb": ("disk space limit", "MB"),
                 "output_kb": ("output size limit", "KiB"),
                 "cell_output_kb": ("output size limit per cell", "KiB"),
                 "service_requests_per_second": ("request rate limit of grader-side services",
                                                 "requests per second"),
                 "service_cpu_seconds": ("CPU time limit of grader-side services", "s"),
                 "service_request_kb": ("request size limit of grader-side services", "KiB")}
        label, unit = words[name]
        return f"{label} ({getattr(self, name):g} {unit})"

    def to_dict(self) -> dict:
        return asdict(self)
