"""Sandbox uid leases (grader/uids.py): disjoint, released when the holder dies, never inherited."""
import fcntl
import os
import signal
import subprocess
import sys

import pytest

from grader import uids
from grader.sandbox import InfrastructureError, SandboxUnavailable

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="uids are leased only as root")
FIRST = 29_400  # a private range, away from the default one other graders on this host use


@pytest.fixture
def private(tmp_path, monkeypatch):
    """A private lock directory and range of three uids; returns the lock directory."""
    monkeypatch.setenv("IMBALANCE_LAB_SANDBOX_UID_LOCKS", str(tmp_path / "locks"))
    monkeypatch.setenv("IMBALANCE_LAB_SANDBOX_UIDS", f"{FIRST}-{FIRST + 2}")
    return tmp_path / "locks"


def _held(folder, uid) -> bool:
    fd = os.open(folder / str(uid), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


HOLDER = "from grader import uids; import sys, time; print(uids.lease().uid, flush=True); time.sleep(60)"


def test_leases_are_disjoint_and_a_killed_holder_frees_its_uid(private):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdout=subprocess.PIPE, text=True)
    try:
        theirs = int(holder.stdout.readline())
        with uids.lease() as mine, uids.lease() as also_mine:
            assert theirs == FIRST and {mine.uid, also_mine.uid} == {FIRST + 1, FIRST + 2}
            with pytest.raises(InfrastructureError, match=f"no free sandbox uid.*{FIRST}-{FIRST + 2}"):
                uids.lease()
        assert not _held(private, FIRST + 1), "release() frees the uid"
        assert _held(private, theirs)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert not _held(private, theirs), "the kernel drops a killed holder's lease"
    with uids.lease() as again:
        assert again.uid == FIRST


def test_a_uid_that_still_has_processes_is_skipped(private):
    squatter = subprocess.Popen(["setpriv", f"--reuid={FIRST}", f"--regid={FIRST}", "--clear-groups",
                                 "sleep", "60"])
    try:
        while FIRST not in uids._uids_with_processes():  # setpriv has switched
            assert squatter.poll() is None
        with uids.lease() as lease:
            assert lease.uid == FIRST + 1
    finally:
        squatter.kill()
        squatter.wait()


def test_a_forked_child_leases_its_own_uid(private, monkeypatch):
    monkeypatch.setattr(uids, "_OWN", [None, None])  # this test's process lease, not the session's
    parent = uids.process_uid()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # like a pool worker forked from a process that already holds a lease
        os.write(write, str(uids.process_uid()).encode())
        os._exit(0)
    os.close(write)
    child = int(os.read(read, 100))
    os.waitpid(pid, 0)
    assert child != parent and uids.process_uid() == parent
    assert _held(private, parent), "the child's exit did not free the parent's uid"
    uids._OWN[0].release()


@pytest.mark.parametrize("setting, value, words", [
    ("IMBALANCE_LAB_SANDBOX_UIDS", "20000", "not a range"),
    ("IMBALANCE_LAB_SANDBOX_UIDS", "0-5", "not a range"),
    ("IMBALANCE_LAB_SANDBOX_UID_LOCKS", "writable", "no one else can write"),
])
def test_misconfiguration_is_refused(private, monkeypatch, setting, value, words):
    if value == "writable":
        value = str(private.parent / value)
        os.mkdir(value, 0o777)
        os.chmod(value, 0o777)
    monkeypatch.setenv(setting, value)
    with pytest.raises(SandboxUnavailable, match=words):
        uids.lease()
