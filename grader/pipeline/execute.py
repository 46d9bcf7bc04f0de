"""Stage 3: a job -> the sandboxed child's raw, untrusted result (bytes), nothing parsed.

The only stage that runs student code, and the only one a remote worker would run: it needs the
job (:mod:`grader.pipeline.parameterize`), the limits and a sandbox uid; no key, solution or
gradebook. A key's service (the labeling oracle) runs next to the sandbox, in this process.
"""
from __future__ import annotations

from pathlib import Path

from grader.limits import Limits
from grader.runner import launch
from grader.sandbox import InfrastructureError


class KeyService:
    """Adapter from a key's service session factory (``KEY.services``) to
    :func:`grader.runner.launch`.

    The service is bounded by the submission's ``limits`` (:mod:`grader.services`); its report's
    ``notes`` (cut off, or requests delayed) go into the feedback of every question that lost
    points.
    """

    def __init__(self, factory, limits: Limits):
        self.factory, self.limits, self.session, self.report = factory, limits, None, None

    def start(self, directory: Path, inside: str | None) -> dict:
        self.session = self.factory(directory, inside, limits=self.limits)
        return dict(self.session.env)

    def stop(self):
        self.report = self.session.close() if self.session is not None else None

    @property
    def notes(self) -> list[str]:
        return list((self.report or {}).get("service", {}).get("notes", []))


def execute(job: dict, limits: Limits, *, sandbox: bool = True, uid: int | None = None,
            service: KeyService | None = None) -> bytes:
    """:func:`grader.runner.launch`, started once more on another uid when it failed before the
    student's code ran (that uid may be the trouble: processes left on it, or a clash outside the
    grader). Raises :class:`grader.runner.RunnerError` when the child failed as a whole."""
    try:
        return launch(job, limits, sandbox=sandbox, uid=uid, service=service)
    except InfrastructureError:
        from grader import uids

        with uids.lease() as other:
            return launch(job, limits, sandbox=sandbox, uid=other.uid, service=service)
