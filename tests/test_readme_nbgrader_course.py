"""README's "Use the grader in your own nbgrader course" runs as written, in a fresh course.

The course is what the section starts from: `nbgrader quickstart course101`, `ps1` released with
`nbgrader generate_assignment` and two students collected into `submitted/`; a clone of this
repository is `./imbalance-lab` beside it. The `pip install` line runs with `--dry-run` added
(the package under test is already installed): it must name this project. The other lines run
literally in bash.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nbgrader_classes as nc

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SECTION = "## Use the grader in your own nbgrader course"


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_section_has_three_commands_from_install_to_graded():
    lines = readme_commands()
    assert len(lines) == 3
    assert lines[0].startswith("pip install ./imbalance-lab")
    assert "course autograde ps1" in lines[1]


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def test_readme_pip_line_installs_this_project(tmp_path):
    """The install line, as a dry run (pip builds the project's metadata, installs nothing)."""
    (tmp_path / "imbalance-lab").symlink_to(REPO)
    pip = readme_commands()[0].split("#")[0]
    proc = subprocess.run(["bash", "-c", pip + " --dry-run --no-deps"], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True)
    if proc.returncode != 0 and re.search(r"satisfies the requirement setuptools|Failed to "
                                          r"establish|Network is unreachable", proc.stderr):
        pytest.skip("pip needs the package index for the project's build requirements: "
                    + proc.stderr.strip().splitlines()[-1])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Would install imbalance-lab-" in proc.stdout


def test_readme_commands_grade_a_quickstart_course(tmp_path):
    course = nc.quickstart_course(tmp_path)
    nc.write_quickstart_class(course, {s: nc.QUICKSTART_STUDENTS[s] for s in ("solution", "partly")})
    proc = subprocess.run(["bash", "-c", "set -euo pipefail\n" + "\n".join(readme_commands()[1:])],
                          cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    scores = nc.cell_scores(course, ["ps1"])
    auto = ["correct_squares", "squares_invalid_input", "correct_sum_of_squares",
            "sum_of_squares_uses_squares"]
    assert [scores[("ps1", "solution", "problem1", g)][0] for g in auto] == [1, 1, 0.5, 0.5]
    assert [scores[("ps1", "partly", "problem1", g)][0] for g in auto] == [1, 1, 0.5, 0]
    assert scores[("ps1", "solution", "problem2", "part-a")] == (None, 1.0, True)  # formgrader's
    for student in ("solution", "partly"):
        assert (course / "feedback" / student / "ps1" / "problem1.html").is_file()
    assert (course / "reports" / "ps1" / "report.html").is_file()
