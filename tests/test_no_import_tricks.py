"""The suite imports what it tests the ordinary way: no ``sys.path`` edits, no modules planted in
``sys.modules`` (they hold only in the process that made them, not in grading workers started by
forkserver or spawn, nor in a ``course`` subprocess). Declared settings do that job:
``pythonpath`` in pyproject.toml and ``$IMBALANCE_LAB_ASSIGNMENTS`` (tests/conftest.py)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRICK = re.compile(r"sys\.path\s*(\.(insert|append|extend)\b|\[[^\]]*\]\s*=|\+=|=(?!=))"
                   r"|sys\.modules\s*(\[[^\]]*\]\s*=|\.(setdefault|update)\b)|syspath_prepend")


def test_no_test_or_tool_edits_the_import_system():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for folder in ("tests", "tools", "benchmarks") for path in sorted((ROOT / folder).rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if TRICK.search(line) and path != Path(__file__).resolve()]
    assert not found, "\n".join(found)
