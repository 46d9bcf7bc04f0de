"""parameters.yml: value ranges for an nbgrader assignment's parameters cell (issue 19.4)."""
import pytest

from grader.fresh_parameters import ParameterSpecError, draw, load


def test_no_file_no_fresh_runs(tmp_path):
    assert load(tmp_path) is None


def test_draws_stay_in_their_ranges(tmp_path):
    (tmp_path / "parameters.yml").write_text(
        "runs: 3\nparameters:\n  n: [4, 6]\n  rate: [0.1, 0.2]\n  label: {choice: [a, b]}\n")
    spec = load(tmp_path)
    sets = draw(spec, seed=1)
    assert len(sets) == 3 and draw(spec, seed=1) == sets
    for s in sets:
        assert type(s["n"]) is int and 4 <= s["n"] <= 6
        assert type(s["rate"]) is float and 0.1 <= s["rate"] < 0.2
        assert s["label"] in ("a", "b")


@pytest.mark.parametrize("text, says", [
    ("parameters: [1, 2]\n", "expected 'parameters:'"),
    ("parameters:\n  n: [5, 1]\n", "low <= high"),
    ("parameters:\n  n: 3\n", "give [low, high]"),
    ("parameters:\n  n: {choice: []}\n", "non-empty list"),
    ("parameters:\n  not a name: [1, 2]\n", "not a Python name"),
    ("runs: 0\nparameters:\n  n: [1, 2]\n", "runs must be"),
    ("parameters: [\n", "not valid YAML"),
])
def test_bad_files_are_named(tmp_path, text, says):
    (tmp_path / "parameters.yml").write_text(text)
    with pytest.raises(ParameterSpecError, match=says.replace("[", r"\[")):
        load(tmp_path)
