"""Stage 3: a job -> the sandboxed child's raw, untrusted result (bytes), nothing parsed.

The only stage that runs student code, and the only one a remote worker would run: it needs the
job (:mod:`grader.pipeline.parameterize`), the limits and a sandbox uid; no key, solution or
gradebook. A key's service (the labeling oracle) runs next to the sandbox, in this process.
"""
from __future__ import annotations

from pathlib import Path

from grader.limits import Limits
from grader.runner import launch, run_dir
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


class Staged:
    """Copies files into every run's folder of the work directory before the sandbox starts
    (the sandbox copies the work directory in), then starts ``service``, if any.

    ``files``: relative path -> host file, read without following symbolic links (an
    assignment's data and images, the student's submitted files), so relative paths in the
    notebook work as under ``nbgrader autograde``.
    """

    def __init__(self, files: dict, runs: int, service: KeyService | None = None):
        self.files, self.runs, self.service = files, runs, service

    def start(self, directory: Path, inside: str | None) -> dict:
        import os
        import shutil

        for i in range(self.runs):
            for rel, source in self.files.items():
                dest = directory / run_dir(i) / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
        return self.service.start(directory, inside) if self.service else {}

    def stop(self):
        if self.service is not None:
            self.service.stop()


def execute(job: dict, limits: Limits, *, sandbox: bool = True, uid: int | None = None,
            service: KeyService | None = None, files: dict | None = None) -> bytes:
    """:func:`grader.runner.launch`, started once more on another uid when it failed before the
    student's code ran (that uid may be the trouble: processes left on it, or a clash outside the
    grader). Raises :class:`grader.runner.RunnerError` when the child failed as a whole.
    ``files`` (relative path -> host file) are put beside each run's notebook (:class:`Staged`)."""
    if files:
        service = Staged(files, len(job["notebooks"]), service)
    try:
        return launch(job, limits, sandbox=sandbox, uid=uid, service=service)
    except InfrastructureError:
        from grader import uids

        with uids.lease() as other:
            return launch(job, limits, sandbox=sandbox, uid=other.uid, service=service)
