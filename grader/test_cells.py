"""Running nbgrader test cells so that the student's code cannot decide their verdict.

nbgrader runs a test cell in the student's kernel, through the kernel's shell, after the
student's code: whatever that code changed (the shell's hooks and transformers, the display
hook, modules and builtins the tests use, objects that equal everything) decides whether the
test "passes". The runner's copy (:mod:`grader.runner`) runs the student's cells in IPython as
nbgrader does, but a test cell (``job["tests"]``) is run here instead:

- **compiled before any student code runs**: :func:`prepare` turns each test cell's source into
  code objects in the runner's template, before the fork (IPython syntax such as ``%time`` is
  translated by the template's still untouched shell); the copy receives only the test's grade id
  and never re-reads a source the student's code could reach;
- **run outside IPython**: :meth:`Executor.run` executes the code objects with ``exec``/``eval``
  bound when this module was imported, without the shell's ``run_cell``, transformers, events,
  display hook or exception hooks; a trace or profile function is cleared first. The value of
  the last expression (nbgrader's partial credit) is computed and shown by the executor itself:
  an ``execute_result`` that anything else displayed while the test ran is dropped and named;
- **plain values**: every comparison, arithmetic operation, and argument of a call to a comparing
  library function (numpy, pandas, math, testing modules; ``all``, ``min``...) in a test goes
  through a guard (stored in the code object's constants, not a name the student's code could
  rebind). A subclass of a builtin type the student made (``class F(float)`` with its own
  ``__eq__``) is compared as its builtin value; an object of a class the student's code defined
  that overrides comparison or arithmetic (an "always equal" object), met with a value that is
  not the student's, stops the test as tampering. Objects of the student's classes compared among
  themselves (``Fraction(1, 2) + Fraction(1, 2) == Fraction(1, 1)``) are the student's answer and
  are left alone, as are the truth values of the student's objects;
- **tampering detected**: :class:`Snapshot` records, before the fork, ``sys.modules``, the
  builtins and the callables (functions with their code, classes with their methods) of the
  modules the tests import and of the modules this executor relies on. Before and after each test
  they are compared, as is the user namespace's ``__builtins__`` and every name the test reads
  that the notebook bound to a library object (``np``, ``assert_allclose``) or that shadows a
  builtin; each difference is named (``"numpy.testing.assert_allclose was replaced"``);
- **a reply only the executor can make**: each reply carries an HMAC (key made by the template
  before the fork) over the run's command token and the verdict, so a reply forged by code that
  stole the command from the pipe is refused by the template.

The guarantee is bounded (README, "What the grader guarantees against tampering"): code running
in the process that runs the tests can in principle reach everything in it (frames, ``gc``,
``ctypes``), so a student who goes looking for this executor's objects in memory is not
stopped; a thread or code left to run during the test can act between the checks. What is
guaranteed is that none of the ordinary ways to make nbgrader pass a wrong answer works.
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import hashlib
import hmac
import json
import math
import operator
import os
import sys
import types
import warnings

# Bound now, in the template, before any student code: what the executor itself calls.
_exec, _eval, _compile, _type, _id, _repr, _len, _max = exec, eval, compile, type, id, repr, len, max
_isinstance, _issubclass, _getattr, _vars, _sorted = isinstance, issubclass, getattr, vars, sorted
_BaseException, _KeyboardInterrupt, _SyntaxError = BaseException, KeyboardInterrupt, SyntaxError
_object_repr, _type_mro = object.__repr__, type.mro
_settrace, _setprofile, _gettrace, _getprofile = sys.settrace, sys.setprofile, sys.gettrace, sys.getprofile
_compare_digest, _dumps = hmac.compare_digest, json.dumps
try:  # OpenSSL's HMAC itself: a C function, no Python-level part the student's code could patch
    from _hashlib import hmac_digest as _hmac_digest
except ImportError:  # pragma: no cover - Python built without OpenSSL
    def _hmac_digest(key, msg, digest, _new=hmac.new, _sha256=hashlib.sha256):
        return _new(key, msg, _sha256).digest()
_Module, _Function, _Code = types.ModuleType, types.FunctionType, types.CodeType
_is, _get_defaults = operator.is_, operator.attrgetter("__defaults__")
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement, not a C type

#: Placeholder constants in an instrumented test, replaced by the guard functions in the code
#: objects themselves (no name the student's code could rebind).
_GUARD_COMPARE = "__grader_guard_compare__"
_GUARD_CALLEE, _GUARD_ARG = "__grader_guard_callee__", "__grader_guard_arg__"
_GUARD_BINOP = "__grader_guard_binop__"
#: Builtin types whose subclasses are compared as the builtin value.
_BUILTIN_VALUES = (bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset)
#: What a class overrides to decide a comparison for the test. (Its truth value is not here: a
#: student's object that is true is the student's answer, like returning True.)
_DECIDING = frozenset({
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__array_ufunc__",
    "__array_function__"})
#: What a class overrides to decide the result of arithmetic (``abs(x - expected) < tol``).
_ARITHMETIC = frozenset({
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__",
    "__matmul__", "__rmatmul__", "__abs__", "__neg__", "__array_ufunc__", "__array_function__"})
#: Modules whose callables the executor (and nearly every test) relies on.
_WATCHED = ("builtins", "math", "operator", "json", "json.encoder", "hmac", "numpy",
            "numpy.testing", "numpy.testing._private.utils", "numpy._core.numeric",
            "numpy._core.fromnumeric", "numpy.core.numeric", "numpy.core.fromnumeric", "pandas",
            "pandas.testing", "pandas._testing", "pandas._testing.asserters",
            "pandas.core.dtypes.missing", "unittest", "unittest.case")
#: Builtins a notebook may shadow without deciding a test (``from rich import print``).
_HARMLESS_SHADOWS = frozenset({"print", "input", "help", "display", "exit", "quit", "breakpoint",
                               "copyright", "credits", "license"})
#: How deep and how many items :func:`plain` looks into containers.
MAX_DEPTH, MAX_ITEMS = 20, 100_000
#: Tampering message prefix the judge shows.
TAMPERED = "your code changed how the tests run"


class TamperingFound(BaseException):
    """Raised inside a test when a value the student's code made would decide it (not an
    ``Exception``: a test's own ``except Exception`` does not swallow it)."""


# ---------------------------------------------------------------- in the template: compiling

class Compiled:
    """A test cell ready to run: ``body`` (exec), ``last`` (eval, or None), ``error`` (a source
    that does not compile: the cell's error, as IPython would report it), ``names`` it reads."""

    def __init__(self, body=None, last=None, error=None, names=frozenset(), quiet=False):
        self.body, self.last, self.error, self.names, self.quiet = body, last, error, names, quiet


class _Instrument(ast.NodeTransformer):
    """Route every comparison, arithmetic operation and call argument of a test through the guards."""

    def __init__(self):
        self.sites = 0

    @staticmethod
    def _guard(name, node, *extra):
        return ast.copy_location(ast.Call(ast.Constant(name), [node, *extra], []), node)

    def visit_Compare(self, node):
        self.generic_visit(node)
        ops = ast.Tuple([ast.Constant(type(op).__name__) for op in node.ops], ast.Load())
        operands = ast.Tuple([node.left, *node.comparators], ast.Load())
        return self._guard(_GUARD_COMPARE, operands, ops)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        operands = ast.Tuple([node.left, node.right], ast.Load())
        return self._guard(_GUARD_BINOP, operands, ast.Constant(type(node.op).__name__))

    def visit_Call(self, node):
        self.generic_visit(node)
        self.sites += 1
        site = ast.Constant(self.sites)
        node.func = self._guard(_GUARD_CALLEE, node.func, site)
        node.args = [a if isinstance(a, ast.Starred) else self._guard(_GUARD_ARG, a, site)
                     for a in node.args]
        for kw in node.keywords:
            if kw.arg is not None:
                kw.value = self._guard(_GUARD_ARG, kw.value, site)
        return node


def _with_guard(code: _Code) -> _Code:
    """``code`` with the placeholder constants replaced by the guards, in nested code too."""
    guards = _guards()
    consts = tuple(guards[c] if _type(c) is str and c in guards else
                   _with_guard(c) if _type(c) is _Code else c for c in code.co_consts)
    return code.replace(co_consts=consts)


def _read_names(tree) -> frozenset:
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))


def imported_modules(source: str) -> list[str]:
    """Modules a test cell's own top-level imports name (loaded in the template beforehand)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def prepare(source: str, transform=None) -> Compiled:
    """Compile one test cell's ``source`` (in the template, before any student code).

    ``transform`` is the template's shell's ``transform_cell`` (IPython syntax -> Python), used
    only when the source is not plain Python.
    """
    filename = "<test cell>"
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        if transform is None:
            raise
        try:
            source = transform(source)
            tree = ast.parse(source, filename)
        except SyntaxError as exc:
            return Compiled(error=f"{type(exc).__name__}: {exc}")
    except ValueError as exc:  # e.g. a NUL byte
        return Compiled(error=f"SyntaxError: {exc}")
    names = _read_names(tree)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    instrument = _Instrument()
    tree = ast.fix_missing_locations(instrument.visit(tree))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "'str' object is not callable": the placeholders
        body = _with_guard(compile(tree, filename, "exec", dont_inherit=True))
        if last is not None:
            last = _with_guard(compile(ast.fix_missing_locations(instrument.visit(last)),
                                       filename, "eval", dont_inherit=True))
    quiet = source.rstrip().endswith(";")  # IPython shows no result after a trailing semicolon
    return Compiled(body, last, None, names, quiet)


# ---------------------------------------------------------------- in the template: the snapshot

def _code_of(obj):
    """What makes a function behave: its code, defaults and closure contents."""
    if _type(obj) is _Function:
        cells = tuple(c.cell_contents if _is_full(c) else None for c in (obj.__closure__ or ()))
        return (obj.__code__, obj.__defaults__, _frozen(obj.__kwdefaults__), cells)
    return None


def _is_full(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _frozen(d):
    return tuple(_sorted(d.items())) if d else None


def _callable_like(value) -> bool:
    return (callable(value) or _isinstance(value, (_Module, property, classmethod, staticmethod)))


def _entries(namespace: dict) -> dict:
    """name -> (value, its behaviour) of the callables and modules of a namespace."""
    out = {}
    for name, value in list(namespace.items()):
        if _callable_like(value):
            out[name] = (value, _code_of(value))
    return out


class Snapshot:
    """What the tests rely on, recorded in the template before any student code runs."""

    def __init__(self, modules=()):
        self.modules = dict(sys.modules)
        self.builtins = dict(_vars(builtins))
        self.watched: dict[str, tuple] = {}
        self.quick_data: list = []
        for name in (*_WATCHED, *modules, *(m.split(".")[0] for m in modules)):
            self.watch(name)
        # where installed code lives (never the work directory the student's code can write)
        here = os.getcwd()
        self.roots = tuple(_sorted({os.path.join(os.path.abspath(p), "") for p in
                                    (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path)
                                    if p and os.path.isabs(p) and not os.path.abspath(p).startswith(here)}))
        _STATE["roots"] = self.roots
        self.known_types = set()
        stack = [object]
        while stack:  # every class that exists now: none of them is the student's
            cls = stack.pop()
            if cls not in self.known_types:
                self.known_types.add(cls)
                try:
                    stack.extend(type.__subclasses__(cls))
                except TypeError:
                    pass

    def watch(self, name: str):
        module = self.modules.get(name)
        if module is None or name in self.watched:
            return
        entries = _entries(_vars(module))
        funcs = tuple(v for v, _ in entries.values() if _type(v) is _Function)
        self.quick_data.append((module, tuple(entries), tuple(v for v, _ in entries.values()),
                                funcs, tuple(f.__defaults__ for f in funcs)))
        classes = {}
        for attr, (value, _) in entries.items():
            if _isinstance(value, type) and value.__flags__ & _HEAPTYPE:
                classes[attr] = _entries(dict(_vars(value)))
        self.watched[name] = (module, entries, classes)

    def quick(self) -> bool:
        """Whether anything :meth:`changes` looks at in the watched modules (their callables and
        those functions' defaults), the builtins or their ``sys.modules`` entries differs: a
        check fast enough (C-level loops, about a millisecond) to run after each call the test
        makes into the student's code."""
        modules = sys.modules
        for module, names, values, funcs, defaults in self.quick_data:
            if modules.get(module.__name__, module) is not module:
                return True
            get = _vars(module).get
            if not all(map(_is, map(get, names), values)) or not all(map(_is, map(_get_defaults, funcs), defaults)):
                return True
        return False

    def changes(self) -> list[str]:
        """What differs now from the snapshot, named."""
        found = []
        for name, module in self.modules.items():
            # grader's own modules are hidden from the student's code (hide()): a fresh import
            # of one is a copy the executor never uses
            if sys.modules.get(name, module) is not module and not name.startswith("grader"):
                found.append(f"the module {name} was replaced in sys.modules")
        now = _vars(builtins)
        for name, value in self.builtins.items():
            if name in now and now[name] is not value and _callable_like(value):
                found.append(f"the builtin {name} was replaced")
            elif name not in now:
                found.append(f"the builtin {name} was removed")
        for name, (module, entries, classes) in self.watched.items():
            found += _differences(name, _vars(module), entries)
            for cname, centries in classes.items():
                found += _differences(f"{name}.{cname}", _vars(entries[cname][0]), centries)
        return found


def _differences(prefix: str, namespace, entries: dict) -> list[str]:
    found = []
    for attr, (value, behaviour) in entries.items():
        now = namespace.get(attr, _MISSING)
        if now is _MISSING:
            found.append(f"{prefix}.{attr} was removed")
        elif now is not value:
            found.append(f"{prefix}.{attr} was replaced")
        elif behaviour is not None and not _same(_code_of(value), behaviour):
            found.append(f"the code of {prefix}.{attr} was changed")
    return found


def _same(a, b) -> bool:
    return _len(a) == _len(b) and all(x is y or (_type(x) is tuple and _type(y) is tuple and _same(x, y))
                                      for x, y in zip(a, b))


_MISSING = object()


# ---------------------------------------------------------------- in the copy: plain values

_STATE = {"snapshot": None, "found": [], "dirty": False, "roots": ()}


def _student_callable(callee) -> bool:
    """Whether calling ``callee`` runs code of the notebook (a function from a cell, a method or
    class the student's code made) rather than an installed library's."""
    function = _getattr(callee, "__func__", callee)
    if _type(function) is _Function:
        return not function.__code__.co_filename.startswith(_STATE["roots"] or ("/",))
    if _isinstance(function, type):
        return _student_class(function)
    return _student_class(_type(function))


def _check_if_dirty():
    """After the test called the student's code: are the modules the tests use still intact?
    (Code that patches a module while the test runs it and restores it before the test ends is
    caught here, before any library code of the test runs.)"""
    if _STATE["dirty"]:
        _STATE["dirty"] = False
        snap = _STATE["snapshot"]
        if snap is not None and snap.quick():
            found = snap.changes() or ["a module the tests use was changed while the test ran"]
            reason = "; ".join(f"{f} (while the test ran)" for f in found[:3])
            _STATE["found"].append(reason)
            raise TamperingFound(reason)


def _student_class(cls) -> bool:
    """A class the student's code made: not there before it ran, and not an installed
    library's (a C type, or methods whose code comes from files not compiled by student code)."""
    snap = _STATE["snapshot"]
    if snap is None or cls in snap.known_types or not cls.__flags__ & _HEAPTYPE:
        return False
    module = sys.modules.get(_getattr(cls, "__module__", None))
    if module is None or module is sys.modules.get("__main__"):
        return True
    # a library loaded after the snapshot: its file and its methods' code are the library's
    files = [_getattr(module, "__file__", None)] + [
        f.__code__.co_filename for f in list(_vars(cls).values()) if _type(f) is _Function]
    return not all(_type(f) is str and f.startswith(snap.roots) for f in files)


def _deciding(cls, arithmetic: bool = False) -> list[str]:
    """Dunders that decide comparisons (and with ``arithmetic``, arithmetic), defined by the
    student's classes in the MRO of ``cls`` (a dataclass's generated ``__eq__`` compares its
    fields, which are checked instead: not counted)."""
    found = []
    for base in _type_mro(cls):
        if not _student_class(base):
            continue
        for name in (_DECIDING | _ARITHMETIC if arithmetic else _DECIDING).intersection(_vars(base)):
            if name == "__eq__" and _dataclass_eq(base):
                continue
            found.append(f"{base.__qualname__}.{name}")
    return found


def _dataclass_eq(cls) -> bool:
    params = _vars(cls).get("__dataclass_params__")
    eq = _vars(cls).get("__eq__")
    return (params is not None and params.eq and _type(eq) is _Function
            and eq.__code__.co_filename == "<string>" and eq.__qualname__ == f"{cls.__qualname__}.__eq__")


#: Callees that compare or test what they are given: numpy, pandas, math and testing libraries,
#: and the builtins that compare.
_COMPARING_PACKAGES = frozenset({"numpy", "pandas", "math", "cmath", "operator", "statistics",
                                 "unittest", "pytest", "numbers", "scipy", "sklearn"})
_COMPARING_BUILTINS = frozenset({"all", "any", "sorted", "min", "max", "bool", "filter", "sum"})
_SITES: dict = {}


def _is_comparing(callee) -> bool:
    if callee is None or _student_callable(callee):
        return False
    module = _getattr(callee, "__module__", None)
    if _type(module) is not str:
        return False
    if module == "builtins":
        return _getattr(callee, "__name__", None) in _COMPARING_BUILTINS
    return module.split(".")[0] in _COMPARING_PACKAGES


def _guard_callee(callee, site):
    _SITES[site] = callee
    if _STATE["dirty"] and not _student_callable(callee):
        _check_if_dirty()
    if _student_callable(callee):
        _STATE["dirty"] = True
    return callee


#: Types whose values need no look (no student code decides anything about them): the fast path.
_FAST = frozenset({int, float, bool, complex, str, bytes, type(None), range, slice})


def _guard_arg(value, site):
    comparing = _is_comparing(_SITES.get(site))
    if comparing and _STATE["dirty"]:
        _check_if_dirty()
    if _type(value) in _FAST:
        return value
    if comparing:
        return plain(value, "a value given to a comparing function", arithmetic=True)
    return value


def _guard_compare(operands, ops):
    if _len(ops) == 1 and _type(operands[0]) in _FAST and _type(operands[1]) in _FAST:
        return _OPERATORS[ops[0]](operands[0], operands[1])
    _check_if_dirty()
    student = [_student_class(_type(o)) for o in operands]
    _STATE["dirty"] = any(student)  # the student's own comparison methods run
    if not all(student):  # objects of the student's classes compared among themselves are fine
        operands = tuple(plain(o, "a comparison") for o in operands)
    result = True
    for i, op in enumerate(ops):
        result = _OPERATORS[op](operands[i], operands[i + 1])
        if i < _len(ops) - 1 and not result:
            return result
    return result


def _not_in(a, b):
    return a not in b


_OPERATORS = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le,
              "Gt": operator.gt, "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
              "In": lambda a, b: a in b, "NotIn": _not_in}


def _guard_binop(operands, op):
    if _type(operands[0]) in _FAST and _type(operands[1]) in _FAST:
        return _BINARY[op](operands[0], operands[1])
    _check_if_dirty()
    _STATE["dirty"] = any(_student_class(_type(o)) for o in operands)
    if not all(_student_class(_type(o)) for o in operands):
        operands = tuple(plain(o, "arithmetic", arithmetic=True) for o in operands)
    return _BINARY[op](*operands)


_BINARY = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "Div": operator.truediv,
           "FloorDiv": operator.floordiv, "Mod": operator.mod, "Pow": operator.pow,
           "MatMult": operator.matmul, "LShift": operator.lshift, "RShift": operator.rshift,
           "BitOr": operator.or_, "BitXor": operator.xor, "BitAnd": operator.and_}


def _guards() -> dict:
    return {_GUARD_COMPARE: _guard_compare, _GUARD_CALLEE: _guard_callee, _GUARD_ARG: _guard_arg, _GUARD_BINOP: _guard_binop}


def plain(value, where: str = "a value", arithmetic: bool = False, _budget=None):
    """``value`` as a test may use it: itself when no class the student made decides a
    comparison (or arithmetic) about it; a student-made subclass of a builtin type that does, as
    its builtin value; otherwise :class:`TamperingFound` (recorded) is raised. Containers (and
    numpy object arrays) are looked into, up to :data:`MAX_ITEMS` items in all."""
    budget = _budget if _budget is not None else [MAX_ITEMS, 0]
    budget[0] -= 1
    cls = _type(value)
    if cls in (int, float, bool, str, bytes, complex, type(None)) or budget[0] < 0 or budget[1] > MAX_DEPTH:
        return value
    budget[1] += 1
    try:
        if _student_class(cls):
            deciding = _deciding(cls, arithmetic)
            if not deciding:
                if _dataclass_fields(value):
                    for field in _dataclass_fields(value):
                        plain(_getattr(value, field, None), where, arithmetic, budget)
                return value
            base = next((b for b in _type_mro(cls) if b in _BUILTIN_VALUES), None)
            if base is not None:
                return plain(_as_builtin(value, base), where, arithmetic, budget)
            reason = (f"{where} in a test was an object of the class {cls.__qualname__} your code "
                      f"defined, which decides it itself ({', '.join(_sorted(deciding)[:3])})")
            _STATE["found"].append(reason)
            raise TamperingFound(reason)
        if cls in (list, tuple, set, frozenset):
            items = list(value)
            converted = [plain(v, where, arithmetic, budget) for v in items]
            return cls(converted) if any(a is not b for a, b in zip(converted, items)) else value
        if cls is dict:
            items = list(value.items())
            converted = [(plain(k, where, arithmetic, budget), plain(v, where, arithmetic, budget)) for k, v in items]
            changed = any(a[0] is not b[0] or a[1] is not b[1] for a, b in zip(converted, items))
            return dict(converted) if changed else value
        np = sys.modules.get("numpy")
        if np is not None and _isinstance(value, np.ndarray) and value.dtype.kind == "O":
            flat = value.ravel().tolist()[:_max(0, budget[0])]
            converted = [plain(v, where, arithmetic, budget) for v in flat]
            if any(a is not b for a, b in zip(converted, flat)):
                out = np.empty(value.shape, dtype=object)
                out.ravel()[:_len(converted)] = converted
                return out
        return value
    finally:
        budget[1] -= 1


def _dataclass_fields(value) -> tuple:
    fields = _getattr(_type(value), "__dataclass_fields__", None)
    return tuple(fields) if _type(fields) is dict else ()


def _as_builtin(value, base):
    """The builtin value of a subclass instance, without calling any of the subclass's methods."""
    if base is bool:
        return bool(int.__int__(value))
    if base is int:
        return int.__int__(value)
    if base is float:
        return float.__float__(value)
    if base is complex:
        return complex(complex.real.__get__(value), complex.imag.__get__(value))
    if base is str:
        return str.__str__(value)
    if base is bytes:
        return bytes.__getitem__(value, slice(None))
    if base is tuple:
        return tuple.__getitem__(value, slice(None))
    if base is list:
        return list.copy(value)
    if base is dict:
        return dict.copy(value)
    if base is set:
        return set.copy(value)
    return frozenset.copy(value)


# ---------------------------------------------------------------- in the copy: running a test

class Executor:
    """Runs the prepared test cells of one run in the copy (after the student's cells)."""

    def __init__(self, tests: dict, snapshot: Snapshot, key: bytes, shell_ns_names: dict):
        self.tests, self.snapshot, self.key = tests, snapshot, key
        self.library_names = shell_ns_names  # name -> object the notebook's locked cells bound

    def sign(self, token: str, verdict: dict) -> str:
        return _hmac_digest(self.key, (token + _dumps(verdict, sort_keys=True)).encode(), "sha256").hex()

    def run(self, gid: str, user_ns: dict, sink, streams, initial_ns: dict = {}) -> dict:
        """Run test cell ``gid`` in ``user_ns``; return its verdict
        ``{"error", "partial", "tampered", "result"}`` (``result``: the text its last expression
        shows, or None). ``sink`` collects its outputs; ``streams`` are (stdout, stderr)."""
        _settrace(None)
        _setprofile(None)
        _STATE["snapshot"], _STATE["found"], _STATE["dirty"] = self.snapshot, [], False
        test = self.tests.get(gid)
        verdict = {"error": None, "partial": None, "tampered": None, "result": None}
        if test is None:
            verdict["error"] = "GraderError: the test cell was not prepared"
            return verdict
        if test.error:
            verdict["error"] = test.error
            return verdict
        found = self.snapshot.changes() + self._namespace_changes(test, user_ns, initial_ns)
        saved = sys.stdout, sys.stderr, sys.displayhook
        sys.stdout, sys.stderr = streams
        value = None
        try:
            if not found:
                _exec(test.body, user_ns)
                if test.last is not None:
                    value = _eval(test.last, user_ns)
        except TamperingFound:
            pass
        except _KeyboardInterrupt:
            raise
        except _BaseException as exc:  # noqa: BLE001 - any exception fails the test
            verdict["error"] = f"{_type(exc).__name__}: {_safe_str(exc)}"[:500]
        finally:
            _settrace(None)
            _setprofile(None)
            sys.stdout, sys.stderr, sys.displayhook = saved
        found += _STATE["found"]
        if any(o.get("output_type") == "execute_result" for o in list(sink.outputs)):
            found.append("a result was displayed inside the test by other code than the test")
        found += [f for f in self.snapshot.changes() if f not in found]
        if found:
            verdict["tampered"] = "; ".join(dict.fromkeys(found))[:500]
            return verdict
        if verdict["error"] is None and value is not None and not test.quiet:
            try:
                verdict["result"] = _shown(plain(value))
            except TamperingFound:
                verdict["tampered"] = "; ".join(_STATE["found"])[:500]
                return verdict
            verdict["partial"] = _number(verdict["result"])
        return verdict

    def _namespace_changes(self, test: Compiled, user_ns: dict, initial_ns: dict) -> list[str]:
        found = []
        ns_builtins = user_ns.get("__builtins__")
        if ns_builtins is not builtins and ns_builtins is not _vars(builtins):
            found.append("__builtins__ was replaced in the notebook's namespace")
        for name in test.names:
            if name not in user_ns:
                continue
            value = user_ns[name]
            if initial_ns.get(name, _MISSING) is value:
                continue  # what the shell itself put there (get_ipython, exit)
            bound = self.library_names.get(name, _MISSING)
            if bound is not _MISSING and value is not bound:
                found.append(f"the name {name}, which the notebook's own cells bound to "
                             f"{_describe(bound)}, was rebound")
            elif (name in self.snapshot.builtins and name not in _HARMLESS_SHADOWS
                  and value is not self.snapshot.builtins[name]
                  and _callable_like(value) and not _isinstance(value, type)
                  and not _library_namesake(name, value)):
                found.append(f"the builtin {name} is shadowed in the notebook's namespace")
        return found


#: Library functions that stand for a builtin under another name (``from numpy import *``).
_ALIASES = {"abs": ("absolute",)}


def _library_namesake(name: str, value) -> bool:
    """A library's function of the builtin's name (numpy's ``sum``, ``round``, ``abs``), as
    ``from numpy import *`` binds: the student's choice of library, not a made-up builtin."""
    return (not _student_callable(value)
            and _getattr(value, "__name__", None) in (name, *_ALIASES.get(name, ())))


def library_bindings(user_ns: dict, names, snapshot: Snapshot) -> dict:
    """Of ``names`` (bound by the notebook's locked cells), those bound to a module or to a
    callable that is not the student's: what a test may rely on not to change."""
    out = {}
    for name in names:
        value = user_ns.get(name, _MISSING)
        if value is _MISSING:
            continue
        if _isinstance(value, _Module):
            out[name] = value
        elif callable(value) and _getattr(value, "__module__", "__main__") not in ("__main__", None):
            if not (_isinstance(value, type) and _student_class(value)):
                out[name] = value
    return out


def bound_names(source: str) -> set[str]:
    """Top-level names a (locked) cell binds."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _describe(value) -> str:
    if _isinstance(value, _Module):
        return f"the module {value.__name__}"
    return f"{_getattr(value, '__module__', '?')}.{_getattr(value, '__qualname__', '?')}"


def _safe_str(exc) -> str:
    """An exception's message; its class's own ``__str__`` is not called when the student made it."""
    if _student_class(_type(exc)):
        return "(message of an exception class your code defined)"
    try:
        return str(exc)
    except _BaseException:  # noqa: BLE001
        return ""


def _shown(value) -> str:
    """The text IPython shows for a result (``repr``), for values no student class decides."""
    if _student_class(_type(value)):
        return _object_repr(value)
    return _repr(value)


def _number(text: str):
    """nbgrader's partial credit from the shown text: the number, or None (full credit)."""
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or number == -math.inf:
        return None  # nbgrader: not >= 0, full credit
    return min(number, sys.float_info.max)


def nbgrader_points(partial, max_points: float) -> float:
    """nbgrader's ``get_partial_grade`` on a test cell that ran without error: full points for no
    number or a negative one, the number itself otherwise (nbgrader fails the notebook for more
    than the cell's points; capped here)."""
    if partial is None or partial < 0:
        return max_points
    return min(partial, max_points)


def verify(key: bytes, token: str, verdict, proof) -> bool:
    """The template's check that a test's reply was made by the executor."""
    if _type(verdict) is not dict or _type(proof) is not str:
        return False
    expected = _hmac_digest(key, (token + _dumps(verdict, sort_keys=True)).encode(), "sha256").hex()
    return _compare_digest(expected, proof)


# ---------------------------------------------------------------- the runner's side

_os_write = os.write


def sources(nb: dict, tests) -> dict:
    """grade id -> source of the notebook's test cells named in ``tests``."""
    out = {}
    for cell in nb.get("cells", []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") == "code" and gid in tests:
            source = cell.get("source", "")
            out[gid] = "".join(source) if type(source) is list else str(source)
    return out


def is_locked(cell: dict) -> bool:
    """An instructor's cell the student cannot change (nbgrader restores it from the source)."""
    md = cell.get("metadata", {}).get("nbgrader", {})
    return bool(md.get("locked") or (md.get("grade") and not md.get("solution")))


class Tests:
    """Everything a copy needs to run its test cells, made in the template before the fork."""

    def __init__(self, nb: dict, tests, snapshot: Snapshot, transform, key: bytes, initial_ns: dict):
        prepared = {gid: prepare(src, transform) for gid, src in sources(nb, tests).items()}
        self.executor = Executor(prepared, snapshot, key, {})
        self.bound = {gid: bound_names(src) for gid, src in sources(nb, tests).items()}
        self.initial_ns = dict(initial_ns)

    def bind(self, source: str, user_ns: dict):
        """After a locked cell ran: remember which library objects its names hold."""
        _STATE["snapshot"] = self.executor.snapshot
        self.executor.library_names.update(
            library_bindings(user_ns, bound_names(source), self.executor.snapshot))

    def reply(self, msg: dict, sink, user_ns: dict, streams, fd: int):
        gid = msg["test"]
        try:
            verdict = self.executor.run(gid, user_ns, sink, streams, self.initial_ns)
        except _BaseException as exc:  # noqa: BLE001 - e.g. the interrupt at the time limit
            verdict = {"error": f"{_type(exc).__name__}: {_safe_str(exc)}"[:500], "partial": None,
                       "tampered": None, "result": None}
        self.bind_test(gid, user_ns)
        outputs = [o for o in list(sink.outputs) if _type(o) is dict and o.get("output_type") != "execute_result"]
        if verdict["tampered"]:
            outputs.append({"output_type": "error", "ename": "TamperingFound",
                            "evalue": f"{TAMPERED}: {verdict['tampered']}", "traceback": []})
        elif verdict["error"]:
            ename, _, evalue = verdict["error"].partition(": ")
            outputs.append({"output_type": "error", "ename": ename, "evalue": evalue, "traceback": []})
        elif verdict["result"] is not None:
            outputs.append({"output_type": "execute_result", "data": {"text/plain": verdict["result"]},
                            "metadata": {}, "execution_count": None})
        verdict = {k: verdict[k] for k in ("error", "partial", "tampered")}
        data = (_dumps({"id": msg["id"], "outputs": outputs, "verdict": verdict,
                        "proof": self.executor.sign(msg["id"], verdict)}) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[_os_write(fd, view):]

    def bind_test(self, gid: str, user_ns: dict):
        self.executor.library_names.update(
            library_bindings(user_ns, self.bound.get(gid, ()), self.executor.snapshot))


def record(verdict, proof, token: str, key: bytes, earlier: list) -> dict:
    """The template's record fields of a test cell from its reply (never trusted unproven).

    ``earlier`` holds the tampering found in this run so far: once found, every later test of the
    run is tampered too (code that changed how one test runs may have learnt what signs later
    replies)."""
    if not verify(key, token, verdict, proof) or set(verdict) != {"error", "partial", "tampered"}:
        out = {"partial": None, "error": None,
               "tampered": "the reply for this test did not come from the grader's test executor"}
    else:
        out = {"partial": verdict["partial"] if _type(verdict["partial"]) in (int, float) else None,
               "tampered": verdict["tampered"][:500] if _type(verdict["tampered"]) is str else None,
               "error": verdict["error"][:500] if _type(verdict["error"]) is str else None}
    if out["tampered"]:
        earlier.append(out["tampered"])
    elif earlier:
        out["tampered"] = f"(in an earlier test) {earlier[0]}"[:500]
    return out


def forget(job: dict, nb: dict):
    """In a copy, before the student's first cell: empty this copy's job (every parameter set's
    notebook, hidden tests included), which the template's frames below the student's code still
    reference. The copy needs none of it: each cell comes over the pipe, the tests are compiled.
    (The template's own job is another process's memory, untouched.)"""
    for notebook in [*job.get("notebooks", ()), nb]:
        for cell in notebook.get("cells", ()):
            cell.clear()
        notebook.clear()
    job.clear()


def hide():
    """In a copy, before the student's first cell: this module is no longer found by name
    (``sys.modules``, the ``grader`` package), so patching ``grader.test_cells`` patches a fresh
    copy the executor never uses. The executor keeps its own references."""
    sys.modules.pop(__name__, None)
    package = sys.modules.get(__name__.rpartition(".")[0])
    if package is not None and _getattr(package, "test_cells", None) is not None:
        try:
            delattr(package, "test_cells")
        except AttributeError:
            pass


def audit(event: str, args, _type=type, _function=_Function, _getattr=getattr):
    """The template's audit hook: no code that runs later may add one of its own (an audit hook
    runs inside every test, and cannot be removed), nor swap the code of the grader's own
    functions."""
    if event == "sys.addaudithook":
        raise RuntimeError("adding audit hooks is not allowed while grading")
    if event == "object.__setattr__" and _type(args[0]) is _function and args[1] == "__code__":
        filename = args[0].__code__.co_filename
        if filename.endswith(".py") and (filename.startswith(_STATE["roots"] or ("/",))
                                         or str(_getattr(args[0], "__module__", "")).startswith("grader")):
            raise RuntimeError("the code of the grader's and installed libraries' functions "
                               "cannot be changed while grading")


def instructor_imports(nb: dict, tests) -> list[str]:
    """Modules the notebook's test and locked cells import (the instructor's code, trusted)."""
    found = []
    for cell in nb.get("cells", []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") == "code" and (gid in tests or is_locked(cell)):
            source = cell.get("source", "")
            found += imported_modules("".join(source) if type(source) is list else str(source))
    return list(dict.fromkeys(found))
