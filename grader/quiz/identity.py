"""The name a learner practises under: ``$JUPYTERHUB_USER``, else the name stored by ``course login``.

Both are the learner's own to set, so this name only labels their private practice file
(:class:`~grader.quiz.progress.ProgressStore` of kind "practice"); nothing saved for the course
uses it (the quiz service identifies learners itself, :mod:`grader.quiz.auth`). The config
directory is ``$IMBALANCE_LAB_HOME`` (default ``~/.imbalance_lab``); ``course login NAME``
writes ``identity.json`` there and ``course logout`` removes it. Anonymous learners (neither
set) get ``None`` and nothing is ever written for them.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
ANONYMOUS_NOTE = "Practice: progress is not saved (course login NAME saves it in a private file on this machine)."


def home_dir(home=None) -> Path:
    """The config directory (not created here)."""
    if home is not None:
        return Path(home)
    env = os.environ.get("IMBALANCE_LAB_HOME")
    return Path(env) if env else Path.home() / ".imbalance_lab"


def _identity_file(home=None) -> Path:
    return home_dir(home) / "identity.json"


def check_name(name) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"user name must be 1-64 characters of letters, digits and . _ @ + - "
                         f"(starting with a letter or digit), got {name!r}")
    return name


def current_user(home=None, env=None) -> str | None:
    """``JUPYTERHUB_USER`` if set, else the ``course login`` name, else None (anonymous)."""
    env = os.environ if env is None else env
    hub = env.get("JUPYTERHUB_USER")
    if hub:
        return hub
    path = _identity_file(home)
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("user")
    except (OSError, ValueError, AttributeError):
        return None
    try:
        return check_name(name)
    except ValueError:
        return None


def login(name: str, home=None) -> Path:
    """Store ``name`` as the logged-in learner; returns the identity file."""
    check_name(name)
    path = _identity_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"user": name}), encoding="utf-8")
    tmp.replace(path)
    return path


def logout(home=None) -> bool:
    """Forget the stored name; True if one was stored."""
    try:
        _identity_file(home).unlink()
        return True
    except FileNotFoundError:
        return False
