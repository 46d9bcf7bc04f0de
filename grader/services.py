"""Grader-side services for a sandboxed notebook, bounded per submission.

A service (today the toxicity project's labeling oracle, :mod:`grader.oracle`) answers the
notebook on a Unix socket from threads of the grader's own worker, outside the sandbox, so the
sandbox's limits do not bound what it does. :class:`ServiceQuota` does, per submission:

- **rate**: a token bucket of ``service_requests_per_second`` (one second's worth of burst).
  A request beyond it is *delayed*, not refused: the serving thread sleeps until its turn, which
  costs the grader nothing, so a cheap flood runs at that rate (a fraction of a per cent of a
  core) and an honest loop that asks item by item only gets slower. New connections take a token
  too.
- **CPU**: the CPU time the service's threads spend on this submission (``time.thread_time``
  around reading, answering and sending each request, and accepting each connection) is capped
  at ``service_cpu_seconds``. Past it the notebook is *cut off*: every later request and
  connection gets an error naming the limit (``OracleError`` in the notebook) and is closed.
  Requests are served one at a time per connection, so the cap overshoots by at most one
  request per open connection.
- **size and connections**: a request line longer than ``service_request_kb`` is refused; at most
  :data:`MAX_CONNECTIONS` connections at once; a request that has started must arrive whole
  within :data:`REQUEST_SECONDS` (a connection may idle between requests: the notebook trains
  models between waves). :meth:`LineServer.close` shuts every connection and joins its threads,
  so nothing outlives the submission.

The quota's :meth:`ServiceQuota.report` (inside the service's report) records requests, delays,
CPU seconds and whether and why the notebook was cut off; its ``notes`` are the true sentences the
engine adds to the feedback of every question that lost points.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time

from .limits import Limits

#: Connections served at once (a notebook needs one or two; the sandbox allows 16 processes).
MAX_CONNECTIONS = 16
#: Seconds a started request (or a reply being sent) may take to cross the socket.
REQUEST_SECONDS = 10.0


class ServiceQuota:
    """What one grader-side service may spend on one submission (see the module docstring).

    ``name`` is how feedback names the service ("labeling service"); ``hint`` tells the student
    how to use it within the limits.
    """

    def __init__(self, limits: Limits, name: str, hint: str = ""):
        self.name, self.hint = name, hint
        self.rate = float(limits.service_requests_per_second)
        self.burst = max(1.0, self.rate)
        self.cpu_cap = float(limits.service_cpu_seconds)
        self._tokens, self._stamp = self.burst, time.monotonic()
        self.requests = self.delayed = self.connections = 0
        self.cpu_seconds = 0.0
        self.cut_off: str | None = None  # the name of the limit that cut the notebook off
        self._lock = threading.Lock()

    def _refusal(self) -> str | None:
        if self.cpu_seconds >= self.cpu_cap:
            self.cut_off = "service_cpu_seconds"
            return (f"the grader's {self.name} stopped serving this notebook: it spends at most "
                    f"{self.cpu_cap:g} CPU seconds per submission and your {self.requests:,} "
                    f"requests used them up")
        return None

    def admit(self, stop: threading.Event, connection: bool = False) -> str | None:
        """Wait for this request's (or connection's) turn; None to serve it, else why not."""
        with self._lock:
            refusal = self._refusal()
            if refusal:
                return refusal
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate) - 1
            self._stamp = now
            if connection:
                self.connections += 1
            else:
                self.requests += 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            if wait and not connection:
                self.delayed += 1
        if wait and stop.wait(wait):
            return f"the grader's {self.name} has stopped (the submission's run is over)"
        with self._lock:
            refusal = self._refusal()  # the cap may have been reached while this one waited
            if refusal and not connection:
                self.requests -= 1
            return refusal

    def charge(self, seconds: float):
        """Add CPU seconds a service thread spent on this submission."""
        with self._lock:
            self.cpu_seconds += max(0.0, seconds)

    def notes(self) -> list[str]:
        """Feedback sentences: the notebook was cut off, its requests were delayed, and how to
        use the service within its limits."""
        out = []
        if self.cut_off:
            out.append(f"the grader's {self.name} cut your notebook off after {self.requests:,} "
                       f"requests: it spends at most {self.cpu_cap:g} CPU seconds per submission.")
        if self.delayed:
            out.append(f"the grader's {self.name} delayed {self.delayed:,} of your "
                       f"{self.requests:,} requests: it answers at most {self.rate:g} requests "
                       "per second.")
        if out and self.hint:
            out[-1] = f"{out[-1][:-1]} ({self.hint})."
        return out

    def report(self) -> dict:
        """Plain data: requests, delays, CPU seconds, whether and why the notebook was cut off."""
        with self._lock:
            return {"requests": self.requests, "delayed": self.delayed,
                    "connections": self.connections, "cpu_seconds": round(self.cpu_seconds, 4),
                    "cut_off": self.cut_off, "requests_per_second": self.rate,
                    "cpu_cap": self.cpu_cap, "notes": self.notes()}


class _Reject(Exception):
    """End this connection, telling the client why."""


class LineServer:
    """A Unix-socket service speaking one JSON object per line each way, bounded by a quota.

    Subclasses set ``name`` and ``hint`` and implement :meth:`answer` (a request dict -> a reply
    dict, or ready-made reply bytes). A reply that ends the connection carries ``"closed": true``.
    Use as a context manager or call :meth:`start` / :meth:`close`.
    """

    name = "service"
    hint = ""

    def __init__(self, path, limits: Limits = Limits()):
        self.path = str(path)
        self.quota = ServiceQuota(limits, self.name, self.hint)
        self.max_request = limits.service_request_kb * 1024
        self._sock = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []

    def answer(self, req: dict) -> dict | bytes:
        raise NotImplementedError

    def start(self):
        if os.path.lexists(self.path):
            os.unlink(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(self.path)
        os.chmod(self.path, 0o666)  # the sandboxed notebook runs as another uid
        sock.listen(8)
        sock.settimeout(0.2)
        self._sock = sock
        self._spawn(self._accept, "accept")
        return self

    def _spawn(self, target, what, *args):
        t = threading.Thread(target=target, args=args, name=f"{self.name}-{what}", daemon=True)
        with self._lock:
            self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()

    @staticmethod
    def _send_closing(conn, message: str):
        try:
            conn.settimeout(REQUEST_SECONDS)
            conn.sendall(json.dumps({"error": message, "closed": True}).encode() + b"\n")
        except OSError:
            pass

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            started = time.thread_time()
            refusal = self.quota.admit(self._stop, connection=True)
            with self._lock:
                full = refusal is None and len(self._conns) >= MAX_CONNECTIONS
                if refusal is None and not full:
                    self._conns.add(conn)
            if refusal or full:
                self._send_closing(conn, refusal or f"too many connections to the grader's "
                                   f"{self.name} (at most {MAX_CONNECTIONS} at once)")
                conn.close()
            else:
                self._spawn(self._serve, "conn", conn)
            self.quota.charge(time.thread_time() - started)

    def _read_line(self, conn, buf: bytearray) -> bytes | None:
        """The next request line (None at end of stream); a started request must arrive whole
        within REQUEST_SECONDS and fit in ``service_request_kb``."""
        scanned = 0
        while True:
            end = buf.find(b"\n", scanned)
            if end >= 0 and end <= self.max_request:
                line = bytes(buf[:end])
                del buf[:end + 1]
                return line
            scanned = len(buf)
            if end >= 0 or len(buf) > self.max_request:
                raise _Reject(f"request too large (the grader's {self.name} takes at most "
                              f"{self.max_request // 1024} KiB per request)")
            conn.settimeout(REQUEST_SECONDS if buf else None)
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                raise _Reject(f"request incomplete after {REQUEST_SECONDS:g} s") from None
            if not chunk:
                return None
            buf += chunk

    def _reply(self, line: bytes) -> bytes:
        try:
            req = json.loads(line)
        except (ValueError, RecursionError):
            return b'{"error": "request is not JSON"}\n'
        if type(req) is not dict or type(req.get("op")) is not str:
            return b'{"error": "request must be an object with an \'op\'"}\n'
        got = self.answer(req)
        return got if isinstance(got, bytes) else json.dumps(got).encode() + b"\n"

    def _serve(self, conn):
        started, buf = time.thread_time(), bytearray()
        try:
            while not self._stop.is_set():
                line = self._read_line(conn, buf)
                if line is None:
                    return
                refusal = self.quota.admit(self._stop)
                if refusal:
                    raise _Reject(refusal)
                reply = self._reply(line)
                conn.settimeout(REQUEST_SECONDS)
                conn.sendall(reply)
                now = time.thread_time()
                self.quota.charge(now - started)
                started = now
        except _Reject as exc:
            self._send_closing(conn, str(exc))
        except OSError:
            pass
        finally:
            self.quota.charge(time.thread_time() - started)
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def report(self) -> dict:
        """The service's record; subclasses add their own facts to ``{"service": quota}``."""
        return {"service": self.quota.report()}

    def close(self) -> dict:
        """Stop serving, end every connection, remove the socket and return :meth:`report`."""
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in threads:
            if t is not threading.current_thread():
                t.join(timeout=5)
        if os.path.lexists(self.path):
            try:
                os.unlink(self.path)
            except OSError:
                pass
        return self.report()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
