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
        print(sorted(os.listdir('.')))
        for p in [{str(ROOT / 'solutions')!r}, {str(ROOT / 'README.md')!r}, '/root/.bash_history',
                  {str(ROOT / 'grader' / 'assignments' / '__init__.py')!r}]:
            print(p, os.path.exists(p))
        try:
            open('/usr/evil', 'w')
        except OSError as e:
            print('readonly', type(e).__name__)
        open('mine.txt', 'w').write('ok')
    """, tmp_path)
    out = res.stdout.decode()
    assert "['answer.ipynb']" in out
    assert "solutions False" in out and "README.md False" in out
    assert "__init__.py False" in out, "answer keys must not be reachable"
    assert "readonly" in out
    assert (tmp_path / "mine.txt").read_text() == "ok"


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


def test_process_bomb_is_bounded(tmp_path):
    res = _py("""
        import os, time
        n = 0
        try:
            while True:
                if os.fork() == 0:
                    time.sleep(3); os._exit(0)
                n += 1
        except OSError:
            print('stopped at', n)
    """, tmp_path, processes=40, wall_seconds=30)
    assert b"stopped at" in res.stdout
    assert int(res.stdout.split()[-1]) < 40


def test_output_flood_is_truncated(tmp_path):
    res = _py("import sys\nwhile True: sys.stdout.write('x' * 65536)", tmp_path, output_kb=64, wall_seconds=5)
    assert len(res.stdout) == 64 * 1024 and res.stdout_truncated


def test_file_size_limit(tmp_path):
    res = _py("open('big', 'wb').write(b'x' * 3 * 1024 * 1024)", tmp_path, file_size_mb=1)
    assert res.returncode != 0
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_unsafe_mode_runs_without_bwrap(tmp_path):
    res = sandbox.run([sys.executable, "-c", "print('plain')"], workdir=tmp_path, sandbox=False)
    assert res.stdout.strip() == b"plain"


def test_limits_are_validated():
    with pytest.raises(ValueError, match="memory_mb"):
        sandbox.Limits(memory_mb=0)


def test_child_environment_keeps_no_grader_secrets(monkeypatch, tmp_path):
    from grader.runner import child_env

    monkeypatch.setenv("IMBALANCE_LAB_DB_URL", "postgresql://grader:secret@db/course")
    monkeypatch.setenv("SOME_API_TOKEN", "t0k3n")
    env = child_env(tmp_path)
    assert "secret" not in " ".join(env.values()) and "t0k3n" not in " ".join(env.values())
    assert env["MPLBACKEND"] == "Agg" and "PATH" in env
