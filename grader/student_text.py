"""Text that came from a student, made safe to store and to show.

A Python string can hold lone surrogates (``'\\ud800'``): JSON escapes decode to them, and the OS
returns file names that are not UTF-8 as them. No UTF-8 file, database or terminal accepts them,
so one such character in one submission used to stop a whole batch. Text enters the grader from
two untrusted places, the sandboxed child's JSON result (:func:`grader.extract.strict_loads`) and
the student's notebook (:func:`grader.normalize.read_notebook`); both pass it through
:func:`parsed_valid_unicode`, and the batch does so again before it writes anything. :func:`printable`
escapes what must not reach a terminal raw (control characters, ANSI escapes, line breaks, bidi
controls).
"""
from __future__ import annotations

import os
import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_OR_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


def _bad(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def valid_unicode(data):
    """``data`` (a string, or JSON-like dicts and lists) with every lone surrogate replaced by
    U+FFFD, so it encodes as UTF-8. Containers are fixed in place; any depth (no recursion).

    >>> valid_unicode({"a\\ud800": ["ok", "x\\udcff"]})
    {'a\ufffd': ['ok', 'x\ufffd']}
    """
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data) if _bad(data) else data
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in [k for k in node if isinstance(k, str) and _bad(k)]:
                node[_SURROGATE.sub("\ufffd", key)] = node.pop(key)
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, value in items:
            if isinstance(value, str):
                if _bad(value):
                    node[key] = _SURROGATE.sub("\ufffd", value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
    return data


def parsed_valid_unicode(data, text: str):
    """:func:`valid_unicode` of ``data`` just parsed from the JSON ``text``; the usual text, with no
    ``\\uD800``-``\\uDFFF`` escape (the only way JSON makes a lone surrogate), skips the walk."""
    return valid_unicode(data) if _SURROGATE_OR_ESCAPE.search(text) else data


def printable(text: str) -> str:
    """``text`` for a terminal line: every character Python does not call printable (controls,
    escapes, line breaks, bidi and zero-width controls, lone surrogates) is shown escaped.

    >>> printable("bob\\n\\x1b[31mred")
    'bob\\\\n\\\\x1b[31mred'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def printable_name(name: str) -> str:
    """A file name as the OS gave it, for messages: bytes that are not UTF-8 show as ``\\xff``."""
    return printable(os.fsencode(name).decode("utf-8", "backslashreplace"))


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet shows as text: a string starting with ``= + - @`` (or a tab or
    carriage return, which some strip first) would be read as a formula, so it gets a leading
    ``'``. Student ids in the gradebook can come from folder names students chose; both CSV
    exports (grades, quiz progress) pass every cell through here.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("alice"), spreadsheet_safe(3)
    ("'=HYPERLINK(1)", 'alice', 3)
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
