"""The quiz service: attempts held, scored, limited and saved where learners cannot reach them.

The instructor runs it (``course quiz-server --store FILE --socket PATH``). It listens on a Unix
socket any local user may connect to; its store is private to the instructor (mode 0600, in a
folder nobody else can write, see :meth:`ProgressStore.prepare_service`). Each request's learner
comes from an authenticator (:mod:`grader.quiz.auth`; on one machine the kernel's peer
credentials), never from the request. The service draws each attempt's numbers and display
order, keeps the answer key, scores the answer text the learner sends, enforces a graded quiz's
submission limit and hides a graded attempt's answers until it is over, then saves it.

Protocol: one request per connection, a JSON object on one line of at most
:data:`MAX_REQUEST` bytes, answered by one JSON object on one line, ``{"ok": true, ...}`` or
``{"ok": false, "error": MESSAGE}``:

- ``{"op": "start", "quiz": "04"}`` -> ``attempt``, ``user``, ``quiz``, ``title``, ``total``,
  ``graded``, ``status``, ``question`` (an :class:`~grader.quiz.session.Asked` as JSON),
  ``history`` (the learner's last and best attempt at this quiz, see ``ProgressStore.history``);
- ``{"op": "answer", "attempt": ID, "question": QUESTION_ID, "answer": TEXT}`` -> ``feedback``
  (a :class:`~grader.quiz.session.Feedback` as JSON), ``question`` (the next one, or null) and
  ``summary`` (text once the attempt is over, else null);
- ``{"op": "progress"}`` -> ``user`` and ``rows``: the learner's own best scores.

Unfinished attempts live in the service's memory (at most :data:`MAX_OPEN_ATTEMPTS` per
learner); a restart drops them, and only finished attempts are stored.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import socketserver
import stat
import sys
import threading
import time
import traceback
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .auth import IdentityError, PeerCredentials, peer_uid
from .bank import QUIZZES, load_bank, normalize_quiz_id
from .progress import ProgressStore, ProgressStoreError
from .session import QuizSession, RateLimit

MAX_REQUEST = 64 * 1024
READ_TIMEOUT = 10.0              # seconds a client may take to send its request
MAX_CONNECTIONS = 64             # handled at once, over all learners
MAX_CONNECTIONS_PER_USER = 8     # so one learner cannot hold every slot
MAX_OPEN_ATTEMPTS = 10           # per learner; starting another drops their oldest unfinished one
MAX_DRAIN = 1024 * 1024          # bytes read and dropped after an oversized request (see _Handler)
# op -> its fields (all strings) and their maximum lengths; anything else is refused.
REQUESTS = {
    "start": {"quiz": 16},
    "answer": {"attempt": 64, "question": 128, "answer": 1000},
    "progress": {},
}


class RequestError(ValueError):
    """A request the service refuses; the message is for the learner."""


class ServiceSetupError(RuntimeError):
    """The service cannot start as asked (socket path, folders, options)."""


def _no_constants(name):
    raise ValueError(f"{name} is not valid JSON")


def parse_request(line: bytes) -> dict:
    """Decode and check one request line strictly: a JSON object with a known ``op`` and exactly
    its fields, each a string within its length limit."""
    try:
        request = json.loads(line.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RequestError(f"not a JSON request ({type(exc).__name__})") from None
    if not isinstance(request, dict):
        raise RequestError("a request must be a JSON object")
    op = request.get("op")
    if not isinstance(op, str) or op not in REQUESTS:
        raise RequestError(f"unknown op {op!r:.40}; expected one of {', '.join(REQUESTS)}")
    fields = REQUESTS[op]
    unknown = sorted(set(request) - set(fields) - {"op"})
    if unknown:
        raise RequestError(f"{op}: unknown field(s) {', '.join(repr(u)[:40] for u in unknown[:5])}")
    for name, limit in fields.items():
        value = request.get(name)
        if not isinstance(value, str):
            raise RequestError(f"{op}: field {name!r} must be a string")
        if len(value) > limit:
            raise RequestError(f"{op}: field {name!r} is longer than {limit} characters")
    return request


@dataclass
class _Attempt:
    user: str
    session: QuizSession
    lock: threading.Lock = field(default_factory=threading.Lock)


class QuizService:
    """What the service does for one identified learner, without any socket.

    Parameters
    ----------
    store : the service's ProgressStore (kind "service").
    bank : quiz id -> Quiz, e.g. :func:`grader.quiz.bank.load_bank`.
    graded : quiz ids that are graded: every attempt at them is rate-limited and shows no answer
        before it is over (a learner cannot choose practice mode for them).
    rate_limit : RateLimit for graded quizzes.
    clock : callable returning seconds.
    """

    def __init__(self, store: ProgressStore, bank: dict, graded=(), rate_limit: RateLimit = RateLimit(),
                 clock=time.time):
        if store.kind != "service":
            raise ValueError("the quiz service needs a store of kind 'service'")
        self.store, self.bank, self.rate_limit, self.clock = store, bank, rate_limit, clock
        self.graded = frozenset(normalize_quiz_id(q) for q in graded)
        self._attempts: OrderedDict[str, _Attempt] = OrderedDict()
        self._lock = threading.Lock()

    def handle(self, user: str, request: dict) -> dict:
        """Answer one checked request (see :func:`parse_request`) from ``user``."""
        return getattr(self, "_" + request["op"])(user, request)

    def _start(self, user, request):
        try:
            quiz_id = normalize_quiz_id(request["quiz"])
        except ValueError as exc:
            raise RequestError(str(exc)) from None
        graded = quiz_id in self.graded
        session = QuizSession(self.bank[quiz_id], user=user, store=self.store, detect_user=False,
                              rate_limit=self.rate_limit if graded else None, graded=graded,
                              clock=self.clock)
        attempt_id = secrets.token_urlsafe(18)
        with self._lock:
            mine = [k for k, a in self._attempts.items() if a.user == user]
            for k in mine[:max(0, len(mine) - MAX_OPEN_ATTEMPTS + 1)]:
                del self._attempts[k]
            self._attempts[attempt_id] = _Attempt(user, session)
        return {"attempt": attempt_id, "user": user, "quiz": quiz_id, "title": session.title,
                "total": len(session.quiz), "graded": graded, "status": session.status,
                "question": session.current.asked().to_json(), "history": session.history()}

    def _answer(self, user, request):
        with self._lock:
            attempt = self._attempts.get(request["attempt"])
        if attempt is None or attempt.user != user:
            raise RequestError(f"you have no open attempt {request['attempt']!r:.40} (an attempt stays "
                               f"open until finished, at most {MAX_OPEN_ATTEMPTS} at once, and not "
                               "across service restarts); start a new one")
        with attempt.lock:
            s = attempt.session
            if s.finished:
                raise RequestError("this attempt is over; start a new one")
            if request["question"] != s.current.id:
                raise RequestError(f"question {request['question']!r:.80} is not the one this attempt "
                                   f"is at ({s.current.id!r}); each question is answered once, in order")
            fb = s.submit(request["answer"])
            done = s.finished
            reply = {"feedback": asdict(fb), "question": None if done else s.current.asked().to_json(),
                     "summary": s.summary() if done else None}
        if done:
            with self._lock:
                self._attempts.pop(request["attempt"], None)
        return reply

    def _progress(self, user, request):
        try:
            return {"user": user, "rows": self.store.progress(user)}
        except ProgressStoreError as exc:
            raise RequestError(f"the quiz service cannot read its store: {exc}") from None


class _Handler(socketserver.StreamRequestHandler):
    timeout = READ_TIMEOUT  # applied to the connection by StreamRequestHandler.setup

    def handle(self):
        try:
            line = self.rfile.readline(MAX_REQUEST + 1)
        except OSError:  # timed out or reset: nobody to answer
            return
        reply = self.server.respond(self.connection, line)
        try:
            self.wfile.write(json.dumps(reply).encode("ascii") + b"\n")
            if len(line) > MAX_REQUEST:
                # Closing with unread input makes the kernel reset the connection, and the client
                # would lose the reply: read the rest first (bounded; the timeout still applies).
                drained = 0
                while drained < MAX_DRAIN and (chunk := self.connection.recv(65536)):
                    drained += len(chunk)
        except OSError:
            pass


class QuizServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """A :class:`QuizService` on a Unix socket, one thread per connection, at most
    :data:`MAX_CONNECTIONS` at once (:data:`MAX_CONNECTIONS_PER_USER` per uid).

    ``serve_forever()`` runs it; ``close()`` stops listening and removes the socket file.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = MAX_CONNECTIONS

    def __init__(self, socket_path, service: QuizService, authenticator=None):
        self.service = service
        self.authenticator = authenticator or PeerCredentials()
        self.socket_path = Path(socket_path)
        self._active, self._active_lock = Counter(), threading.Lock()
        _claim_socket_path(self.socket_path)
        try:
            super().__init__(str(self.socket_path), _Handler)
        except OSError as exc:
            raise ServiceSetupError(f"cannot listen on {self.socket_path}: {exc}") from exc
        os.chmod(self.socket_path, 0o666)  # anyone may connect; who they are comes from the kernel

    def get_request(self):
        # The "client address" of a Unix socket is empty; carry the peer's uid in its place so
        # verify_request and process_request_thread can count connections per user.
        conn, _ = self.socket.accept()
        try:
            return conn, peer_uid(conn)
        except OSError:
            conn.close()
            raise

    def verify_request(self, conn, uid):
        with self._active_lock:
            if sum(self._active.values()) < MAX_CONNECTIONS and self._active[uid] < MAX_CONNECTIONS_PER_USER:
                self._active[uid] += 1
                return True
        try:
            conn.settimeout(1.0)
            conn.sendall(b'{"ok": false, "error": "the quiz service is busy; try again in a moment"}\n')
        except OSError:
            pass
        return False

    def process_request_thread(self, conn, uid):
        try:
            super().process_request_thread(conn, uid)
        finally:
            with self._active_lock:
                self._active[uid] -= 1
                if not self._active[uid]:
                    del self._active[uid]

    def respond(self, conn, line: bytes) -> dict:
        """The reply to one raw request line from ``conn``."""
        if len(line) > MAX_REQUEST:
            return {"ok": False, "error": f"request larger than {MAX_REQUEST} bytes"}
        if not line.endswith(b"\n"):
            return {"ok": False, "error": "incomplete request: send one JSON object and a newline"}
        try:
            request = parse_request(line)
            user = self.authenticator.user(conn, request)
            return {"ok": True, **self.service.handle(user, request)}
        except (RequestError, IdentityError) as exc:
            return {"ok": False, "error": str(exc)}
        except Exception:  # a bug of ours: the instructor's log gets it, the learner a short line
            traceback.print_exc(file=sys.stderr)
            return {"ok": False, "error": "internal error in the quiz service (its log has the details)"}

    def close(self):
        self.server_close()
        try:
            self.socket_path.unlink()
        except FileNotFoundError:
            pass


def _claim_socket_path(path: Path):
    """Refuse a folder other users can write (they could replace the socket with their own) and
    a path in use; remove a socket left by a service that is no longer running."""
    try:
        st = path.parent.stat()
    except OSError as exc:
        raise ServiceSetupError(f"cannot use the folder of {path}: {exc}") from exc
    if st.st_uid not in (0, os.geteuid()) or st.st_mode & 0o022:
        raise ServiceSetupError(f"the folder {path.parent} is writable by other users, who could replace "
                                "the socket; use a folder only you can write to (and others can enter)")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise ServiceSetupError(f"{path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        path.unlink()  # stale: its service is gone
        return
    finally:
        probe.close()
    raise ServiceSetupError(f"another quiz service is already listening on {path}")


def make_server(store_path, socket_path, bank_dir=None, graded=(), rate_limit: RateLimit = RateLimit(),
                authenticator=None) -> QuizServer:
    """Check the store and the bank, then listen on ``socket_path`` (not serving yet).
    ``graded`` holds quiz ids, or ``"all"``."""
    graded = QUIZZES if "all" in graded else tuple(graded)
    try:
        graded = [normalize_quiz_id(q) for q in graded]
    except ValueError as exc:
        raise ServiceSetupError(str(exc)) from None
    store = ProgressStore(store_path, kind="service")
    store.prepare_service()
    service = QuizService(store, load_bank(bank_dir), graded, rate_limit)
    return QuizServer(socket_path, service, authenticator)
