"""The grader's side of the toxicity project's labeling oracle: a budgeted server on a socket.

The toxicity project buys labels in waves. In a graded run the labels live only in the
grader's process: :class:`OracleServer` (a thread) answers requests on a Unix socket, charges
one label per distinct new item, refuses a request that would pass the budget, and keeps the
only log the grader trusts (:meth:`OracleServer.report`). The notebook's side (the client, the
local stand-in and the protocol) is :mod:`learner.oracle`.

The server runs outside the sandbox, in the grader's worker, so the submission's limits bound it
instead (:mod:`grader.services`): requests beyond ``service_requests_per_second`` wait their
turn, and once serving this notebook has cost ``service_cpu_seconds`` of the grader's CPU every
further request fails with an :class:`OracleError` naming that limit. The report records both,
and the engine puts its ``notes`` into the feedback.
"""
from __future__ import annotations

import json
from pathlib import Path

# get_oracle: project notebooks released before learner/ existed import it from here (one release).
from learner.oracle import ENV_VAR, Ledger, OracleError, get_oracle  # noqa: F401

from .limits import Limits
from .services import LineServer

SOCKET_NAME = ".oracle.sock"


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
        self._ledger = Ledger(labels, budget)
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
