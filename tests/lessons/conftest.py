"""The executed course, shared by the lesson tests and the quiz-bank tests that read lesson outputs."""
from pathlib import Path

import pytest

from grader.site import build_site, lesson_paths

LESSONS = lesson_paths(Path(__file__).resolve().parents[2] / "lessons")


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    """Execute every lesson once (in parallel) and render the static course from the results."""
    out = tmp_path_factory.mktemp("site")
    pages = build_site(out, LESSONS, workers=2)
    for page in pages:
        request.config.lesson_times[page.source.stem] = page.seconds
    return out, {page.source.stem: page for page in pages}
