"""Grading throughput: our grader vs plain ``nbgrader autograde`` on the same ex01 submissions.

Run: python benchmarks/bench_grading.py [--n 40] [--workers 2] [--mix realistic] [--compare]
[--no-nbgrader]

Both grade the same N submissions of ``ex01_class_weights`` made from the released notebook.
``--mix benchmark`` (the default): mostly correct in several forms, some common mistakes, almost
no imports. ``--mix realistic``: the same kinds of answers, but most students import
scikit-learn or pandas themselves at top level (``import sklearn``, ``from sklearn.metrics import
f1_score``, ``import pandas as pd``, imbalanced-learn, a weights function built on
``compute_class_weight``), as a real class does. Ours runs sandboxed (bubblewrap), with the
parameterized re-runs (three parameter sets per student, ex01's key draws two fresh ones) and the
given number of workers; nbgrader runs its own ``autograde`` (one kernel per submission,
sequential) in a temporary nbgrader course built from ``solutions/`` with ``nbgrader
generate_assignment``. ``--compare`` also times ours with the submission's own imports not
preloaded in the template (``IMBALANCE_LAB_SUBMISSION_PREIMPORT=0``, what grader/preimport.py
saves). Prints the wall times, seconds per submission, the ratios, and the peak RSS of our main
process (use ``--n 300 --no-nbgrader`` for the memory check of a large batch).
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

_SAMPLE = demo.SAMPLES[AID]
_W = _SAMPLE["alice_correct"]["a2_rounded_weights"]
_M = _SAMPLE["alice_correct"]["a3_metrics"]
_SKLEARN_FN = """import numpy as np
from sklearn.utils.class_weight import compute_class_weight

def inverse_frequency_weights(counts):
    classes = np.array(list(counts))
    y = np.repeat(classes, list(counts.values()))
    w = compute_class_weight("balanced", classes=classes, y=y)
    return {c: float(x) for c, x in zip(counts, w)}"""
_PANDAS_FN = """import pandas as pd

def inverse_frequency_weights(counts):
    s = pd.Series(list(counts.values()), index=list(counts), dtype=float)
    return {c: float(w) for c, w in (s.sum() / (len(s) * s)).items()}"""
# Most students import scikit-learn or pandas themselves (12 of 15), in several shapes.
REALISTIC = [
    (3, {"a1_inverse_frequency_weights": "import numpy as np\nimport pandas as pd\nfrom sklearn.metrics "
                                         "import f1_score, average_precision_score\n\n" + _FN,
         "a2_rounded_weights": _W, "a3_metrics": _M}),
    (2, {"a1_inverse_frequency_weights": _SKLEARN_FN, "a2_rounded_weights": _W, "a3_metrics": _M}),
    (2, {"a1_inverse_frequency_weights": _PANDAS_FN, "a2_rounded_weights": _W, "a3_metrics": _M}),
    (1, {"a1_inverse_frequency_weights": "import sklearn\nprint(sklearn.__version__)\n\n" + _FN,
         "a2_rounded_weights": _W, "a3_metrics": _M}),
    (1, {"a1_inverse_frequency_weights": "import numpy as np\n\n" + _FN, "a2_rounded_weights": _W,
         "a3_metrics": "from imblearn.metrics import geometric_mean_score\n" + _M}),
    (1, {**_SAMPLE["dave_swapped"], "a1_inverse_frequency_weights":
         "import pandas as pd\n\n" + _SAMPLE["dave_swapped"]["a1_inverse_frequency_weights"]}),
    (1, {**_SAMPLE["carol_partly"], "a3_metrics": "from sklearn.metrics import f1_score\n"
                                                  + _SAMPLE["carol_partly"]["a3_metrics"]}),
    (1, {**_SAMPLE["alice_correct"], "a2_rounded_weights": "import pandas as pd\nimport "
                                                           "matplotlib.pyplot as plt\n" + _W}),
    (1, _SAMPLE["bob_numpy_pairs"]),
    (1, _SAMPLE["alice_correct"]),
    (1, _SAMPLE["frank_hardcoded"]),
]
MIXES = {"benchmark": KINDS, "realistic": REALISTIC}


def make_submissions(n: int, root: Path, released, mix: str = "benchmark") -> list[str]:
    """Write n submissions as ``root/<student>/<AID>/<AID>.ipynb``; return the student ids."""
    pool = [answers for weight, answers in MIXES[mix] for _ in range(weight)]
    students = []
    for i in range(n):
        sid = f"student{i:03d}"
        path = root / sid / AID / f"{AID}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(demo.sample_notebook(released, pool[i % len(pool)]), path)
        students.append(sid)
    return students


def run_ours(tmp: Path, n: int, workers: int, mix: str, preload: bool = True) -> float:
    course = tmp / ("ours" if preload else "ours-no-preload")
    shutil.copytree(REPO / "exercises" / AID, course / "exercises" / AID)
    released = nbformat.read(course / "exercises" / AID / f"{AID}.ipynb", as_version=4)
    make_submissions(n, course / "submitted", released, mix)
    os.environ["IMBALANCE_LAB_SUBMISSION_PREIMPORT"] = "1" if preload else "0"
    try:
        start = time.perf_counter()
        records = autograde(AID, course / "submitted", course_dir=course, workers=workers,
                            progress=False)
        seconds = time.perf_counter() - start
    finally:
        del os.environ["IMBALANCE_LAB_SUBMISSION_PREIMPORT"]
    statuses = {}
    for r in records.values():
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(f"ours{'' if preload else ' (own imports not preloaded)'}: {len(records)} graded "
          f"{statuses}, mean score {sum(r['score'] for r in records.values()) / len(records):.2f} / 7")
    return seconds


def run_nbgrader(tmp: Path, n: int, mix: str) -> float:
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
    make_submissions(n, course / "submitted", released, mix)
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
    ap.add_argument("--mix", choices=sorted(MIXES), default="benchmark",
                    help="which class: benchmark (default) or realistic (students import "
                         "scikit-learn or pandas themselves)")
    ap.add_argument("--compare", action="store_true",
                    help="also time ours without preloading the submissions' own imports")
    ap.add_argument("--no-nbgrader", action="store_true", help="time only our grader")
    args = ap.parse_args(argv)
    print(f"{args.n} submissions of {AID} ({args.mix} mix), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        ours = run_ours(tmp, args.n, args.workers, args.mix)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"ours (sandboxed, 3 parameter sets each, {args.workers} workers): {ours:.1f} s, "
              f"{ours / args.n:.3f} s per submission; peak RSS of the main process {peak:.0f} MB")
        if args.compare:
            old = run_ours(tmp, args.n, args.workers, args.mix, preload=False)
            print(f"ours, own imports not preloaded: {old:.1f} s, {old / args.n:.3f} s per "
                  f"submission ({old / ours:.2f}x the time with them preloaded)")
        if not args.no_nbgrader:
            theirs = run_nbgrader(tmp, args.n, args.mix)
            print(f"nbgrader autograde (no sandbox, 1 run each, sequential): {theirs:.1f} s, "
                  f"{theirs / args.n:.3f} s per submission")
            print(f"throughput ratio (nbgrader time / our time): {theirs / ours:.2f}x")
            if args.compare:
                print(f"throughput ratio without preloading own imports: {theirs / old:.2f}x")


if __name__ == "__main__":
    main()
