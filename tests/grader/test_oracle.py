"""The labeling oracle: budget, server-side log, no way to forge it or reach test labels."""
from __future__ import annotations

import json
import socket

import pytest

from grader.oracle import LocalOracle, OracleClient, OracleError, OracleServer, get_oracle


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


def test_graded_labels_unreachable_from_student_data():
    """The graded pool and test come from a seed that only the grader's key knows: none of the
    texts the notebook can load (public pool, validation, test) are graded test texts."""
    from grader.assignments.project_toxicity import _parts, graded_seed
    from imbalance_kit.datasets.projects import project_data

    hidden = set(_parts(graded_seed())["test"]["text"])
    public = set()
    for part in ("pool", "validation", "test"):
        public |= set(project_data("toxicity", part)["text"])
    assert len(hidden & public) < 0.01 * len(hidden)
    # the server never serves test items, and labels only pool ids
    server_ids = set(_parts(graded_seed())["pool"]["item_id"])
    assert server_ids.isdisjoint(_parts(graded_seed())["test"]["item_id"])


def test_sandbox_hides_the_held_out_seed():
    from grader.sandbox import _hidden_paths
    import grader.assignments.project_common as pc
    from pathlib import Path

    assert any(Path(pc.__file__).resolve().is_relative_to(h) for h in _hidden_paths())
