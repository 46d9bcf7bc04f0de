"""Getting answers out of a student's kernel as plain JSON data, and reading them back strictly.

Two halves that must agree on one encoding:

* :func:`extraction_cell` writes the source of a cell the grader appends to the student's notebook.
  It runs *in the student's kernel*, serialises the named answers and the results of calling the
  student's functions on the key's probe inputs, and prints one line ``<nonce><json>``.
* :func:`decode` / :func:`read_answers` / :func:`read_probes` run in the grader and accept only the
  encoding below; anything else is rejected, never evaluated (no pickle, no ``eval``).

Encoding (a superset of JSON that keeps Python's plain types apart): ``None``, ``bool``, ``int``,
``str`` and finite ``float`` are themselves; lists (and tuples) are lists; a dict is
``{"__dict__": [[key, value], ...]}`` so ``0`` and ``"0"`` keys survive; ``nan``/``inf`` are
``{"__float__": "nan"}``; numpy scalars and arrays become the Python values above; a dataclass
instance (such as ``imbalance_kit.labeling.WavePlan``) becomes the dict of its fields. A value of
any other type, anywhere inside, makes the whole answer ``{"__unsupported__": "<type name>"}``.
"""
from __future__ import annotations

import json
import math

from grader.spec import CallError, Missing, Unsupported
from grader.student_text import parsed_valid_unicode

#: Bounds on what the kernel-side encoder walks (deeper or larger values are "unsupported").
MAX_DEPTH = 32
MAX_ITEMS = 200_000

_SCALAR_KEYS = (type(None), bool, int, float, str)
_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}

# Kernel-side code. Everything lives inside one function so the student's namespace only ever sees
# (and then loses) a single name; names the student may have shadowed are imported afresh.
_KERNEL_SOURCE = '''
def __grader_extract(__ns, __answers, __probes, __call_timeout, __max_depth, __max_items):
    import dataclasses as _dc, json as _json, math as _math, signal as _signal, sys as _sys

    class _Bad(Exception):
        pass

    class _Timeout(BaseException):
        pass

    _np = _sys.modules.get("numpy")
    _count = [0]

    def enc(v, depth=0):
        _count[0] += 1
        if depth > __max_depth or _count[0] > __max_items:
            raise _Bad("value too large or too deeply nested")
        t = type(v)
        if v is None or t is bool or t is str or t is int:
            return v
        if t is float:
            return v if _math.isfinite(v) else {"__float__": repr(v)}
        if t is list or t is tuple:
            return [enc(x, depth + 1) for x in v]
        if t is dict:
            return {"__dict__": [[key(k), enc(x, depth + 1)] for k, x in v.items()]}
        if _np is not None and isinstance(v, _np.generic) and v.dtype.kind in "biufU":
            return enc(v.item(), depth)
        if _np is not None and t is _np.ndarray and v.dtype.kind in "biufUO":
            if v.size > __max_items:
                raise _Bad("array too large")
            return enc(v.tolist(), depth)
        if _dc.is_dataclass(t):
            try:
                items = [(f.name, getattr(v, f.name)) for f in _dc.fields(v)]
            except Exception:
                raise _Bad(getattr(t, "__qualname__", "object")) from None
            return {"__dict__": [[k, enc(x, depth + 1)] for k, x in items]}
        raise _Bad(getattr(t, "__qualname__", "object"))

    def key(k):
        v = enc(k, 0)
        if type(v) not in (type(None), bool, int, float, str):
            raise _Bad("dict key of type " + type(k).__qualname__)
        return v

    def dec(v):
        if type(v) is list:
            return [dec(x) for x in v]
        if type(v) is dict:
            if "__dict__" in v:
                return {dec(k): dec(x) for k, x in v["__dict__"]}
            return float(v["__float__"])
        return v

    def plain(v):
        _count[0] = 0
        try:
            return enc(v)
        except _Bad as exc:
            return {"__unsupported__": str(exc)}
        except RecursionError:
            return {"__unsupported__": "value too deeply nested"}

    def _alarm(signum, frame):
        raise _Timeout()

    answers = {}
    for name in __answers:
        answers[name] = {"value": plain(__ns[name])} if name in __ns else {"missing": True}

    probes = {}
    for fname, calls in __probes.items():
        fn = __ns.get(fname)
        results = probes[fname] = []
        for args in calls:
            if not callable(fn):
                results.append({"error": fname + " is not defined as a function"})
                continue
            old = _signal.signal(_signal.SIGALRM, _alarm)
            _signal.setitimer(_signal.ITIMER_REAL, __call_timeout)
            try:
                out = fn(*dec(args))
            except _Timeout:
                results.append({"error": "the call took longer than %g s" % __call_timeout})
                continue
            except (Exception, SystemExit) as exc:
                results.append({"error": (type(exc).__name__ + ": " + str(exc))[:300]})
                continue
            finally:
                _signal.setitimer(_signal.ITIMER_REAL, 0)
                _signal.signal(_signal.SIGALRM, old)
            value = plain(out)
            if type(value) is dict and "__unsupported__" in value:
                results.append({"error": "returned a value that is not plain data ("
                                + value["__unsupported__"] + ")"})
            else:
                results.append({"ok": value})
    return _json.dumps({"answers": answers, "probes": probes}, allow_nan=False)
'''


def encode(value, depth: int = 0):
    """Encode grader-side plain data (probe arguments) in the shared encoding.

    >>> encode({0: 18400, 1: 1600})
    {'__dict__': [[0, 18400], [1, 1600]]}
    >>> encode((float("inf"), [True, None]))
    [{'__float__': 'inf'}, [True, None]]
    """
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if t in (list, tuple):
        return [encode(v, depth + 1) for v in value]
    if t is dict:
        for k in value:
            if type(k) not in _SCALAR_KEYS:
                raise TypeError(f"dict keys must be plain scalars, got {type(k).__name__}")
        return {"__dict__": [[encode(k), encode(v, depth + 1)] for k, v in value.items()]}
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy scalars and arrays
        return encode(value.tolist(), depth)
    raise TypeError(f"cannot encode a value of type {t.__name__}")


def extraction_cell(answers, probes, nonce: str, call_timeout: float = 10.0) -> str:
    """Source of the cell appended to a student's notebook to read out answers and probe calls.

    ``probes`` maps function name -> list of argument tuples (plain data).

    >>> src = extraction_cell(["w0"], {"f": [(1, 2)]}, "NONCE")
    >>> "__grader_extract(globals()" in src and src.endswith("del __grader_extract\\n")
    True
    """
    calls = {name: [encode(list(args)) for args in arg_list] for name, arg_list in probes.items()}
    return (
        _KERNEL_SOURCE
        + f"print({nonce!r} + __grader_extract(globals(), {list(answers)!r}, "
        + f"__import__('json').loads({json.dumps(calls)!r}), {float(call_timeout)!r}, "
        + f"{MAX_DEPTH}, {MAX_ITEMS}))\n"
        + "del __grader_extract\n"
    )


class MalformedResult(ValueError):
    """Data that came back from the sandbox does not follow the encoding."""


def strict_loads(text: str, max_chars: int):
    """Parse JSON that came from untrusted code: size-capped, no NaN/Infinity, no duplicate keys,
    lone surrogates (``"\\ud800"``) replaced by U+FFFD (:mod:`grader.student_text`).

    >>> strict_loads('{"a": [1, 2.5, null]}', 100)
    {'a': [1, 2.5, None]}
    >>> strict_loads('{"a": 1, "a": 2}', 100)
    Traceback (most recent call last):
    ...
    grader.extract.MalformedResult: duplicate key 'a' in result
    """
    if len(text) > max_chars:
        raise MalformedResult(f"result is larger than {max_chars} characters")

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise MalformedResult(f"duplicate key {k!r} in result")
            out[k] = v
        return out

    def constant(word):
        raise MalformedResult(f"non-standard JSON constant {word}")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise MalformedResult(f"result is not valid JSON ({exc})") from None
    except RecursionError:
        raise MalformedResult("result is nested too deeply") from None
    return parsed_valid_unicode(data, text)


def decode(obj, depth: int = 0):
    """Decode one encoded value into plain Python data; reject anything off the encoding.

    >>> decode({"__dict__": [[0, 0.54], ["1", {"__float__": "nan"}]]})
    {0: 0.54, '1': nan}
    >>> decode({"x": 1})
    Traceback (most recent call last):
    ...
    grader.extract.MalformedResult: unexpected object with keys ['x']
    """
    if depth > MAX_DEPTH + 2:
        raise MalformedResult("value nested too deeply")
    t = type(obj)
    if obj is None or t in (bool, int, float, str):
        return obj
    if t is list:
        return [decode(v, depth + 1) for v in obj]
    if t is not dict:
        raise MalformedResult(f"unexpected {t.__name__}")
    if list(obj) == ["__float__"] and obj["__float__"] in _FLOAT_WORDS:
        return _FLOAT_WORDS[obj["__float__"]]
    if list(obj) == ["__dict__"] and type(obj["__dict__"]) is list:
        out = {}
        for pair in obj["__dict__"]:
            if type(pair) is not list or len(pair) != 2:
                raise MalformedResult("dict entries must be [key, value] pairs")
            k = decode(pair[0], depth + 1)
            if type(k) not in _SCALAR_KEYS:
                raise MalformedResult("dict keys must be plain scalars")
            if k in out:
                raise MalformedResult(f"duplicate dict key {k!r}")
            out[k] = decode(pair[1], depth + 1)
        return out
    raise MalformedResult(f"unexpected object with keys {sorted(obj)[:5]}")


def _answer(name: str, entry):
    if type(entry) is not dict:
        raise MalformedResult(f"answer {name!r} is not an object")
    if entry == {"missing": True}:
        return Missing(name)
    if list(entry) != ["value"]:
        raise MalformedResult(f"answer {name!r} has unexpected fields")
    value = entry["value"]
    if type(value) is dict and list(value) == ["__unsupported__"]:
        if type(value["__unsupported__"]) is not str:
            raise MalformedResult(f"answer {name!r}: bad type name")
        return Unsupported(name, value["__unsupported__"][:200])
    return decode(value)


def read_answers(payload: dict, names) -> dict:
    """Answers of one run as ``name -> plain value | Missing | Unsupported`` (exactly ``names``)."""
    answers = payload.get("answers")
    if type(answers) is not dict or set(answers) != set(names):
        raise MalformedResult("answers do not match the requested names")
    return {name: _answer(name, answers[name]) for name in names}


def read_probes(payload: dict, counts: dict) -> dict:
    """Probe results of one run: ``name -> [plain value | CallError, ...]`` with ``counts[name]`` items."""
    probes = payload.get("probes")
    if type(probes) is not dict or set(probes) != set(counts):
        raise MalformedResult("probe results do not match the requested functions")
    out = {}
    for name, n in counts.items():
        results = probes[name]
        if type(results) is not list or len(results) != n:
            raise MalformedResult(f"probe {name!r}: expected {n} results")
        row = []
        for r in results:
            if type(r) is dict and list(r) == ["ok"]:
                row.append(decode(r["ok"]))
            elif type(r) is dict and list(r) == ["error"] and type(r["error"]) is str:
                row.append(CallError(r["error"][:300]))
            else:
                raise MalformedResult(f"probe {name!r}: malformed result")
        out[name] = row
    return out
