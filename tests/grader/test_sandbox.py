"""The sandbox that runs student code: isolation and limits (grader/sandbox.py)."""
import socket
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from grader import sandbox

pytestmark = pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")
ROOT = Path(__file__).resolve().parents[2]


def _py(code: str, tmp_path, **limits):
    return sandbox.run([sys.executable, "-c", textwrap.dedent(code)], workdir=tmp_path,
                       limits=sandbox.Limits(**limits) if limits else sandbox.Limits())



def _record_connections(server, hits):
    """Listener thread: note any connection; the test closes the socket when it is done."""
    try:
        hits.append(server.accept())
    except OSError:
        pass

def test_runs_python_with_the_course_packages(tmp_path):
    res = _py("import imbalance_kit, sklearn, os; print(os.getcwd(), os.getuid())", tmp_path)
    assert res.returncode == 0, res.stderr
    cwd, uid = res.stdout.decode().split()
    assert cwd == sandbox.SANDBOX_WORKDIR and uid != "0"


def test_only_the_submission_is_writable_and_visible(tmp_path):
    (tmp_path / "answer.ipynb").write_text("{}")
    res = _py(f"""
        import os
        print(sorted(os.listdir('.')), open('answer.ipynb').read())
        for p in [{str(ROOT / 'solutions')!r}, {str(ROOT / 'README.md')!r}, '/root/.bash_history',
                  {str(ROOT / 'grader' / 'assignments' / '__init__.py')!r}]:
            print(p, os.path.exists(p))
        try:
            open('/usr/evil', 'w')
        except OSError as e:
            print('readonly', type(e).__name__)
        open('mine.txt', 'w').write('ok')
        open('answer.ipynb', 'w').write('changed')
        open('/tmp/scratch', 'w').write('ok')
        print(open('mine.txt').read(), open('answer.ipynb').read(), 'scratch' in os.listdir('/tmp'))
    """, tmp_path)
    out = res.stdout.decode()
    assert "['.tmp', 'answer.ipynb'] {}" in out, "the host's files are copied in, /tmp is .tmp"
    assert "solutions False" in out and "README.md False" in out
    assert "__init__.py False" in out, "answer keys must not be reachable"
    assert "readonly" in out
    assert "ok changed True" in out
    # what the student writes stays in the sandbox
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.ipynb"]
    assert (tmp_path / "answer.ipynb").read_text() == "{}"


def test_disk_cap_holds_for_many_files_and_nothing_reaches_the_host(tmp_path):
    """Files under the per-file cap, in the work directory and in /tmp, share one disk cap."""
    res = _py("""
        import os, sys, time
        written = 0
        try:
            for i in range(40):
                with open(f'/tmp/t{i}' if i % 2 else f'f{i}', 'wb') as fh:
                    for _ in range(10):
                        written += fh.write(b'x' * 1024**2)
        except OSError as e:
            print('failed', e.errno, written // 1024**2, flush=True)
        time.sleep(30)
    """, tmp_path, disk_mb=32, file_size_mb=20, wall_seconds=25)
    assert res.limit == "disk space limit (32 MB)"
    assert res.wall_seconds < 20, "stopped when the area filled, not at the wall time"
    failed, errno, mb = res.stdout.split()
    assert failed == b"failed" and int(errno) == 28 and int(mb) <= 32
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_named_even_when_the_run_ends_right_after(tmp_path):
    # the first sample sees the area (a graded run spends longer than this importing IPython)
    res = _py("""
        import time
        time.sleep(2 * %r)
        with open('big', 'wb') as fh:
            fh.write(b'x' * 40 * 1024**2)
    """ % sandbox.POLL_SECONDS, tmp_path, disk_mb=32, wall_seconds=25)
    assert res.returncode != 0 and b"No space left" in res.stderr
    assert res.limit == "disk space limit (32 MB)"


def test_a_socket_in_the_work_directory_stays_reachable(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "service.sock"))
    (tmp_path / "service.sock").chmod(0o666)
    server.listen()
    server.settimeout(30)

    def answer():
        conn, _ = server.accept()
        conn.sendall(b"hello from the grader")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    res = _py("""
        import socket
        s = socket.socket(socket.AF_UNIX)
        s.connect('service.sock')
        print(s.recv(100).decode())
    """, tmp_path)
    server.close()
    assert res.stdout.strip() == b"hello from the grader", res.stderr


@pytest.mark.skipif(sandbox.seccomp_filter() is None, reason="the filter is written for x86-64")
def test_no_user_namespaces_so_no_file_system_of_ones_own(tmp_path):
    """In a user namespace of its own, a student could mount a tmpfs beyond disk_mb and memory_mb."""
    res = _py("""
        import ctypes, os, subprocess, threading
        libc = ctypes.CDLL(None, use_errno=True)
        print('unshare', libc.unshare(0x10000000), ctypes.get_errno())  # CLONE_NEWUSER
        print('tool', subprocess.run(['unshare', '-Urm', 'mount', '-t', 'tmpfs', 'x', '/tmp'],
                                     capture_output=True).returncode)
        # forks, threads and spawned commands still work (clone3 falls back to clone)
        t = threading.Thread(target=print, args=('thread',)); t.start(); t.join()
        if (pid := os.fork()) == 0:
            os._exit(3)
        print('fork', os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        print(subprocess.run(['sh', '-c', 'echo spawned'], capture_output=True, text=True).stdout)
    """, tmp_path)
    assert res.stdout.decode().split() == ["unshare", "-1", "1", "tool", "1", "thread", "fork", "3",
                                           "spawned"], res.stderr


def test_work_directory_may_hold_only_files_folders_and_sockets(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ValueError, match="pipe"):
        sandbox.bwrap_argv(tmp_path, 20000)


def test_no_network_even_to_the_hosts_loopback(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]
    hits = []
    threading.Thread(target=_record_connections, args=(server, hits), daemon=True).start()
    res = _py(f"""
        import socket
        try:
            socket.create_connection(('127.0.0.1', {port}), timeout=3); print('CONNECTED')
        except OSError as e:
            print('blocked', e)
    """, tmp_path)
    server.close()
    assert b"blocked" in res.stdout and not hits


def test_wall_time_limit_is_named(tmp_path):
    res = _py("while True: pass", tmp_path, wall_seconds=2)
    assert res.limit and "wall time" in res.limit


def test_cpu_limit_is_named(tmp_path):
    res = _py("while True: pass", tmp_path, cpu_seconds=1, wall_seconds=30)
    assert res.limit and "CPU time" in res.limit


def test_memory_bomb_fails_inside(tmp_path):
    res = _py("x = bytearray(8 * 1024**3)", tmp_path, memory_mb=1024)
    assert res.returncode != 0 and b"MemoryError" in res.stderr


def test_memory_limit_is_for_all_processes_together(tmp_path):
    """Four children of 200 MB each fit the per-process cap of 300 MB, not the submission's."""
    res = _py("""
        import os, time
        for _ in range(4):
            if os.fork() == 0:
                keep = b'x' * (200 * 1024**2)
                time.sleep(30)
                os._exit(0)
        print('forked', flush=True)
        time.sleep(30)
    """, tmp_path, memory_mb=300, wall_seconds=25)
    assert res.limit == "memory limit (300 MB)"
    assert res.wall_seconds < 20, "stopped when the children grew, not at the wall time"


def test_pages_shared_after_a_fork_count_once(tmp_path):
    """A 150 MB parent with three idle children holds 150 MB, not 600 MB."""
    res = _py("""
        import os, time
        keep = b'x' * (150 * 1024**2)
        children = [pid for pid in [os.fork() for _ in range(3)] if pid]
        if len(children) < 3:
            time.sleep(2)
            os._exit(0)
        for pid in children:
            os.waitpid(pid, 0)
        print('done')
    """, tmp_path, memory_mb=300, wall_seconds=25)
    assert res.limit is None and res.stdout.strip() == b"done", res.stderr


# Fork children that sleep until fork is refused, then print how many there are.
FORK_UNTIL_REFUSED = """
import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(5); os._exit(0)
        n += 1
except OSError:
    print('children', n)
"""


def test_process_bomb_is_bounded(tmp_path):
    res = _py(FORK_UNTIL_REFUSED, tmp_path, processes=40, wall_seconds=30)
    assert b"children" in res.stdout
    assert int(res.stdout.split()[-1]) < 40


def test_default_limits_leave_a_notebook_room_and_bound_fork_and_allocate(tmp_path):
    """With the default limits a kernel with a thread and a helper command runs; forking and
    allocating beyond ``processes`` fails, so it can never hold more than processes x memory."""
    limits = sandbox.Limits()
    res = _py(textwrap.dedent("""
        import os, subprocess, threading, time
        import numpy, sklearn.linear_model
        t = threading.Thread(target=time.sleep, args=(0.5,)); t.start()
        print(subprocess.run(['true']).returncode)
        t.join()
    """) + FORK_UNTIL_REFUSED, tmp_path, wall_seconds=30)
    assert res.returncode == 0, res.stderr
    ok, _, children = res.stdout.split()
    assert ok == b"0" and 1 + int(children) <= limits.processes


def test_output_flood_is_truncated(tmp_path):
    res = _py("import sys\nwhile True: sys.stdout.write('x' * 65536)", tmp_path, output_kb=64, wall_seconds=5)
    assert len(res.stdout) == 64 * 1024 and res.stdout_truncated


def test_file_size_limit(tmp_path):
    res = _py("""
        try:
            open('big', 'wb').write(b'x' * 3 * 1024 * 1024)
        except OSError as e:
            print('refused', e.errno)
        import os
        print(os.path.getsize('big'))
    """, tmp_path, file_size_mb=1)
    assert res.stdout.split() == [b"refused", b"27", str(1024 * 1024).encode()], res.stderr
    assert not (tmp_path / "big").exists()


def test_unsafe_mode_runs_without_bwrap(tmp_path):
    res = sandbox.run([sys.executable, "-c", "print('plain')"], workdir=tmp_path, sandbox=False)
    assert res.stdout.strip() == b"plain"


def test_limits_are_validated():
    with pytest.raises(ValueError, match="memory_mb"):
        sandbox.Limits(memory_mb=0)


def test_child_environment_keeps_no_grader_secrets(monkeypatch, tmp_path):
    from grader.sandbox import child_env

    monkeypatch.setenv("IMBALANCE_LAB_DB_URL", "postgresql://grader:secret@db/course")
    monkeypatch.setenv("SOME_API_TOKEN", "t0k3n")
    env = child_env(tmp_path)
    assert "secret" not in " ".join(env.values()) and "t0k3n" not in " ".join(env.values())
    assert env["MPLBACKEND"] == "Agg" and "PATH" in env


def test_every_sandboxed_command_gets_only_the_whitelisted_environment(monkeypatch, tmp_path):
    """Not only the runner's: any command sandbox.run starts sees child_env's variables alone."""
    monkeypatch.setenv("IMBALANCE_LAB_DB_URL", "postgresql://grader:secret@db/course")
    res = _py("import os; print(sorted(os.environ))", tmp_path)
    assert res.returncode == 0, res.stderr
    seen = eval(res.stdout)  # noqa: S307 - our own print of a list of names
    assert "IMBALANCE_LAB_DB_URL" not in seen and {"PATH", "PYTHONHASHSEED"} <= set(seen)


def test_multiprocessing_works_and_shared_memory_is_capped(tmp_path):
    """A learner's multiprocessing.Pool runs (its locks need /dev/shm); /dev/shm is small and private."""
    res = _py(f"""
        import multiprocessing as mp, os
        with mp.Pool(2) as pool:
            print(pool.map(abs, [-1, -2, -3]))
        try:
            with open('/dev/shm/big', 'wb') as fh:
                for _ in range({sandbox.SHM_MB} + 8):
                    fh.write(b'x' * 1024**2)
        except OSError as e:
            print('shm full', e.errno)
    """, tmp_path, wall_seconds=30)
    assert res.returncode == 0, res.stderr
    assert b"[1, 2, 3]" in res.stdout and b"shm full 28" in res.stdout
