"""The executed course, shared by the lesson tests and the quiz-bank tests that read lesson outputs."""
import os
from pathlib import Path

import pytest

from grader.site import build_site, lesson_paths, missing_extras

LESSONS = lesson_paths(Path(__file__).resolve().parents[2] / "lessons")


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    """Execute every lesson once (in parallel) and render the static course from the results."""
    out = tmp_path_factory.mktemp("site")
    pages = build_site(out, LESSONS, workers=2)
    for page in pages:
        request.config.lesson_times[page.source.stem] = page.seconds
    return out, {page.source.stem: page for page in pages}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def require_extras():
    """``require_extras(path)``: a lesson that needs an optional extra (lesson 10: PyTorch) is
    skipped where the extra is not installed, saying how to install it; in CI (``CI=true``) that
    is a failure, since CI installs every extra (.ci/run)."""
    def require(path: Path):
        missing, how = missing_extras(path)
        if missing:
            message = f"{path.name} needs {', '.join(missing)}, which is not installed: {how}"
            if _in_ci():
                pytest.fail(message + ". CI must run it (.ci/run installs the extra).")
            pytest.skip(message)
    return require
