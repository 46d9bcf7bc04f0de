"""How a process ends, said once: the helpers the sandbox (grader side) and the runner (inside
the sandbox) share. Mounted into the sandbox (:data:`grader.sandbox.RUNNER_MODULES`)."""
from __future__ import annotations

import signal


def signal_of(returncode: int) -> int | None:
    """The signal that ended a process, from its return code: ``-N`` as :mod:`subprocess` reports
    it, or ``128 + N`` as bubblewrap (and a shell) report a child killed by signal N."""
    if returncode < 0:
        return -returncode
    return returncode - 128 if returncode > 128 else None


def signal_name(sig: int | None) -> str | None:
    """``SIGKILL`` for 9; None for a number no signal has."""
    return signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else None


def die_with_parent():
    """Ask the kernel to SIGKILL this process when its parent dies (kill -9 of a batch)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
