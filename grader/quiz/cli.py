"""Terminal helpers shared by ``course quiz`` and ``course progress``."""
from __future__ import annotations

import time

from learner.quiz.display import history_text


def run_session(session, stdin, out) -> int:
    """Ask every question on ``out``, read answers line by line from ``stdin`` (EOF stops early).

    An unreadable answer or a rate-limited submission asks again (reading the next line).
    Returns 0 when the quiz was completed, 1 when input ended first.
    """
    total = session.score[2]
    print(f"Quick test {session.quiz_id}: {session.title} ({total} questions)", file=out)
    print(session.status, file=out)
    record = history_text(session.history())
    if record:
        print(record, file=out)
    while not session.finished:
        print("\n" + session.current.render(), file=out)
        print("> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            print("\nNo more input; stopping. This attempt is incomplete and not saved.", file=out)
            k, n, total = session.score
            print(f"Answered {n} of {total}." if k is None else f"Score so far: {k}/{n} answered of {total}.",
                  file=out)
            return 1
        fb = session.submit(line.strip())
        label = {True: "Correct!", False: "Wrong.", None: "Recorded." if fb.accepted else "Not accepted."}[fb.correct]
        print(f"{label}\n{fb.message}\n{fb.score_text}", file=out)
    print("\n" + session.summary(), file=out)
    return 0


def format_progress(rows) -> str:
    if not rows:
        return "No progress recorded yet."
    lines = [f"{'user':<16} {'quiz':<6} {'attempts':>8} {'best':>9}  last attempt"]
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["last_attempt"]))
        best = f"{r['best_correct']}/{r['n_questions']}"
        lines.append(f"{r['user']:<16} {r['quiz']:<6} {r['attempts']:>8} {best:>9}  {when}")
    return "\n".join(lines)
