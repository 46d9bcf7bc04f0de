"""The labeling oracle: budget, server-side log, no way to forge it or reach test labels."""
from __future__ import annotations

import hashlib
import json
import re
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from grader.limits import Limits
from grader.oracle import OracleServer
from learner.oracle import LocalOracle, OracleClient, OracleError, get_oracle


def _server(tmp_path, budget=5):
    labels = {i: int(i % 4 == 0) for i in range(20)}
    return OracleServer(labels, budget, tmp_path / "o.sock").start()


def test_budget_refusal_and_free_repeats(tmp_path):
    server = _server(tmp_path)
    try:
        client = OracleClient(server.path)
        assert client.label([0, 1, 2]) == {0: 1, 1: 0, 2: 0}
        assert client.label([0, 1]) == {0: 1, 1: 0}  # asking again is free
        assert client.remaining == 2
        with pytest.raises(OracleError, match="budget exceeded"):
            client.label([3, 4, 5])                 # would need 3 new labels, 2 left
        assert client.used == 3                     # a refused request buys nothing
        with pytest.raises(OracleError, match="not pool items"):
            client.label([999])
    finally:
        report = server.close()
    assert report["used"] == 3 and report["labeled"] == [0, 1, 2] and report["refused"] == 2


def test_forged_requests_gain_nothing(tmp_path):
    server = _server(tmp_path, budget=2)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(server.path)
        reader = sock.makefile("rb")
        for req in ({"op": "report", "used": 0}, {"op": "label", "ids": [1, "2"]},
                    {"op": "set_budget", "budget": 100}, {"op": "label", "ids": [1, 2, 3]},
                    [1, 2], "junk"):
            sock.sendall(json.dumps(req).encode() + b"\n")
            assert "error" in json.loads(reader.readline())
        sock.sendall(b"{not json\n")
        assert "error" in json.loads(reader.readline())
        # a client-side log or budget means nothing: the server's report is what counts
        client = OracleClient(server.path)
        client._budget = 10**6
        assert client.budget == 2
    finally:
        report = server.close()
    assert report["used"] == 0 and report["budget"] == 2


def test_local_oracle_matches_api():
    oracle = get_oracle(budget=3)
    assert isinstance(oracle, LocalOracle)
    pool = oracle.pool()
    assert list(pool.columns) == ["item_id", "text", "source"]  # no labels in the pool
    ids = pool["item_id"].head(3).tolist()
    assert set(oracle.label(ids)) == set(ids) and oracle.remaining == 0
    with pytest.raises(OracleError):
        oracle.label(pool["item_id"].iloc[3:4].tolist())


def test_public_pool_has_no_labels_but_the_local_oracle_sells_the_true_ones():
    """The budget holds outside grading too: the pool learners load has no ``label`` column,
    and what the local oracle sells is the generator's truth for those items."""
    from imbalance_kit.datasets import toxic_comments
    from imbalance_kit.datasets.projects import TOXICITY_SIZE, project_data

    pool = project_data("toxicity", "pool")
    assert "label" not in pool.columns and len(pool) > 20_000
    assert {"label"} <= set(project_data("toxicity", "validation").columns)
    truth = toxic_comments(n=TOXICITY_SIZE, seed=0).set_index("comment_id")["label"]
    rng = np.random.default_rng(0)
    oracle = get_oracle()
    for _ in range(20):
        ids = rng.choice(pool["item_id"].to_numpy(), size=int(rng.integers(1, 60)), replace=False).tolist()
        assert oracle.label(ids) == {i: int(truth[i]) for i in ids}
    assert oracle.used <= 20 * 60 and oracle.remaining == oracle.budget - oracle.used


@pytest.fixture
def no_secret(tmp_path, monkeypatch):
    """No secret variable and a fresh secret file location (never the instructor's file)."""
    import grader.assignments.project_common as pc

    monkeypatch.delenv(pc.SECRET_ENV, raising=False)
    monkeypatch.setattr(pc, "SECRET_FILE", tmp_path / "heldout_secret.txt")
    return pc


def test_held_out_secret_is_created_once_private_and_random(no_secret):
    pc = no_secret
    public_seed = int.from_bytes(hashlib.sha256(b"imbalance-lab held-out test v1:project_x").digest()[:7], "big")
    seed = pc.held_out_seed("project_x")
    assert seed != public_seed  # nothing in the public repository derives the hidden test sets
    secret = pc.SECRET_FILE.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert stat.S_IMODE(pc.SECRET_FILE.stat().st_mode) == 0o600
    assert pc.held_out_seed("project_x") == seed and pc.SECRET_FILE.read_text().strip() == secret
    assert pc.held_out_seed("project_y") != seed
    assert [f.name for f in pc.SECRET_FILE.parent.iterdir()] == ["heldout_secret.txt"]
    pc.SECRET_FILE.unlink()
    assert pc.held_out_seed("project_x") != seed  # a new file, a new secret


def test_racing_graders_agree_on_one_secret(no_secret):
    pc = no_secret
    for _ in range(5):
        barrier = threading.Barrier(8)

        def first_use():
            barrier.wait()
            return pc.held_out_secret()

        with ThreadPoolExecutor(8) as pool:
            got = set(pool.map(lambda _: first_use(), range(8)))
        assert got == {pc.SECRET_FILE.read_text().strip()}
        assert [f.name for f in pc.SECRET_FILE.parent.iterdir()] == ["heldout_secret.txt"]
        pc.SECRET_FILE.unlink()


def test_secret_variable_wins_and_an_empty_file_is_refused(no_secret, monkeypatch):
    pc = no_secret
    pc.SECRET_FILE.write_text("from the file\n")
    from_file = pc.held_out_seed("project_x")
    monkeypatch.setenv(pc.SECRET_ENV, "from the environment")
    assert pc.held_out_seed("project_x") != from_file
    assert pc.SECRET_FILE.read_text() == "from the file\n"
    monkeypatch.delenv(pc.SECRET_ENV)
    assert pc.held_out_seed("project_x") == from_file
    pc.SECRET_FILE.write_text("  \n")
    with pytest.raises(ValueError, match="empty"):
        pc.held_out_seed("project_x")


def test_the_secret_never_reaches_the_students_kernel(monkeypatch):
    import grader.assignments.project_common as pc
    from grader.sandbox import child_env

    monkeypatch.setenv(pc.SECRET_ENV, "s3cret")
    assert "s3cret" not in child_env("/tmp").values()


def test_graded_labels_unreachable_from_student_data():
    """The graded pool and test come from a seed that only the grader's key knows: none of the
    texts the notebook can load (public pool, validation, test) are graded test texts."""
    from grader.assignments.project_toxicity.key import _parts, graded_seed
    from imbalance_kit.datasets.projects import project_data

    hidden = set(_parts(graded_seed())["test"]["text"])
    public = set()
    for part in ("pool", "validation", "test"):
        public |= set(project_data("toxicity", part)["text"])
    assert len(hidden & public) < 0.01 * len(hidden)
    # the server never serves test items, and labels only pool ids
    server_ids = set(_parts(graded_seed())["pool"]["item_id"])
    assert server_ids.isdisjoint(_parts(graded_seed())["test"]["item_id"])


# ---------------------------------------------------------------- bounds of the grader-side service

def _client_process(path, body: str) -> str:
    """Run ``body`` in a separate Python process with ``o = OracleClient(path)``; its stdout."""
    code = ("import sys\nfrom learner.oracle import OracleClient, OracleError\n"
            f"o = OracleClient(sys.argv[1])\n{textwrap.dedent(body)}")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_cheap_flood_is_slowed_to_the_rate_limit(tmp_path):
    """Cheap requests as fast as a client can send them: served at the rate limit (the rest
    wait, costing the grader nothing), and the report says how many were delayed."""
    server = OracleServer({i: 0 for i in range(20)}, 5, tmp_path / "o.sock",
                          limits=Limits(service_requests_per_second=50)).start()
    cpu = time.process_time()
    try:
        out = _client_process(server.path, """
            import time
            t, n = time.monotonic(), 0
            while time.monotonic() - t < 1.5:
                o.remaining; n += 1
            print(n)""")
    finally:
        report = server.close()["service"]
    cpu = time.process_time() - cpu
    served = int(out)
    assert 50 <= served <= 50 + 50 * 1.5 + 10, served  # burst + rate x time (unlimited: ~25,000)
    assert report["requests"] == served and report["delayed"] >= served - 60
    assert report["cut_off"] is None and cpu < 0.5, (cpu, report)
    assert "delayed" in report["notes"][0] and "at most 50 requests per second" in report["notes"][0]


def test_a_costly_flood_is_cut_off_at_the_cpu_cap(tmp_path):
    """Requests as large and costly as allowed, until refused: the server's CPU (measured here, for
    the whole process) stays within the cap plus about one request; the notebook sees why."""
    cap = 0.5
    server = OracleServer({i: i % 2 for i in range(50)}, 50, tmp_path / "o.sock",
                          limits=Limits(service_cpu_seconds=cap)).start()
    cpu = time.process_time()
    try:
        out = _client_process(server.path, """
            ids, n = list(range(50)) * 1_500, 0
            try:
                while n < 1_000:
                    o.label(ids); n += 1
            except OracleError as e:
                print(n, e)
            for call in (lambda: o.used, lambda: OracleClient(sys.argv[1]).used):
                try:
                    call()
                except OracleError as e:
                    print(e)""")
    finally:
        report = server.close()
    cpu = time.process_time() - cpu
    first, again, reconnect = out.splitlines()
    assert int(first.split()[0]) < 1_000  # cut off after ~40 (without the cap: all served)
    assert cpu < cap + 0.25, cpu
    assert report["service"]["cut_off"] == "service_cpu_seconds"
    assert cap <= report["service"]["cpu_seconds"] <= cpu
    for line in (first, again, reconnect):  # the same reason, on the closed and on a new connection
        assert "labeling service stopped serving this notebook" in line and "0.5 CPU seconds" in line
    assert report["used"] == 50  # what was bought before the cut-off stands
    note = report["service"]["notes"][0]
    assert "cut your notebook off" in note and "at most 0.5 CPU seconds per submission" in note


def test_connections_and_request_size_are_bounded(tmp_path, monkeypatch):
    """At most MAX_CONNECTIONS at once (a freed slot is reusable); a started request must arrive
    in time and fit the size limit; closing the server ends every connection thread."""
    from grader import services

    monkeypatch.setattr(services, "REQUEST_SECONDS", 0.5)
    before = set(threading.enumerate())
    server = OracleServer({i: 0 for i in range(20)}, 5, tmp_path / "o.sock",
                          limits=Limits(service_request_kb=4)).start()

    def connect():
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(server.path)
        sock.settimeout(5)  # fail, not hang, when the server does not answer
        return sock, sock.makefile("rb")

    try:
        held = [connect() for _ in range(services.MAX_CONNECTIONS)]
        sock, reader = connect()
        assert "too many connections" in json.loads(reader.readline())["error"]
        held.pop()[0].close()
        assert OracleClient(server.path).used == 0  # the freed slot serves again
        slow, slow_reader = held[0]
        slow.sendall(b'{"op": "in')  # and never the rest
        reply = json.loads(slow_reader.readline())
        assert reply["closed"] and "incomplete after 0.5 s" in reply["error"]
        big, big_reader = held[1]
        big.sendall(b'{"op": "label", "ids": [' + b"1, " * 2000 + b"1]}\n")
        assert "request too large" in json.loads(big_reader.readline())["error"]
        with pytest.raises(OracleError, match="at most 4 KiB"):
            OracleClient(server.path).label(range(2000))
    finally:
        server.close()
    assert not [t for t in set(threading.enumerate()) - before if t.is_alive()]


def test_the_reference_request_pattern_is_never_limited(tmp_path):
    """The toxicity reference solution's calls (pool, validation, 1,000 labels then waves of 500
    while labels remain) at the default limits: nothing delayed, nothing cut off, under half the CPU cap (the CPU
    figure is a measurement, about 0.5 s under CI load; the cap is what must never be reached)."""
    from grader.assignments.project_toxicity.key import make_server

    server = make_server(tmp_path / "o.sock").start()
    try:
        out = _client_process(server.path, """
            pool, val = o.pool(), o.validation()
            ids = pool["item_id"].tolist()
            o.remaining
            o.label(ids[:1000]); k = 1000
            while o.remaining > 0:
                o.label(ids[k:k + min(500, o.remaining)]); k += 500
            print(o.used)""")
    finally:
        report = server.close()
    assert int(out) == report["used"] == report["budget"]
    service = report["service"]
    assert service["delayed"] == 0 and service["cut_off"] is None and service["notes"] == []
    assert service["cpu_seconds"] < Limits().service_cpu_seconds / 2, service
