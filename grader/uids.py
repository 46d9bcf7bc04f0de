"""The unprivileged uids sandboxes run as: leased, so no two running processes share one.

Why: the sandbox's process limit (``RLIMIT_NPROC``) counts every process of its uid on the host,
not only the sandbox's. Two batches on one uid (two courses, two assignments) add up: students
holding their processes in one batch left the other's sandboxes unable to start.

How: uids come from a range (``IMBALANCE_LAB_SANDBOX_UIDS``, default :data:`DEFAULT_RANGE`), with
one lock file per uid in a root-only directory (``IMBALANCE_LAB_SANDBOX_UID_LOCKS``, default
:data:`DEFAULT_LOCKS`). A lease is an exclusive ``flock`` of that file, held by the process that
leased it: the kernel drops it when the process exits or is killed, so a batch that crashed frees
its uids with no clean-up step. A uid that still has processes (a holder that died a moment ago,
or anything outside the grader) is skipped, never killed.

Leases are per process: a grading worker leases its uid when it first starts a sandbox and keeps
it until it exits (:func:`process_uid`); a replacement worker leases a fresh one, and so does a
direct caller (``course check``, a test). No counter is shared by a batch's workers, so a worker
on another host leases from that host's range the same way. A forked child does not inherit its
parent's lease; it leases its own.

Without root the sandbox cannot switch uids: every sandbox runs as the grader's own uid, nothing is
leased, and the process limit counts all of that user's processes (batches are not isolated).
"""
from __future__ import annotations

import fcntl
import os
import stat

__all__ = ["DEFAULT_LOCKS", "DEFAULT_RANGE", "Lease", "lease", "process_uid", "uid_range"]

#: uids handed to sandboxes unless ``IMBALANCE_LAB_SANDBOX_UIDS`` says otherwise (``first-last``).
DEFAULT_RANGE = "20000-20999"
#: Where the lock files live unless ``IMBALANCE_LAB_SANDBOX_UID_LOCKS`` says otherwise.
DEFAULT_LOCKS = "/run/imbalance-lab/sandbox-uids"


class Lease:
    """One uid, this process's until :meth:`release` (or exit). Also a context manager."""

    def __init__(self, uid: int, fd: int | None):
        self.uid, self._fd = uid, fd

    def release(self):
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc):
        self.release()

    def __repr__(self):
        return f"Lease(uid={self.uid}, held={self._fd is not None})"


def uid_range() -> range:
    """The configured uids (``IMBALANCE_LAB_SANDBOX_UIDS``, e.g. ``20000-20999``)."""
    from grader.sandbox import SandboxUnavailable

    text = os.environ.get("IMBALANCE_LAB_SANDBOX_UIDS", DEFAULT_RANGE)
    try:
        first, last = (int(part) for part in text.split("-"))
    except ValueError:
        first = last = -1
    if not 0 < first <= last:
        raise SandboxUnavailable(f"IMBALANCE_LAB_SANDBOX_UIDS={text!r} is not a range of "
                                 "unprivileged uids like 20000-20999")
    return range(first, last + 1)


def _lock_dir() -> str:
    """The lock directory, created root-only; refused when others could write into it."""
    from grader.sandbox import SandboxUnavailable

    path = os.environ.get("IMBALANCE_LAB_SANDBOX_UID_LOCKS", DEFAULT_LOCKS)
    try:
        os.makedirs(path, mode=0o755, exist_ok=True)
        st = os.lstat(path)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot use {path} for sandbox uid locks: {exc}") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        # anyone who can write here could hold every uid, or swap a lock file under a batch
        raise SandboxUnavailable(f"{path} (sandbox uid locks) must be a directory owned by uid "
                                 f"{os.geteuid()} that no one else can write to")
    return path


def _uids_with_processes() -> set[int]:
    """Real uids of every process on the host (the ones ``RLIMIT_NPROC`` counts)."""
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as fh:
                found.add(int(next(line for line in fh if line.startswith("Uid:")).split()[1]))
        except (OSError, StopIteration, ValueError, IndexError):  # the process has just ended
            pass
    return found


def lease() -> Lease:
    """Lease the lowest free uid of the range (without root: the grader's own uid, no lock).

    Raises :class:`grader.sandbox.InfrastructureError` when every uid is leased or still has
    processes (retry later), :class:`grader.sandbox.SandboxUnavailable` when the range or the
    lock directory is misconfigured.
    """
    from grader.sandbox import InfrastructureError

    if os.geteuid() != 0:
        return Lease(os.getuid(), None)
    uids, folder = uid_range(), _lock_dir()
    busy = _uids_with_processes()
    for uid in uids:
        if uid in busy:
            continue
        fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return Lease(uid, fd)
    raise InfrastructureError(f"no free sandbox uid: every uid of {uids.start}-{uids.stop - 1} is "
                              "leased by a running grader or still has processes")


#: This process's own lease (:func:`process_uid`), and the pid it belongs to.
_OWN: list = [None, None]


def process_uid() -> int:
    """The uid this process's sandboxes run as: leased on first use, held until the process exits."""
    if _OWN[0] is None or _OWN[1] != os.getpid():
        _OWN[:] = [lease(), os.getpid()]
    return _OWN[0].uid


def _forget_inherited_lease():
    """In a forked child: drop the copy of the parent's descriptor without unlocking it (the
    parent still holds the uid); the child leases its own when it needs one."""
    held = _OWN[0]
    if held is not None and held._fd is not None:
        try:
            os.close(held._fd)
        except OSError:
            pass
    _OWN[:] = [None, None]


os.register_at_fork(after_in_child=_forget_inherited_lease)
