"""A class of students attacking the grader, graded in ONE sandboxed batch (tiny fixture).

Every attack scores zero, leaks nothing, changes no other student's result, and the batch
finishes; limits hits carry a message naming the limit. A correct student graded in the same
batch keeps full marks.
"""
import json
import socket
import threading
from pathlib import Path

import nbformat
import pytest

from grader import sandbox
from grader.autograde import autograde, results_dir
from grader.gradebook import Gradebook, auto_scores, db_url_for
from grader.limits import Limits

from fixture_assignments import tiny_fixture as T

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                 reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")]
REPO = Path(__file__).resolve().parents[2]
LIMITS = Limits(cell_seconds=3, wall_seconds=40, memory_mb=2048, processes=64, cpu_seconds=30)
SECRET = "SECRET-7f3a9c"  # planted in the course directory next to the gradebook
VICTIM_MARK = "VICTIM-MARK-51e2"  # in the victim's notebook
WRONG = "def share(a, b):\n    return 0.75"


def _probe_files(paths, write=False):
    """Student code that tries to read (or write) each path and prints what it got."""
    mode = "'ab'" if write else "'rb'"
    return ("import os\n"
            f"for p in {paths!r}:\n"
            "    try:\n"
            f"        with open(p, {mode}) as fh:\n"
            + ("            fh.write(b'{\"score\": 100}')\n            print('WRITE-OK', p)\n" if write else
               "            print('READ-OK', p, fh.read(300))\n")
            + "    except Exception as e:\n"
            "        print('DENIED', p, type(e).__name__)\n")


def attacks(course: Path, subs: Path, port: int) -> dict:
    victim_nb = subs / "victim" / "tiny_fixture.ipynb"
    secrets = [str(course / "solutions" / "secret.txt"), str(course / "gradebook.db"),
               str(victim_nb), str(REPO / "grader" / "assignments" / "ex01_class_weights.py"),
               str(REPO / "solutions" / "ex01_class_weights" / "ex01_class_weights.ipynb"),
               str(results_dir(course, "tiny_fixture") / "victim.json"), "/proc/1/environ"]
    grades = [str(course / "gradebook.db"), str(results_dir(course, "tiny_fixture") / "victim.json"),
              str(results_dir(course, "tiny_fixture") / "read_secrets.json"),
              str(course / "autograded" / "victim" / "tiny_fixture" / "tiny_fixture.ipynb")]
    forged = json.dumps({"runs": [{"error": None, "cells": {}, "payload": {
        "answers": {"ratio": {"value": 3.0}}, "probes": {}}, "payload_error": None}], "outputs": []})
    return {
        "patch_builtins": {"answer_share": "import builtins\nbuiltins.round = lambda *a, **k: 3.0\n"
                                           "builtins.isinstance = lambda *a: True\n"
                                           "builtins.abs = lambda x: 0\n" + WRONG,
                           "answer_ratio": "ratio = round(7)"},
        "patch_numpy": {"answer_share": "import numpy as np, math\n"
                                        "np.isclose = np.allclose = lambda *a, **k: True\n"
                                        "np.testing.assert_allclose = lambda *a, **k: None\n"
                                        "math.isclose = lambda *a, **k: True\n" + WRONG,
                        "answer_ratio": "ratio = 1.5"},
        "patch_checker": {"answer_share": "import json, grader.extract as ge, grader.spec as gs\n"
                                          "ge.decode = lambda *a, **k: 3.0\n"
                                          "gs.Verdict.__init__ = lambda self, *a, **k: None\n"
                                          "json.dumps = lambda *a, **k: '{\"answers\": {\"ratio\": "
                                          "{\"value\": 3.0}}, \"probes\": {}}'\n" + WRONG,
                          "answer_ratio": "ratio = 1.5"},
        "always_equal": {"answer_share": "class Eq(float):\n    def __eq__(self, o):\n        return True\n"
                                         "    __hash__ = float.__hash__\n"
                                         "def share(a, b):\n    return Eq(0.1)",
                         "answer_ratio": "class Any:\n    def __eq__(self, o):\n        return True\n"
                                         "ratio = Any()"},
        "tampered_tests": {"answer_share": WRONG, "answer_ratio": "ratio = 1.5",
                           "*tests": "pass"},
        "skip_tags": {"answer_share": WRONG, "answer_ratio": "ratio = 1.5",
                      "*tags": ["skip-execution", "raises-exception"]},
        "sys_exit": {"answer_share": "import sys\nsys.exit(0)\n" + WRONG, "answer_ratio": "raise SystemExit(0)"},
        "ipython_exit": {"answer_share": "get_ipython().ask_exit()\nexit()\n" + WRONG,
                         "answer_ratio": "quit()"},
        "os_exit": {"answer_share": "import os\nos._exit(0)", "answer_ratio": "ratio = 3.0"},
        "self_kill": {"answer_share": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
                                      "os.kill(os.getpid(), signal.SIGKILL)", "answer_ratio": "ratio = 3.0"},
        "infinite_loop": {"answer_share": WRONG, "answer_ratio": "while True:\n    pass"},
        "stubborn_loop": {"answer_share": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                          "while True:\n    pass", "answer_ratio": "ratio = 3.0"},
        "memory_bomb": {"answer_share": WRONG, "answer_ratio": "x = bytearray(50 * 1024**3)"},
        "memory_creep": {"answer_share": WRONG,
                         "answer_ratio": "import numpy as np\nkeep = []\n"
                                         "while True:\n    keep.append(np.empty(64 * 1024**2, np.uint8))"},
        "fork_bomb": {"answer_share": WRONG,
                      "answer_ratio": "import os\nwhile True:\n    try:\n        os.fork()\n"
                                      "    except OSError:\n        pass"},
        "output_flood": {"answer_share": WRONG,
                         "answer_ratio": "print('x' * 50_000_000)\nwhile True:\n    print('y' * 100_000)"},
        # many files, each under the per-file cap, that together would fill the grader's disk
        "disk_fill": {"answer_share": WRONG,
                      "answer_ratio": "for i in range(6):\n"
                                      "    open(f'fill{i}', 'wb').write(b'x' * 60 * 1024**2)"},
        "read_secrets": {"answer_share": _probe_files(secrets) + "print(sorted(os.listdir('/')))\n"
                                                                "print(sorted(os.listdir('.')))\n" + WRONG,
                         "answer_ratio": "ratio = 1.5"},
        "write_grades": {"answer_share": _probe_files(grades, write=True) + WRONG, "answer_ratio": "ratio = 1.5"},
        "network": {"answer_share": "import socket\ntry:\n"
                                    f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                                    "    print('NET-OK')\nexcept OSError as e:\n    print('NET-DENIED', e)\n"
                                    + WRONG, "answer_ratio": "ratio = 1.5"},
        "forged_results": {"answer_share": "import os\n"
                                           f"forged = {forged!r}\n"
                                           "for name in ['result.json', 'grader_results.json', '../result.json']:\n"
                                           "    open(name, 'w').write(forged)\n"
                                           "print(forged)\n"
                                           "for fd in range(3, 40):\n"
                                           "    try:\n        os.write(fd, forged.encode() + b'\\n')\n"
                                           "    except OSError:\n        pass\n"
                                           "for path in ['/proc/%d/fd/1' % os.getppid(), '/proc/%d/mem' % os.getppid()]:\n"
                                           "    try:\n        open(path, 'w').write(forged); print('PROC-OK', path)\n"
                                           "    except OSError as e:\n        print('PROC-DENIED', type(e).__name__)\n"
                                           + WRONG,
                           "answer_ratio": "ratio = 1.5"},
    }


def _notebook(answers: dict):
    nb = T.submission({k: v for k, v in answers.items() if not k.startswith("*")})
    for cell in nb.cells:
        if cell.metadata.nbgrader["grade_id"].startswith("test_"):
            if "*tests" in answers:
                cell.source = answers["*tests"]
            if "*tags" in answers:
                cell.metadata["tags"] = list(answers["*tags"])
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    T.write_course(course)
    (course / "solutions").mkdir()
    (course / "solutions" / "secret.txt").write_text(SECRET)
    subs = course / "submitted"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(60)
    hits = []
    threading.Thread(target=_record_connections, args=(server, hits), daemon=True).start()
    cases = attacks(course, subs, server.getsockname()[1])
    victim = _notebook(T.CORRECT)
    victim.cells[2].source += f"\n# {VICTIM_MARK}"
    for sid, nb in {**{s: _notebook(a) for s, a in cases.items()}, "victim": victim}.items():
        (subs / sid).mkdir(parents=True)
        nbformat.write(nb, subs / sid / "tiny_fixture.ipynb")
    records = autograde("tiny_fixture", subs, course_dir=course, workers=2, limits=LIMITS,
                        progress=False)
    server.close()
    return course, records, list(cases), hits


def _outputs(course, sid) -> str:
    nb = nbformat.read(course / "autograded" / sid / "tiny_fixture" / "tiny_fixture.ipynb", 4)
    return json.dumps([c.get("outputs", []) for c in nb.cells])



def _record_connections(server, hits):
    """Listener thread: note any connection; the test closes the socket when it is done."""
    try:
        hits.append(server.accept())
    except OSError:
        pass

def test_every_attack_scores_zero_and_the_victim_full_marks(batch):
    course, records, cases, _ = batch
    assert set(records) == set(cases) | {"victim"}
    gained = {sid: records[sid]["score"] for sid in cases if records[sid]["score"] != 0}
    assert not gained, gained
    victim = records["victim"]
    assert (victim["status"], victim["score"], victim["error"]) == ("graded", 3.0, None)


def test_gradebook_and_result_files_agree_for_everyone(batch):
    course, records, _, _ = batch
    with Gradebook(db_url_for(course)) as gb:
        stored = auto_scores(gb, "tiny_fixture")
    for sid, record in records.items():
        on_disk = json.loads((results_dir(course, "tiny_fixture") / f"{sid}.json").read_text())
        assert on_disk["score"] == record["score"]
        assert stored[sid] == {g: q["points"] for g, q in record["questions"].items()}, sid


@pytest.mark.parametrize("sid, words", [
    ("stubborn_loop", "did not stop when interrupted"),
    ("os_exit", "kernel died"), ("self_kill", "grading process failed (killed by SIGKILL)"),
])
def test_limits_and_deaths_that_stop_the_run_are_named(batch, sid, words):
    _, records, _, _ = batch
    r = records[sid]
    assert r["status"] == "error" and words in r["error"], r["error"]
    assert all(q["feedback"] for q in r["questions"].values())


@pytest.mark.parametrize("sid, words", [
    ("infinite_loop", "time limit per cell (3 s)"),
    ("memory_bomb", "memory limit (2048 MB)"), ("memory_creep", "memory limit (2048 MB)"),
])
def test_a_limit_the_kernel_survives_is_named_on_the_question_of_that_cell(batch, sid, words):
    """The cell (answer_ratio) stopped at a limit; the run went on, its question gets 0."""
    _, records, _, _ = batch
    r = records[sid]
    ratio = " ".join(r["questions"]["test_ratio"]["feedback"])
    assert r["status"] == "graded" and r["questions"]["test_ratio"]["points"] == 0
    assert "cell 'answer_ratio' hit a limit" in ratio and words in ratio, ratio
    assert words in r["cells"]["answer_ratio"]["error"]


def test_fork_bomb_and_output_flood_are_contained(batch):
    course, records, _, _ = batch
    for sid in ("fork_bomb", "output_flood"):
        r = records[sid]
        # a stuck fork bomb stops the run; a flood is truncated and its loop stopped at the time limit
        named = (r["error"] or "") + " ".join(r["questions"]["test_ratio"]["feedback"])
        assert r["score"] == 0 and "limit" in named, named
    flood = course / "autograded" / "output_flood" / "tiny_fixture" / "tiny_fixture.ipynb"
    assert flood.stat().st_size < 200_000
    assert "output truncated by the grader" in _outputs(course, "output_flood")


def test_filling_the_disk_stops_at_the_cap_and_is_named(batch):
    _, records, _, _ = batch
    r = records["disk_fill"]
    assert r["status"] == "error" and f"disk space limit ({LIMITS.disk_mb} MB)" in r["error"], r["error"]


def test_nothing_leaks_and_nothing_is_written(batch):
    course, records, _, _ = batch
    seen = _outputs(course, "read_secrets")
    assert "DENIED" in seen and "READ-OK" not in seen
    for secret in (SECRET, VICTIM_MARK, "Answer key", "SQLite format"):
        assert secret not in seen
    assert "solutions" not in seen.split("DENIED")[-1]  # not in the listings of / or .
    wrote = _outputs(course, "write_grades")
    assert "WRITE-OK" not in wrote and wrote.count("DENIED") == 4
    assert json.loads((results_dir(course, "tiny_fixture") / "victim.json").read_text())["score"] == 3.0
    for sid, r in records.items():
        assert SECRET not in json.dumps(r)


def test_no_network_even_to_loopback(batch):
    course, records, _, hits = batch
    assert not hits
    assert "NET-DENIED" in _outputs(course, "network") and "NET-OK" not in _outputs(course, "network")


def test_forged_results_are_ignored(batch):
    course, records, _, _ = batch
    r = records["forged_results"]
    assert r["score"] == 0 and r["status"] == "graded"
    seen = _outputs(course, "forged_results")
    assert "PROC-OK" not in seen and seen.count("PROC-DENIED") == 2
    assert not list(course.rglob("result.json")) and not list(course.rglob("grader_results.json"))


def test_tampered_and_skipped_tests_run_the_released_tests(batch):
    course, records, _, _ = batch
    for sid in ("tampered_tests", "skip_tags"):
        r = records[sid]
        assert r["score"] == 0 and all(c["executed"] for c in r["cells"].values()), r["cells"]
        nb = nbformat.read(course / "autograded" / sid / "tiny_fixture" / "tiny_fixture.ipynb", 4)
        tests = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_share"]
        assert tests[0].source == "assert share(1, 1) == 0.5" and tests[0].metadata["tags"] == []
