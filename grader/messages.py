"""How the grader words an exception and a warning for the instructor's terminal (said once)."""
from __future__ import annotations

import sys

from grader.student_text import printable


def describe(exc: BaseException) -> str:
    """``TypeName: message`` (cut at 200 characters: messages may quote a whole submission)."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def warn(message: str) -> None:
    """A warning line on stderr; the message is escaped (it may quote student text)."""
    print(f"warning: {printable(message)}", file=sys.stderr)
