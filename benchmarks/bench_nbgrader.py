"""Grading an nbgrader course: ``course autograde`` vs ``nbgrader autograde`` on the quickstart class.

Run: python benchmarks/bench_nbgrader.py [--copies 3] [--repeat 3] [--workers 2]

Builds the course ``nbgrader quickstart course101`` makes (``ps1``: two notebooks, released with
``nbgrader generate_assignment``) and a realistic class in ``submitted/``: ``--copies`` copies of
the differential suite's honest students (tests/grader/fixtures/nbgrader_classes.py: stubs,
solutions, partly right, wrong, errors, a missing notebook) plus students who import pandas,
scikit-learn or imbalanced-learn themselves and students whose answers are slow (a second of
setup, a pure-Python loop). Each repeat grades a fresh copy of the course with each grader, in
turn (so drifting load from other jobs hits both): ours sandboxed (bubblewrap, one sandbox per
notebook) with ``--workers`` workers, nbgrader's own ``autograde`` (a kernel per notebook, one at
a time). Both run as an instructor runs them, as commands inside the course directory. Prints
each run, the median wall time of each, seconds per submission, the ratio of the medians, the
load average before and after, and whether both gradebooks hold the same score for every cell.
"""
import argparse
import importlib.util
import os
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _load(path: Path):
    """The test suite's class builder, loaded from its file (it is not an installed module)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nc = _load(REPO / "tests" / "grader" / "fixtures" / "nbgrader_classes.py")

_SUM = "def sum_of_squares(n):\n    return sum(squares(n))"
# Students of a real class import the libraries they know, at the top of a cell.
EXTRA_STUDENTS = {
    "sklearn_user": {"problem1": {
        "squares": "import numpy as np\nimport pandas as pd\nfrom sklearn.metrics import f1_score\n\n"
                   "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n    return "
                   "[int(v) for v in np.arange(1, n + 1) ** 2]", "sum_of_squares": _SUM},
        "problem2": "*"},
    "pandas_user": {"problem1": {
        "squares": "import pandas as pd\n\ndef squares(n):\n    if n < 1:\n        raise "
                   "ValueError(n)\n    return pd.Series(range(1, n + 1)).pow(2).tolist()",
        "sum_of_squares": _SUM}, "problem2": {}},
    "imblearn_user": {"problem1": {
        "squares": "import sklearn\nfrom imblearn.over_sampling import RandomOverSampler\n\n"
                   "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n    return "
                   "[i ** 2 for i in range(1, n + 1)]", "sum_of_squares": _SUM}, "problem2": {}},
    # slow: a pure-Python loop in every call
    "slow_loop": {"problem1": {
        "squares": "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n    total = 0\n"
                   "    for _ in range(300_000):\n        total += 1\n    return [i ** 2 for i in "
                   "range(1, n + 1)]", "sum_of_squares": _SUM}, "problem2": "*"},
}


def build(root: Path, copies: int) -> tuple[Path, int]:
    course = nc.quickstart_course(root)
    students = nc.QUICKSTART_STUDENTS | EXTRA_STUDENTS
    n = len(nc.write_quickstart_class(course, students, copies=copies))
    return course, n


def grade(course: Path, dest: Path, command: list[str]) -> tuple[float, dict]:
    copy = nc.copy_course(course, dest)
    start = time.perf_counter()
    nc.run(command, cwd=copy)
    return time.perf_counter() - start, nc.cell_scores(copy, ["ps1"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=3,
                    help=f"copies of the {len(nc.QUICKSTART_STUDENTS) + len(EXTRA_STUDENTS)}-student "
                         "class (default 3)")
    ap.add_argument("--repeat", type=int, default=3, help="gradings per grader (default 3)")
    ap.add_argument("--workers", type=int, default=2, help="our grader's workers (default 2)")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        tmp = Path(tmp)
        course, n = build(tmp, args.copies)
        print(f"{n} submissions of the quickstart course's ps1 (2 notebooks each), "
              f"{os.cpu_count()} cores, load average {load_before[0]:.1f}")
        ours, theirs, same = [], [], True
        for i in range(args.repeat):
            t_theirs, s_theirs = grade(course, tmp / f"nbgrader{i}", ["nbgrader", "autograde", "ps1"])
            t_ours, s_ours = grade(course, tmp / f"ours{i}", ["course", "autograde", "ps1",
                                                              "--workers", str(args.workers)])
            diff = nc.score_diff(s_theirs, s_ours)
            same = same and not diff
            theirs.append(t_theirs)
            ours.append(t_ours)
            print(f"run {i + 1}: nbgrader autograde {t_theirs:.1f} s, course autograde {t_ours:.1f} s"
                  f"{'' if not diff else f' ({len(diff)} cells differ)'}")
    load_after = os.getloadavg()
    m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
    print(f"course autograde (bubblewrap sandbox per notebook, {args.workers} workers): median "
          f"{m_ours:.1f} s, {m_ours / n:.2f} s per submission")
    print(f"nbgrader autograde (no sandbox, one kernel at a time): median {m_theirs:.1f} s, "
          f"{m_theirs / n:.2f} s per submission")
    print(f"throughput ratio (nbgrader median / our median): {m_theirs / m_ours:.2f}x")
    print(f"same score for every cell in every run: {'yes' if same else 'NO'}; load average "
          f"before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
