"""Every line of the syllabus is covered somewhere, and the table says where (lessons/syllabus_map.yml).

An entry names a file and an anchor: a phrase that must appear in a markdown cell of that notebook
(or in the file's text for non-notebooks). When the syllabus itself is at hand (``../shared/seed``
beside the checkout, or $IMBALANCE_LAB_SYLLABUS), every one of its lines must have an entry.
"""
import os
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MAP = yaml.safe_load((ROOT / "lessons" / "syllabus_map.yml").read_text())
SYLLABUS = Path(os.environ.get("IMBALANCE_LAB_SYLLABUS", ROOT.parent / "shared" / "seed" / "syllabus.txt"))


def _text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text()


def test_map_entries_are_complete():
    for entry in MAP:
        assert set(entry) == {"syllabus", "where", "anchor"}, entry
        assert entry["anchor"] and entry["anchor"] != "TODO", f"no anchor for {entry['syllabus']!r}"


@pytest.mark.parametrize("entry", MAP, ids=lambda e: e["syllabus"][:40])
def test_anchor_is_in_the_named_file(entry):
    path = ROOT / entry["where"]
    assert path.exists(), f"{entry['where']} (for syllabus line {entry['syllabus']!r}) does not exist"
    assert entry["anchor"].lower() in _text_of(path).lower(), (
        f"{entry['where']} does not contain {entry['anchor']!r} (covers {entry['syllabus']!r})")


@pytest.mark.skipif(not SYLLABUS.exists(), reason="syllabus not beside this checkout")
def test_every_syllabus_line_has_an_entry():
    prefixes = [e["syllabus"] for e in MAP]
    missing = []
    for line in SYLLABUS.read_text(encoding="utf-8").splitlines():
        body = line.strip().removeprefix("- ")
        if body and not any(body.startswith(p) for p in prefixes):
            missing.append(body[:70])
    assert not missing, f"syllabus lines with no entry in lessons/syllabus_map.yml: {missing}"
