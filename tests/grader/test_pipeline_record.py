"""Stage 6, record: verdicts -> the result record; writing it atomically."""
import pytest

from grader.pipeline.record import atomic_write, error_record, result, stored
from grader.spec import Run, Verdict


def _runs(*errors):
    return [Run(parameters={"n": i}, answers={}, probes={}, error=e,
                cells={"q1": {"executed": True, "error": None}}) for i, e in enumerate(errors)]


def test_the_record_sums_points_and_service_notes_go_only_where_points_were_lost():
    verdicts = {"q1": Verdict(2.0, 2.0, ["fine"]), "q2": Verdict(0.5, 1.0, ["off by one"])}
    rec = result("bob", verdicts, _runs(None), None, {"q1": 2.0, "q2": 1.0}, 1.5, notes=["cut off"])
    assert (rec["score"], rec["max_score"], rec["status"], rec["error"]) == (2.5, 3.0, "graded", None)
    assert rec["questions"]["q1"]["feedback"] == ["fine"]
    assert rec["questions"]["q2"]["feedback"] == ["off by one", "cut off"]
    assert rec["cells"] == {"q1": {"executed": True, "error": None}} and "deleted_cells" not in rec


def test_a_failed_rerun_is_the_records_error_naming_its_parameters():
    rec = result("bob", {}, _runs(None, "the kernel died"), None, {}, 0.1, deleted=["q3"])
    assert rec["status"] == "error" and rec["error"] == "the kernel died (re-run 1 with parameters {'n': 1})"
    assert rec["deleted_cells"] == ["q3"]


def test_an_error_record_gives_zero_everywhere_with_the_message():
    rec = error_record("bob", "not valid JSON", {"q1": 2.0})
    assert rec["score"] == 0 and rec["questions"]["q1"] == {"points": 0.0, "max_points": 2.0,
                                                           "feedback": ["not valid JSON"]}


def test_atomic_write_leaves_nothing_half_written(tmp_path):
    path = tmp_path / "r" / "bob.json"
    atomic_write(path, '{"status": "graded", "questions": {}}')
    assert stored(path) == {"status": "graded", "questions": {}}
    (tmp_path / "r" / "busy").mkdir()
    with pytest.raises(OSError):  # written in full, then the rename fails
        atomic_write(tmp_path / "r" / "busy", "{}")
    assert sorted(p.name for p in path.parent.iterdir()) == ["bob.json", "busy"]
    path.write_text("{broken")
    assert stored(path) is None
