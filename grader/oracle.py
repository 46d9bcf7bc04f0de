"""A labeling oracle with a budget: a grader-side server, a notebook client, a local stand-in.

The toxicity project buys labels in waves. In a graded run the labels live only in the
grader's process: :class:`OracleServer` (a thread) answers requests on a Unix socket, charges
one label per distinct new item, refuses a request that would pass the budget, and keeps the
only log the grader trusts (:meth:`OracleServer.report`). The notebook gets a client with one
call, whatever the mode::

    from grader.oracle import get_oracle
    oracle = get_oracle()          # graded run: the grader's server; otherwise a local oracle
    pool = oracle.pool()           # item_id, text, source (no labels)
    labels = oracle.label([3, 17]) # {3: 0, 17: 1}, charged against oracle.budget

Protocol: one JSON object per line each way. Requests ``{"op": "info" | "pool" |
"validation" | "label", "ids": [...]}``; replies ``{"ok": ...}`` or ``{"error": "..."}``.
A reply that ends the connection also carries ``"closed": true``. Nothing a client sends can
change the budget, the labels or the log beyond buying labels.

The server runs outside the sandbox, in the grader's worker, so the submission's limits bound it
instead (:mod:`grader.services`): requests beyond ``service_requests_per_second`` wait their
turn, and once serving this notebook has cost ``service_cpu_seconds`` of the grader's CPU every
further request fails with an :class:`OracleError` naming that limit. The report records both,
and the engine puts its ``notes`` into the feedback.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

from .limits import Limits
from .services import LineServer

ENV_VAR = "IMBALANCE_LAB_ORACLE"
SOCKET_NAME = ".oracle.sock"


class OracleError(RuntimeError):
    """The oracle refused a request (budget exhausted, unknown item, malformed request)."""


class _Ledger:
    """Labels, budget and log; the single place where labels are handed out."""

    def __init__(self, labels: dict, budget: int):
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
            raise ValueError(f"budget must be a non-negative int, got {budget!r}")
        self.labels = {int(k): int(v) for k, v in labels.items()}
        self.budget = budget
        self.given: dict[int, int] = {}
        self.log: list[dict] = []
        self.lock = threading.Lock()

    def label(self, ids) -> dict:
        if not isinstance(ids, list) or not all(type(i) is int for i in ids):
            raise OracleError("ids must be a list of int item ids")
        with self.lock:
            unknown = [i for i in ids if i not in self.labels]
            new = list(dict.fromkeys(i for i in ids if i not in self.given and i in self.labels))
            entry = {"time": round(time.time(), 3), "asked": len(ids), "new": len(new),
                     "used_before": len(self.given)}
            if unknown:
                entry["refused"] = "unknown ids"
                self.log.append(entry)
                raise OracleError(f"{len(unknown)} ids are not pool items (e.g. {unknown[0]}); "
                                  "only pool items can be labeled")
            if len(self.given) + len(new) > self.budget:
                entry["refused"] = "budget"
                self.log.append(entry)
                raise OracleError(f"budget exceeded: this request needs {len(new)} new labels but "
                                  f"only {self.budget - len(self.given)} of {self.budget} are left")
            for i in new:
                self.given[i] = self.labels[i]
            entry["ids"] = new
            self.log.append(entry)
            return {i: self.given[i] for i in ids}

    def info(self) -> dict:
        with self.lock:
            return {"budget": self.budget, "used": len(self.given)}

    def report(self) -> dict:
        """Plain-data summary: budget, labels used, which items, and every request."""
        with self.lock:
            return {"budget": self.budget, "used": len(self.given),
                    "labeled": sorted(self.given), "requests": len(self.log),
                    "refused": sum(1 for e in self.log if "refused" in e),
                    "log": [dict(e) for e in self.log]}


def _frame(rows, columns):
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


class LocalOracle:
    """In-process oracle for learners (no grader): same API as :class:`OracleClient`.

    ``labels``: item id -> label of the pool, sold through :meth:`label` only; ``pool``: a
    DataFrame with ``item_id``, ``text``, ``source``; ``validation``: the same and ``label``.
    """

    def __init__(self, labels: dict, budget: int, pool, validation):
        self._ledger = _Ledger(labels, budget)
        self._pool = pool[["item_id", "text", "source"]].reset_index(drop=True)
        self._validation = validation[["item_id", "text", "source", "label"]].reset_index(drop=True)

    @property
    def budget(self) -> int:
        return self._ledger.budget

    @property
    def used(self) -> int:
        return self._ledger.info()["used"]

    @property
    def remaining(self) -> int:
        return self.budget - self.used

    def pool(self):
        """The unlabeled pool: ``item_id``, ``text``, ``source``."""
        return self._pool.copy()

    def validation(self):
        """The labeled validation set (for thresholds and model choice, never for training)."""
        return self._validation.copy()

    def label(self, ids) -> dict:
        """Labels of ``ids`` (item id -> 0/1). Each distinct new id costs one label; asking again
        is free. A request that would pass the budget is refused as a whole (OracleError)."""
        return self._ledger.label([int(i) for i in ids])

    def report(self) -> dict:
        return self._ledger.report()


class OracleServer(LineServer):
    """Grader-side oracle on a Unix socket (runs in threads of the grader's process).

    ``labels``: item id -> label of the pool; ``pool`` / ``validation``: DataFrames served to the
    notebook (``item_id``, ``text``, ``source``; validation also ``label``); ``limits``: the
    submission's limits, whose ``service_*`` fields bound this server (:mod:`grader.services`).
    Use as a context manager or call :meth:`start` / :meth:`close`; :meth:`report` is the
    trusted log.
    """

    name = "labeling service"
    hint = "fetch the pool once and ask for each label once, many ids per `oracle.label` call"

    def __init__(self, labels: dict, budget: int, path, pool=None, validation=None,
                 limits: Limits = Limits()):
        super().__init__(path, limits)
        self._ledger = _Ledger(labels, budget)
        self._tables = {"pool": pool, "validation": validation}
        self._replies: dict[str, bytes] = {}

    def _table(self, op: str) -> bytes:
        """The pool or validation reply, encoded once (a notebook may ask for it often)."""
        if op not in self._replies:
            df, rows = self._tables[op], []
            if df is not None:
                rows = [[int(i), str(t), str(s)] for i, t, s in
                        zip(df["item_id"], df["text"], df["source"])]
                if op == "validation":
                    rows = [row + [int(y)] for row, y in zip(rows, df["label"])]
            self._replies[op] = json.dumps({"ok": rows}).encode() + b"\n"
        return self._replies[op]

    def answer(self, req: dict) -> dict | bytes:
        op = req["op"]
        try:
            if op == "info":
                return {"ok": self._ledger.info()}
            if op in ("pool", "validation"):
                return self._table(op)
            if op == "label":
                got = self._ledger.label(req.get("ids"))
                return {"ok": [[i, y] for i, y in got.items()]}
        except OracleError as exc:
            return {"error": str(exc)}
        return {"error": f"unknown op {op!r}"}

    def report(self) -> dict:
        """The trusted record of this oracle: budget, labels used, labeled ids, every request,
        and what serving the notebook cost (``"service"``: requests, delays, CPU seconds,
        whether it was cut off; :meth:`grader.services.ServiceQuota.report`)."""
        return {**self._ledger.report(), **super().report()}


class OracleClient:
    """The notebook's side of :class:`OracleServer`; same API as :class:`LocalOracle`."""

    def __init__(self, path):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(str(path))
        self._reader = self._sock.makefile("rb")
        self._closed: str | None = None  # why the server ended this connection

    def _call(self, **req):
        if self._closed:
            raise OracleError(self._closed)
        try:
            self._sock.sendall(json.dumps(req).encode() + b"\n")
        except OSError:
            pass  # the server may have closed after explaining why: read that first
        try:
            line = self._reader.readline()
        except OSError:
            line = b""
        if not line:
            self._closed = "the oracle closed the connection"
            raise OracleError(self._closed)
        reply = json.loads(line)
        if "error" in reply:
            if reply.get("closed"):
                self._closed = reply["error"]
            raise OracleError(reply["error"])
        return reply["ok"]

    @property
    def budget(self) -> int:
        return self._call(op="info")["budget"]

    @property
    def used(self) -> int:
        return self._call(op="info")["used"]

    @property
    def remaining(self) -> int:
        info = self._call(op="info")
        return info["budget"] - info["used"]

    def pool(self):
        return _frame(self._call(op="pool"), ["item_id", "text", "source"])

    def validation(self):
        return _frame(self._call(op="validation"), ["item_id", "text", "source", "label"])

    def label(self, ids) -> dict:
        return {int(i): int(y) for i, y in self._call(op="label", ids=[int(i) for i in ids])}


def get_oracle(budget: int | None = None):
    """The toxicity project's oracle: the grader's when ``$IMBALANCE_LAB_ORACLE`` names its
    socket (graded run), otherwise a :class:`LocalOracle` over the public pool (seed 0).

    ``budget`` (default: the project's) applies to the local oracle only; the grader's server
    enforces its own budget whatever the notebook asks for.
    """
    path = os.environ.get(ENV_VAR)
    if path:
        return OracleClient(path)
    from imbalance_kit.datasets.projects import TOXICITY_BUDGET, _pool_labels, project_data

    # The public pool has no labels; this oracle keeps its own copy and sells them one by one.
    return LocalOracle(_pool_labels(0), TOXICITY_BUDGET if budget is None else budget,
                       project_data("toxicity", "pool"), project_data("toxicity", "validation"))


class OracleSession:
    """Engine hook: an :class:`OracleServer` whose socket sits in the submission directory.

    ``directory`` is the host path of the directory mounted into the sandbox; ``inside`` is the
    same directory as the notebook sees it (``/submission`` under bubblewrap, or None when not
    sandboxed); ``limits`` the submission's limits, passed to ``server_factory(path, limits)``.
    ``env`` holds the variables to set for the notebook's kernel; :meth:`close`
    stops the server and returns its report (put it into every ``Run.oracle``).
    """

    def __init__(self, server_factory, directory, inside: str | None = None,
                 limits: Limits = Limits()):
        host = Path(directory) / SOCKET_NAME
        self.server = server_factory(host, limits).start()
        self.env = {ENV_VAR: str(Path(inside) / SOCKET_NAME) if inside else str(host)}

    def close(self) -> dict:
        return self.server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
