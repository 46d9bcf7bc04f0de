"""Run an untrusted command (a student's notebook run) isolated and within limits.

Isolation uses bubblewrap (``bwrap``): new network, PID, IPC and UTS namespaces (no route to any
host, not even the grader's loopback), a read-only view of only the system directories, the Python
installation and the helper packages, a private ``/tmp``, and one writable work directory holding
the submission. Inside, the process drops to an unprivileged uid (one per worker, so per-user
process limits do not add up across workers) with no capabilities. Answer keys
(``grader/assignments``), solutions, the gradebook and other students' files are simply not
mounted.

Limits are rlimits set before exec (CPU time, address space, processes, file size) plus a
wall-clock timeout that kills the whole process group, and a cap on captured output.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grader.limits import Limits

__all__ = ["Limits", "Result", "SandboxUnavailable", "bwrap_argv", "run", "sandbox_problem"]

SANDBOX_WORKDIR = "/submission"


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; grading refuses unless --unsafe-no-sandbox is given."""


@dataclass
class Result:
    """What a sandboxed command did. ``limit`` names the limit that stopped it, if any."""

    returncode: int
    stdout: bytes
    stderr: bytes
    wall_seconds: float
    limit: str | None = None
    stdout_truncated: bool = False


def _python_roots() -> list[Path]:
    """Directories the child needs to start Python and import the installed packages."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(Path(sysconfig.get_paths()[key]))
    # Editable installs (pip install -e .) import the project packages from the checkout:
    # mount just those package folders, never the checkout itself (solutions/, gradebook).
    import grader
    import imbalance_kit

    roots.add(Path(imbalance_kit.__file__).resolve().parent)
    roots.add(Path(grader.__file__).resolve().parent)
    return sorted(_collapse(roots))


def _collapse(paths) -> list[Path]:
    """Drop paths already inside another path of the set."""
    paths = sorted({p.resolve() for p in paths if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in paths:
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


def _hidden_paths() -> list[Path]:
    """Grader-side folders that sit inside a mounted package and must stay invisible."""
    import grader

    return [Path(grader.__file__).resolve().parent / "assignments"]


def bwrap_argv(workdir: Path, uid: int, extra_ro: tuple[Path, ...] = ()) -> list[str]:
    """The bubblewrap prefix that isolates a command (see module docstring)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    argv = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(256 * 1024 * 1024), "--tmpfs", "/tmp"]
    for system_dir in ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc"):
        if Path(system_dir).exists():
            argv += ["--ro-bind", system_dir, system_dir]
    made = {Path("/")}
    for root in _collapse([*_python_roots(), *extra_ro]):
        # Parents of a mount are created by bwrap; make them traversable for the dropped uid
        # (the host's /root is 0700).
        for parent in reversed(root.parents):
            if parent not in made and not any(str(parent).startswith(d) for d in ("/usr", "/lib", "/bin", "/etc")):
                argv += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        argv += ["--ro-bind", str(root), str(root)]
    for hidden in _hidden_paths():
        if hidden.exists():
            argv += ["--perms", "0000", "--tmpfs", str(hidden)]
    argv += ["--bind", str(workdir), SANDBOX_WORKDIR, "--chdir", SANDBOX_WORKDIR,
             "--setenv", "HOME", SANDBOX_WORKDIR, "--setenv", "TMPDIR", "/tmp",
             "--setenv", "MPLCONFIGDIR", "/tmp/mpl", "--setenv", "JUPYTER_RUNTIME_DIR", "/tmp/jr",
             "--setenv", "IPYTHONDIR", "/tmp/ipython", "--unsetenv", "JUPYTERHUB_API_TOKEN"]
    setpriv = shutil.which("setpriv")
    if not setpriv:
        raise SandboxUnavailable("setpriv (util-linux) is missing: cannot drop privileges in the sandbox")
    if os.geteuid() == 0:
        argv += [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all"]
    return argv


@lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """Why the sandbox cannot run here, or None when it works (checked once per process)."""
    import tempfile

    try:
        with tempfile.TemporaryDirectory() as tmp:
            res = run([sys.executable, "-c", "print('ok')"], workdir=Path(tmp), limits=Limits(wall_seconds=60))
    except SandboxUnavailable as exc:
        return str(exc)
    if res.returncode != 0 or res.stdout.strip() != b"ok":
        return f"bubblewrap failed a trivial run: {res.stderr.decode(errors='replace').strip()[:300]}"
    return None


def _die_with_parent():
    """Ask the kernel to SIGKILL this process when the grading worker dies (kill -9 of a batch)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _set_limits(limits: Limits):
    def apply():
        os.setsid()
        _die_with_parent()
        mb = 1024 * 1024
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb,) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_mb * mb,) * 2)
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _drain(stream, cap: int, sink: list, flags: dict):
    """Read a pipe to the end, keeping at most ``cap`` bytes (the child never blocks on a full pipe)."""
    kept = 0
    while chunk := stream.read(65536):
        if kept < cap:
            sink.append(chunk[: cap - kept])
        kept += len(chunk)
        if kept > cap:
            flags["truncated"] = True
    stream.close()


def run(argv: list[str], *, workdir: Path, limits: Limits = Limits(), stdin: bytes = b"",
        uid: int = 20000, sandbox: bool = True, env: dict | None = None) -> Result:
    """Run ``argv`` in ``workdir`` (mounted at /submission when sandboxed) within ``limits``.

    ``sandbox=False`` runs the command directly with the same limits (the instructor's explicit
    ``--unsafe-no-sandbox``). ``workdir`` is handed to ``uid`` so the dropped user can write it.
    """
    workdir = Path(workdir).resolve()
    if not workdir.is_dir():
        raise FileNotFoundError(f"work directory {workdir} does not exist")
    child_env = {k: v for k, v in (env or os.environ).items()
                 if not k.startswith(("JUPYTERHUB_", "GIT_", "SSH_", "AWS_"))}
    child_env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                      "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"})
    if sandbox:
        if os.geteuid() == 0:
            for path in [workdir, *workdir.rglob("*")]:
                os.lchown(path, uid, uid)
        full = bwrap_argv(workdir, uid) + argv
    else:
        full = list(argv)
    start = time.monotonic()
    proc = subprocess.Popen(full, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=workdir, env=child_env, preexec_fn=_set_limits(limits))
    out, err, flags = [], [], {}
    cap = limits.output_kb * 1024
    readers = [threading.Thread(target=_drain, args=(proc.stdout, cap, out, flags), daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, 64 * 1024, err, {}), daemon=True)]
    for t in readers:
        t.start()
    try:
        proc.stdin.write(stdin)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    limit = None
    try:
        proc.wait(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        limit = limits.describe("wall_seconds")
        _kill_group(proc)
    except BaseException:  # Ctrl-C in the grader: the run must not outlive it
        _kill_group(proc)
        raise
    for t in readers:
        t.join(timeout=10)
    _kill_group(proc)  # leftovers (unsandboxed runs) must not outlive the run
    rc = proc.returncode
    # bwrap reports a child killed by signal N as exit status 128 + N.
    if limit is None and rc in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        limit = limits.describe("cpu_seconds")
    if limit is None and flags.get("truncated"):
        limit = limits.describe("output_kb")
    return Result(rc, b"".join(out), b"".join(err), time.monotonic() - start, limit,
                  bool(flags.get("truncated")))


def _kill_group(proc: subprocess.Popen):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
