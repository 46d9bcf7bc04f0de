"""Loading a submission's libraries once, in the template, before its first cell.

The runner's template (:mod:`grader.runner`) forks one fresh copy of itself per parameter set. A
module the template has loaded is loaded in every copy, so a student who starts with ``import
sklearn`` pays that import (about a second) once per submission instead of once per run. The
template loads two lists of the job:

- ``job["preimport"]``: modules the *released* notebook imports (the instructor's code, trusted;
  ``grader.autograde._preimports``), each imported as ``import module`` would.
- ``job["prereach"]``: dotted names from the *submission's* own top-level ``import`` / ``from
  ... import`` statements (:func:`plan`), read in the grader with :mod:`ast`, never executed, and
  kept only when their package is in :data:`EARLY` (well-known libraries, found as installed
  distributions of the grader's Python, which the sandbox mounts read-only). For ``from
  sklearn.metrics import f1_score`` the name is ``sklearn.metrics.f1_score``: the template
  imports the package (``sklearn``), then follows each further part only while the package
  itself hands it out as an attribute (loaded by the package, or loaded lazily on access as
  scikit-learn, scipy and numpy do). It never imports a submodule that plain attribute access
  would not reach.

Why this cannot change a verdict (the submission is hostile):

- *Where and as whom.* The template runs inside the student's sandbox, as the same uid, under
  the same limits, before any student code: nothing is imported that the student's cell could
  not import itself. Loaded modules live in this one submission's template; nothing reaches
  another student, and every copy starts from the same state, untouched by student code.
- *A student's own file named like a library* is never picked: the sandbox's work directory
  holds nothing of the submission when the template starts (the submission's folder is not
  mounted, so a ``pandas.py`` next to the notebook exists neither for the preimport nor for the
  cell), and only names of :data:`EARLY` are loaded. The residual: a notebook that itself
  *writes* a ``pandas.py`` onto the path and imports it gets the real library here; only its
  author's contrived code can tell.
- *A name that does not exist* (``import sklearn.nope``, ``from sklearn.metrics import nope``) is
  not reached (no attribute), and a missing package raises ``ModuleNotFoundError`` before any of
  its code runs: nothing is left behind and the student's cell raises the same error as before.
- *A failure partway, a hang, memory.* Any other exception while loading, or loading still
  running after the time one cell gets (``cell_seconds``), may leave half-initialised modules.
  Then the template runs no student code: it starts itself afresh without preloading
  (``grader.runner._restart``), and the cells import, fail or time out exactly as they would
  have. The attempt costs only wall time (at most one cell's time limit), from the submission's
  ``wall_seconds`` like everything else. Loading that exceeds the memory limit fails as the
  cell's own import would (same per-process limits; pages the copies share with the template
  count once in the memory watchdog).
- *Global state set on import.* These libraries add warnings filters, set ``KMP_*`` environment
  variables or register import hooks when loaded. That now happens before the first cell
  instead of at the student's import statement; only a cell that inspects such state *before*
  importing the library could tell, and it sees what that import would have set (matplotlib,
  likewise, has read its settings before a cell could write a ``matplotlibrc``). Libraries in
  :data:`EARLY` print nothing and start no thread when imported (a fork keeps only the forking
  thread), which tests/grader/test_preimport.py checks.
- *Order.* Loading early also loads for the cells above the student's import. A name exists only
  once the student's own statement binds it, and submodules are reached only as attributes the
  package offers anyway, so those cells see no difference: ``matplotlib.pyplot`` (not an
  attribute of matplotlib until imported) and scikit-learn's ``experimental`` enablers (importing
  one switches an estimator on) are left to the cell. The residual: modules a listed library
  itself imports (e.g. joblib's) are loaded earlier too.

``IMBALANCE_LAB_SUBMISSION_PREIMPORT=0`` in the grader's environment turns ``prereach`` off, so
that ``benchmarks/bench_grading.py --compare`` can measure what it saves.
"""
from __future__ import annotations

import os
import signal
import sys
import types
from functools import lru_cache

#: Libraries a submission's own imports may load early: import name -> distribution.
EARLY = {"numpy": "numpy", "scipy": "scipy", "pandas": "pandas", "sklearn": "scikit-learn",
         "imblearn": "imbalanced-learn", "matplotlib": "matplotlib",
         "imbalance_kit": "imbalance-lab"}
#: Names taken from one submission, at most; characters of its code parsed, at most.
MAX_NAMES = 64
MAX_PARSED_CHARS = 256_000


# ---------------------------------------------------------------- grader side: what to load

def top_level_imports(sources, max_chars: int = MAX_PARSED_CHARS) -> list[str]:
    """Dotted names imported by the top-level absolute import statements of ``sources``.

    ``import a.b`` gives ``a.b``; ``from a.b import c, d`` gives ``a.b.c`` and ``a.b.d``. IPython
    line magics and shell escapes (``%matplotlib inline``, ``!pip ...``) are ignored; a cell that
    does not parse, starts with a cell magic, or would go past ``max_chars`` parsed characters in
    all is skipped. Nothing is executed.
    """
    import ast

    found = []
    for source in sources:
        if "import" not in source or source.lstrip().startswith("%%") or len(source) > max_chars:
            continue
        max_chars -= len(source)
        code = "\n".join("" if line[:1] in ("%", "!") else line for line in source.split("\n"))
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found += [f"{node.module}.{alias.name}" if alias.name != "*" else node.module
                          for alias in node.names]
    return found


@lru_cache(maxsize=None)
def _installed(distribution: str) -> bool:
    from importlib import metadata

    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def plan(sources) -> list[str]:
    """``job["prereach"]``: the names the submission's code cells import that may load early."""
    if os.environ.get("IMBALANCE_LAB_SUBMISSION_PREIMPORT", "1") == "0":
        return []
    names = [n for n in top_level_imports(sources)
             if n.partition(".")[0] in EARLY and _installed(EARLY[n.partition(".")[0]])]
    return list(dict.fromkeys(names))[:MAX_NAMES]


# ---------------------------------------------------------------- template side: loading

class _OutOfTime(BaseException):
    """Raised in the template when loading runs past its time."""


def load(modules, names, seconds: float) -> bool:
    """Import ``modules``, then reach ``names`` (see the module docstring), within ``seconds``.

    Returns False when something failed partway or time ran out: this process may then hold
    half-initialised modules and must not run student code. A module that is simply not there
    is not a failure (none of its code ran; the student's own import raises the same error).
    """
    if not modules and not names:
        return True  # nothing to load: no timer (a fresh start must not start afresh again)
    stopped = []

    def stop(signum, frame):
        stopped.append(True)
        raise _OutOfTime

    signal.signal(signal.SIGALRM, stop)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
            clean = (all(_import(m) for m in modules)
                     and all(_import(n.partition(".")[0]) and _reach(n) for n in names))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OutOfTime:
        clean = False
    finally:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    return clean and not stopped  # a library may have swallowed the interruption


def _import(module: str) -> bool:
    try:
        __import__(module)
    except ModuleNotFoundError as exc:
        # not found (itself or a parent package): no code of it ran
        return exc.name is not None and (module == exc.name or module.startswith(f"{exc.name}."))
    except _OutOfTime:
        raise
    except BaseException:  # noqa: BLE001 - any failure partway: the caller starts afresh
        return False
    return True


def _reach(name: str) -> bool:
    """Follow ``name`` from its (imported) package through attributes that are modules."""
    top, _, rest = name.partition(".")
    obj = sys.modules.get(top)
    try:
        for part in rest.split(".") if rest else ():
            if not isinstance(obj, types.ModuleType) or not hasattr(obj, part):
                break
            obj = getattr(obj, part)
    except _OutOfTime:
        raise
    except BaseException:  # noqa: BLE001 - a lazy loader failed partway
        return False
    return True
