"""Run an untrusted command (a student's notebook run) isolated and within limits.

Isolation uses bubblewrap (``bwrap``): new network, PID, IPC and UTS namespaces (no route to any
host, not even the grader's loopback), a read-only view of only the system directories, the Python
installation and the helper packages, and one writable area: ``/submission`` (the work directory)
is an in-memory file system of ``disk_mb`` and ``/tmp`` points into it, so everything the student
can write shares that cap and vanishes with the sandbox. What the grader put into the host work
directory before the run is copied in (files) or mounted (sockets, such as a grader-side
service's); nothing written inside reaches the host. Inside, the process drops to an unprivileged
uid leased by the calling process alone (:mod:`grader.uids`: the per-uid process limit counts no
other worker's or batch's processes) with no capabilities, and a seccomp filter stops it from creating user namespaces (in one, it could mount
a file system of its own and escape the caps).

Of the project, the sandbox mounts by allow-list (:func:`mount_plan`): the packages student code
imports (:data:`STUDENT_PACKAGES`: ``imbalance_kit`` and ``learner``) and, of ``grader``, only the
runner's own modules (:data:`RUNNER_MODULES`) in a read-only folder of their own that replaces the
``grader`` folder, whether the course is installed editable (a checkout's package folders) or in
site-packages. Answer keys, the held-out secret, solutions, the quiz bank and service, the
oracle's server, the gradebook and other students' files are simply not there.

Limits are rlimits set before exec (CPU time, address space, processes, file size) plus a
wall-clock timeout that kills the whole process group, and a cap on captured output. While the
command runs, the grader samples it every :data:`POLL_SECONDS`: the memory of all its processes
together (proportional set size, so pages shared after a fork count once) against ``memory_mb``,
and whether its writable area is full; either stops it with the limit named. cgroup v2 would make
the memory limit exact, but it needs a delegated subtree with the memory controller, which a
grading host may not have; the sampling needs only ``/proc``, and the per-process rlimit bounds
what can slip in between two samples (``processes * memory_mb``).
"""
from __future__ import annotations

import importlib.util
import os
import platform
import resource
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grader.limits import Limits
from grader.processes import die_with_parent, signal_of

__all__ = ["InfrastructureError", "Limits", "RUNNER_MODULES", "Result", "STUDENT_PACKAGES",
           "SandboxUnavailable", "bwrap_argv", "mount_plan", "run", "sandbox_problem", "seccomp_filter"]

SANDBOX_WORKDIR = "/submission"
#: Host folders mounted read-only as themselves (the system; never a place of the course).
SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc")
_TMP = f"{SANDBOX_WORKDIR}/.tmp"  # the sandbox's /tmp (a symlink to it), inside the capped area
#: Seconds between two samples of a running command's memory and writable area.
POLL_SECONDS = 0.25
#: A writable area with less free space than this is full (a write has failed on it).
_FULL_BYTES = 1 << 20
_MB = 1024 * 1024
#: Size of the sandbox's /dev/shm (semaphores and small shared buffers of multiprocessing).
SHM_MB = 64


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; grading refuses unless --unsafe-no-sandbox is given."""


class InfrastructureError(RuntimeError):
    """Our own machinery failed before the student's code ran (the sandbox did not start, no
    process or sandbox uid was free): worth retrying, and never the student's error."""


@dataclass
class Result:
    """What a sandboxed command did. ``limit`` names the limit that stopped it, if any."""

    returncode: int
    stdout: bytes
    stderr: bytes
    wall_seconds: float
    limit: str | None = None
    stdout_truncated: bool = False


#: Packages of this project that student code imports, mounted whole.
STUDENT_PACKAGES = ("imbalance_kit", "learner")
#: The only files of ``grader`` mounted: the modules ``python -m grader.runner`` imports in the
#: sandbox (tests/grader/test_sandbox_mounts.py runs it with exactly these and lists what is seen).
RUNNER_MODULES = ("__init__.py", "extract.py", "limits.py", "preimport.py", "processes.py", "runner.py",
                  "spec.py", "student_text.py", "test_cells.py")


def _python_roots() -> list[Path]:
    """Directories the child needs to start Python and import third-party packages."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(Path(sysconfig.get_paths()[key]))
    return sorted(_collapse(roots))


def _package_dir(name: str) -> Path:
    """The folder of this project's package ``name`` as this Python imports it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SandboxUnavailable(f"the course's package {name!r} is not importable here: reinstall "
                                 "the course (pip install -e . in its checkout)")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def mount_plan(roots, grader_dir: Path, shared, grader_copies=()) -> list[tuple[str, Path]]:
    """What the sandbox shows of the host besides the system folders, in mount order.

    ``("ro", path)`` mounts a folder or file read-only; ``("empty", path)`` puts an empty folder
    over whatever a mounted folder holds there, so the files mounted into it next are all it shows.
    ``roots``: the Python installation (prefix, stdlib, site-packages), with its third-party
    packages; ``shared``: :data:`STUDENT_PACKAGES`' folders, whole; ``grader_dir``: the ``grader``
    package, of which only :data:`RUNNER_MODULES` and their compiled copies are shown, whether it
    lies in a root (site-packages) or not (an editable install's checkout); ``grader_copies``:
    other ``grader`` folders on the import path (an older install), shown empty if in a root.
    """
    ro = _collapse([*roots, *shared])
    plan = [("ro", path) for path in ro]
    within = (*ro, *map(Path, SYSTEM_DIRS))
    plan += [("empty", copy) for copy in _collapse(grader_copies)
             if copy != grader_dir and any(copy == r or r in copy.parents for r in within)]
    plan.append(("empty", grader_dir))
    for name in RUNNER_MODULES:
        source = grader_dir / name
        plan.append(("ro", source))
        compiled = Path(importlib.util.cache_from_source(str(source)))
        if compiled.is_file():  # spares compiling the runner in every sandbox
            plan.append(("ro", compiled))
    return plan


def _installed_plan() -> list[tuple[str, Path]]:
    """:func:`mount_plan` for this Python and the course as it imports it."""
    grader_dir = _package_dir("grader")
    copies = [Path(entry, "grader").resolve() for entry in sys.path
              if entry and Path(entry, "grader", "__init__.py").is_file()]
    return mount_plan(_python_roots(), grader_dir, [_package_dir(n) for n in STUDENT_PACKAGES], copies)


def _collapse(paths) -> list[Path]:
    """Drop paths already inside another path of the set."""
    paths = sorted({p.resolve() for p in paths if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in paths:
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


def bwrap_argv(workdir: Path, uid: int, *, disk_mb: int = Limits.disk_mb,
               files: dict[str, int] | None = None, seccomp_fd: int | None = None) -> list[str]:
    """The bubblewrap prefix that isolates a command (see module docstring).

    ``files`` maps each regular file of ``workdir`` (relative path) to an open descriptor that
    bubblewrap copies it from; ``seccomp_fd`` is a descriptor to read :func:`seccomp_filter`
    from. The caller passes those descriptors to the child.
    """
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    argv = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
            # multiprocessing's locks live in /dev/shm; a small tmpfs of its own, like the host's
            "--perms", "1777", "--size", str(SHM_MB * _MB), "--tmpfs", "/dev/shm"]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    for system_dir in SYSTEM_DIRS:
        if Path(system_dir).exists():
            argv += ["--ro-bind", system_dir, system_dir]
    # The only writable place: a size-capped tmpfs; /tmp is a folder of it, so both share the cap.
    argv += ["--perms", "0777", "--size", str(disk_mb * _MB), "--tmpfs", SANDBOX_WORKDIR,
             "--perms", "1777", "--dir", _TMP, "--symlink", _TMP, "/tmp"]
    made = {Path("/"), Path("/tmp")}  # folders created inside
    mounts = dict.fromkeys(map(Path, SYSTEM_DIRS), "ro")  # what is mounted where, so far
    for kind, path in _installed_plan():
        # Parents of a mount are created by bwrap; make them traversable for the dropped uid
        # (the host's /root is 0700). A parent exists already when the deepest mount holding it
        # is read-only (it shows the host's folder) or is that parent itself.
        for parent in reversed(path.parents):
            holder = next((p for p in (parent, *parent.parents) if p in mounts), None)
            shown = holder is not None and (mounts[holder] == "ro" or holder == parent)
            if parent not in made and not shown:
                argv += ["--perms", "0755", "--dir", _mount_point(parent)]
                made.add(parent)
        if kind == "ro":
            argv += ["--ro-bind", str(path), _mount_point(path)]
        else:
            argv += ["--perms", "0755", "--tmpfs", _mount_point(path)]
        mounts[path] = kind
    # an emptied folder is writable tmpfs until it holds its files: then read-only like the rest
    argv += [arg for path, kind in mounts.items() if kind == "empty"
             for arg in ("--remount-ro", _mount_point(path))]
    argv += _mirror(Path(workdir), files or {})
    argv += ["--chdir", SANDBOX_WORKDIR,
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


def _mount_point(path: Path) -> str:
    """Where a host path is mounted inside: as itself, except under /tmp, which is a symlink into
    the work area there (e.g. a course checked out under /tmp: it stays importable by its path)."""
    if path == Path("/tmp") or Path("/tmp") in path.parents:
        return f"{_TMP}/{path.relative_to('/tmp')}"
    return str(path)


def _mirror(workdir: Path, files: dict[str, int]) -> list[str]:
    """bwrap options recreating ``workdir`` in the sandbox's writable area.

    Folders are made and regular files copied (they count against the cap, and writes to them
    stay inside); sockets are mounted, so a grader-side service stays reachable.
    """
    argv = []
    for path in sorted(workdir.rglob("*")):
        rel = path.relative_to(workdir).as_posix()
        inside = f"{SANDBOX_WORKDIR}/{rel}"
        if path.is_symlink():
            raise ValueError(f"work directory entry {rel} is a symlink: only files, folders and "
                             "sockets are copied in")
        if path.is_dir():
            argv += ["--perms", "0777", "--dir", inside]
        elif path.is_file():
            argv += ["--perms", "0666", "--file", str(files[rel]), inside]
        elif path.is_socket():
            argv += ["--bind", str(path), inside]
        else:
            raise ValueError(f"work directory entry {rel} is not a file, folder or socket")
    return argv


def seccomp_filter() -> bytes | None:
    """A seccomp program (classic BPF) that refuses to create user namespaces; None off x86-64.

    Unprivileged user namespaces let a process mount a tmpfs of its own, outside ``disk_mb`` and
    ``memory_mb``. ``unshare`` and ``clone`` with ``CLONE_NEWUSER`` fail with EPERM; ``clone3``
    (whose flags a filter cannot read) fails with ENOSYS, so the C library falls back to
    ``clone``. Other system call ABIs are refused: 32-bit calls kill the process, x32 calls fail.
    """
    if platform.machine() != "x86_64":
        return None
    allow, kill, eperm, enosys = 0x7FFF0000, 0x80000000, 0x00050000 | 1, 0x00050000 | 38
    arch_x86_64, x32_bit, clone_newuser = 0xC000003E, 0x40000000, 0x10000000
    nr_clone, nr_unshare, nr_clone3 = 56, 272, 435
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    # a jump skips that many instructions: instruction i jumps to i + 1 + offset
    prog = [(ld, 0, 0, 4),                    # 0: the ABI
            (jeq, 1, 0, arch_x86_64),         # 1: x86-64 -> 3
            (ret, 0, 0, kill),                # 2
            (ld, 0, 0, 0),                    # 3: the system call number
            (jge, 4, 0, x32_bit),             # 4: x32 -> 9
            (jeq, 3, 0, nr_clone3),           # 5: -> 9
            (jeq, 3, 0, nr_unshare),          # 6: -> 10
            (jeq, 2, 0, nr_clone),            # 7: -> 10
            (ret, 0, 0, allow),               # 8
            (ret, 0, 0, enosys),              # 9
            (ld, 0, 0, 16),                   # 10: low half of the first argument (the flags)
            (jset, 0, 1, clone_newuser),      # 11: CLONE_NEWUSER -> 12, else 13
            (ret, 0, 0, eperm),               # 12
            (ret, 0, 0, allow)]               # 13
    return b"".join(struct.pack("<HBBI", *ins) for ins in prog)


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


def _set_limits(limits: Limits):
    def apply():
        os.setsid()
        die_with_parent()  # when the grading worker dies (kill -9 of a batch)
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


#: The only variables of the grader's environment a sandboxed command inherits: locale, PATH and
#: the OpenBLAS settings some processors need. Anything else (database URLs, tokens) stays out.
INHERITED_ENV = ("PATH", "LANG", "LANGUAGE", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def child_env(workdir) -> dict:
    """Environment of a sandboxed command: a whitelist of the grader's, made deterministic."""
    env = {k: v for k, v in os.environ.items() if k in INHERITED_ENV or k.startswith("LC_")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg", NBGRADER_EXECUTION="autograde", PYTHONHASHSEED="0",
               PYTHONDONTWRITEBYTECODE="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
               IPYTHONDIR=str(Path(workdir) / ".ipython"), MPLCONFIGDIR=str(Path(workdir) / ".mpl"))
    return env


def run(argv: list[str], *, workdir: Path, limits: Limits = Limits(), stdin: bytes = b"",
        uid: int | None = None, sandbox: bool = True, env: dict | None = None) -> Result:
    """Run ``argv`` in ``workdir`` (copied to /submission when sandboxed) within ``limits``.

    The sandbox runs as ``uid``, by default this process's leased uid (:func:`grader.uids.process_uid`).
    Raises :class:`InfrastructureError` when the command cannot be started at all. The command
    sees :func:`child_env`'s variables and ``env``'s (e.g. a service's socket), no others.

    ``sandbox=False`` runs the command directly in ``workdir`` with the same limits (the
    instructor's explicit ``--unsafe-no-sandbox``): then only ``file_size_mb`` bounds what it
    writes, and its processes are found (for the memory limit) as long as they stay its children.
    """
    workdir = Path(workdir).resolve()
    if not workdir.is_dir():
        raise FileNotFoundError(f"work directory {workdir} does not exist")
    environment = {**child_env(workdir), **(env or {})}
    files: dict[str, int] = {}
    program, seccomp_fd = seccomp_filter() if sandbox else None, None
    try:
        if sandbox:
            files = {p.relative_to(workdir).as_posix(): os.open(p, os.O_RDONLY | os.O_NOFOLLOW)
                     for p in workdir.rglob("*") if p.is_file() and not p.is_symlink()}
            if program is not None:
                seccomp_fd, w = os.pipe()  # the program is far smaller than a pipe's buffer
                os.write(w, program)
                os.close(w)
            if uid is None:
                from grader.uids import process_uid

                uid = process_uid()
            full = bwrap_argv(workdir, uid, disk_mb=limits.disk_mb, files=files,
                              seccomp_fd=seccomp_fd) + argv
        else:
            full = list(argv)
        start = time.monotonic()
        try:
            proc = subprocess.Popen(full, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=workdir, env=environment,
                                    preexec_fn=_set_limits(limits),
                                    pass_fds=(*files.values(), *([seccomp_fd] if seccomp_fd is not None else [])))
        except (OSError, subprocess.SubprocessError) as exc:  # no process (EAGAIN), no program
            raise InfrastructureError(f"could not start the sandbox: {exc}") from exc
    finally:
        for fd in [*files.values(), *([seccomp_fd] if seccomp_fd is not None else [])]:
            os.close(fd)
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
    try:
        limit = _watch(proc, limits, start + limits.wall_seconds)
    except BaseException:  # Ctrl-C in the grader: the run must not outlive it
        _kill_group(proc)
        raise
    if limit is not None:
        _kill_group(proc)
    for t in readers:
        t.join(timeout=10)
    _kill_group(proc)  # leftovers (unsandboxed runs) must not outlive the run
    rc = proc.returncode
    if limit is None and signal_of(rc) == signal.SIGXCPU:
        limit = limits.describe("cpu_seconds")
    if limit is None and flags.get("truncated"):
        limit = limits.describe("output_kb")
    return Result(rc, b"".join(out), b"".join(err), time.monotonic() - start, limit,
                  bool(flags.get("truncated")))


def _watch(proc: subprocess.Popen, limits: Limits, deadline: float) -> str | None:
    """Wait for ``proc``, sampling it; the limit it went over (it may still run), or None."""
    area = None  # the sandbox's writable area, held open once it is set up
    try:
        while True:
            try:
                proc.wait(timeout=max(0.0, min(POLL_SECONDS, deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() >= deadline:
                return limits.describe("wall_seconds")
            pids = _descendants(proc.pid)
            if _over_memory(pids, limits.memory_mb):
                return limits.describe("memory_mb")
            area = _open_area(pids, limits.disk_mb) if area is None else area
            if area is not None and _full(area):
                return limits.describe("disk_mb")
        # An open area outlives the sandbox: a run that filled it and ended at once is caught too.
        return limits.describe("disk_mb") if area is not None and _full(area) else None
    finally:
        if area is not None:
            os.close(area)


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, parents first.

    Nothing in a sandbox escapes this tree: orphans are adopted by the init of its PID namespace.
    """
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop(0))
        try:
            for tid in os.listdir(f"/proc/{found[-1]}/task"):
                with open(f"/proc/{found[-1]}/task/{tid}/children") as fh:
                    todo += map(int, fh.read().split())
        except (OSError, ValueError):  # the process (or thread) has just ended
            pass
    return found


def _over_memory(pids: list[int], memory_mb: int) -> bool:
    """Whether the processes together hold more than ``memory_mb``.

    Memory held is the sum of proportional set sizes (PSS: a page shared by n processes counts
    1/n in each). Reading PSS walks the page tables (milliseconds per process), so it is read
    only when the cheap resident sizes, an upper bound, add up to more than the limit.
    """
    return _sum_kb(pids, _rss_kb) > memory_mb * 1024 and _sum_kb(pids, _pss_kb) > memory_mb * 1024


def _sum_kb(pids: list[int], size) -> int:
    total = 0
    for pid in pids:
        try:
            total += size(pid)
        except (OSError, ValueError, IndexError, StopIteration):  # the process has just ended
            pass
    return total


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _pss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))


def _open_area(pids: list[int], disk_mb: int) -> int | None:
    """A descriptor of the sandbox's writable area, reached through its deepest process.

    A process that has not entered the sandbox yet shows the host's root instead: only a file
    system of exactly the cap's size is the sandbox's.
    """
    for pid in reversed(pids):
        try:
            fd = os.open(f"/proc/{pid}/root{SANDBOX_WORKDIR}", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
        st = os.fstatvfs(fd)
        if st.f_blocks * st.f_frsize == disk_mb * _MB:
            return fd
        os.close(fd)
    return None


def _full(area: int) -> bool:
    st = os.fstatvfs(area)
    return st.f_bavail * st.f_frsize < _FULL_BYTES


def _kill_group(proc: subprocess.Popen):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
