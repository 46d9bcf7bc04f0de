"""Grading throughput: our grader vs plain ``nbgrader autograde`` on the same ex01 submissions.

Run: python benchmarks/bench_grading.py [--n 40] [--workers 2] [--no-nbgrader]

Both grade the same N submissions of ``ex01_class_weights`` made from the released notebook
(mostly correct in several forms, some common mistakes). Ours runs sandboxed (bubblewrap), with
the parameterized re-runs (three parameter sets per student) and the given number of workers;
nbgrader runs its own ``autograde`` (one kernel per submission, sequential) in a temporary
nbgrader course built from ``solutions/`` with ``nbgrader generate_assignment``. Prints both wall
times, seconds per submission, the ratio, and the peak RSS of our main process (use ``--n 300
--no-nbgrader`` for the memory check of a large batch).
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader import demo
from grader.autograde import autograde

REPO = Path(__file__).resolve().parents[1]
AID = "ex01_class_weights"

_FN = demo.SAMPLES[AID]["alice_correct"]["a1_inverse_frequency_weights"]
# (weight in the class, answers): mostly correct in several forms, some common mistakes
KINDS = [
    (5, demo.SAMPLES[AID]["alice_correct"]),
    (2, demo.SAMPLES[AID]["bob_numpy_pairs"]),
    (1, {"a1_inverse_frequency_weights": _FN,
         "a2_rounded_weights": "w0, w1 = (round(v, 2) for v in "
                               "inverse_frequency_weights({0: n_non_toxic, 1: n_toxic}).values())",
         "a3_metrics": 'metrics = ["macro_f1", "pr_auc"]'}),
    (1, demo.SAMPLES[AID]["carol_partly"]),
    (1, demo.SAMPLES[AID]["dave_swapped"]),
    (1, demo.SAMPLES[AID]["erin_forgot_k"]),
    (1, demo.SAMPLES[AID]["frank_hardcoded"]),
]


def make_submissions(n: int, root: Path, released) -> list[str]:
    """Write n submissions as ``root/<student>/<AID>/<AID>.ipynb``; return the student ids."""
    pool = [answers for weight, answers in KINDS for _ in range(weight)]
    students = []
    for i in range(n):
        sid = f"student{i:03d}"
        path = root / sid / AID / f"{AID}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(demo.sample_notebook(released, pool[i % len(pool)]), path)
        students.append(sid)
    return students


def run_ours(tmp: Path, n: int, workers: int) -> float:
    course = tmp / "ours"
    shutil.copytree(REPO / "exercises" / AID, course / "exercises" / AID)
    released = nbformat.read(course / "exercises" / AID / f"{AID}.ipynb", as_version=4)
    make_submissions(n, course / "submitted", released)
    start = time.perf_counter()
    records = autograde(AID, course / "submitted", course_dir=course, workers=workers,
                        progress=False)
    seconds = time.perf_counter() - start
    statuses = {}
    for r in records.values():
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(f"ours: {len(records)} graded {statuses}, mean score "
          f"{sum(r['score'] for r in records.values()) / len(records):.2f} / 7")
    return seconds


def run_nbgrader(tmp: Path, n: int) -> float:
    course = tmp / "nbgrader"
    shutil.copytree(REPO / "solutions" / AID, course / "source" / AID)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = %r\nc.CourseDirectory.course_id = 'bench'\n"
        % str(course))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    nbg = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbg + ["generate_assignment", AID, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    released = nbformat.read(course / "release" / AID / f"{AID}.ipynb", as_version=4)
    make_submissions(n, course / "submitted", released)
    start = time.perf_counter()
    proc = subprocess.run(nbg + ["autograde", AID], cwd=course, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    done = len(list((course / "autograded").glob(f"*/{AID}/{AID}.ipynb")))
    print(f"nbgrader: exit {proc.returncode}, {done} autograded notebooks")
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
    return seconds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    ap.add_argument("--workers", type=int, default=2, help="our grader's workers (default 2)")
    ap.add_argument("--no-nbgrader", action="store_true", help="time only our grader")
    args = ap.parse_args(argv)
    print(f"{args.n} submissions of {AID}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        ours = run_ours(tmp, args.n, args.workers)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"ours (sandboxed, 3 parameter sets each, {args.workers} workers): {ours:.1f} s, "
              f"{ours / args.n:.3f} s per submission; peak RSS of the main process {peak:.0f} MB")
        if not args.no_nbgrader:
            theirs = run_nbgrader(tmp, args.n)
            print(f"nbgrader autograde (no sandbox, 1 run each, sequential): {theirs:.1f} s, "
                  f"{theirs / args.n:.3f} s per submission")
            print(f"throughput ratio (nbgrader time / our time): {theirs / ours:.2f}x")


if __name__ == "__main__":
    main()
