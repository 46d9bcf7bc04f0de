"""Project keys: the reference solutions get full marks, naive ones visibly miss the targets.

Runs are built by executing the solution notebook's code cells in this process (fast, no
kernel) and calling the functions on the key's probes, with the grader's oracle on a socket.
One slow test per project executes the notebook end to end under nbclient.
"""
from __future__ import annotations

import json
import os
import re
import shutil

import nbformat
import numpy as np
import pytest

from grader.contract import load_assignment, load_key
from grader.pipeline.judge import judge
from grader.oracle import OracleSession
from grader.release import ROOT
from grader.spec import CallError, Missing, Run
from learner.oracle import ENV_VAR

PROJECTS = ("project_toxicity", "project_rare_intents", "project_rare_entities")
MAIN = {"project_toxicity": "q2_targets", "project_rare_intents": "q2_rare_recall",
        "project_rare_entities": "q1_drug_f1"}


def grade(aid, runs):
    return judge(load_assignment(aid), load_key(aid), runs)


def _cells(aid):
    nb = nbformat.read(ROOT / "solutions" / aid / f"{aid}.ipynb", as_version=4)
    return nb, [c.source for c in nb.cells if c.cell_type == "code"
                and not c.metadata.get("nbgrader", {}).get("grade")]


def _naive(aid, src):
    """The solution cell with weighting, augmentation and threshold tuning taken out."""
    if aid == "project_toxicity":
        src = src.replace('class_weight="balanced", ', "").replace("float(choice.threshold)", "0.5")
        return src.replace("min(quota // 2, len(hits))", "0")
    if aid == "project_rare_intents":
        src = src.replace('class_weight="balanced", ', "")
        return src.replace("data = pd.concat([train, augmented], ignore_index=True)", "data = train.copy()")
    src = src.replace("for _ in range(20 if spans else 0)", "for _ in range(0)")
    src = src.replace('"lexicon": int(lw in lexicon), "drug_suffix": int(lw.endswith(suffixes))', "")
    return src.replace('{"DRUG": drug_weight}', '{"DRUG": 1.0}')


def run_in_process(aid, tmp_path, naive=False, oracle=True):
    """Execute the solution's code cells here and build the Run the engine would build."""
    key = load_key(aid)
    rng = np.random.default_rng(0)
    params = key.parameter_sets(rng)[0]
    probes = key.probes(rng)
    _, sources = _cells(aid)
    session = None
    if oracle and "oracle" in key.services:
        session = key.services["oracle"](tmp_path)
        os.environ[ENV_VAR] = session.env[ENV_VAR]
    ns = {}
    try:
        for src in sources:
            if "### BEGIN SOLUTION" in src and naive:
                src = _naive(aid, src)
            if "parameters" in src.splitlines()[0]:
                src += "\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
            exec(compile(src, aid, "exec"), ns)
        results = {}
        for name, calls in probes.items():
            results[name] = [ns[name](*args) for args in calls]
    finally:
        os.environ.pop(ENV_VAR, None)
        report = session.close() if session else None
    answers = {a: ns.get(a, Missing(a)) for a in key.answers}
    answers = {a: (v.tolist() if hasattr(v, "tolist") else v) for a, v in answers.items()}
    cells = {gid: {"executed": True, "error": None} for gid in load_assignment(aid).auto_points}
    return Run(parameters=params, answers=answers, probes=results, cells=cells, probe_args=probes,
               artifacts_dir=str(tmp_path / "feedback"), oracle=report)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = {}
    for aid in PROJECTS:
        for naive in (False, True):
            tmp = tmp_path_factory.mktemp(f"{aid}{naive}")
            run = run_in_process(aid, tmp, naive=naive)
            out[aid, naive] = (run, grade(aid, [run]))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("aid", PROJECTS)
def test_reference_gets_full_marks(graded, aid):
    _, verdicts = graded[aid, False]
    for gid, v in verdicts.items():
        assert v.points == v.max_points, (gid, v.feedback)
    figures = [f for v in verdicts.values() for f in v.figures]
    assert len(figures) == 1 and os.path.getsize(figures[0]) > 5_000


def _records(aid, run, students):
    """Result records of ``run`` graded once per student, each with its own artifacts folder
    (what the engine does), in the form ``grader.autograde`` stores them."""
    out = {}
    for sid, folder in students.items():
        verdicts = grade(aid, [Run(**{**run.__dict__, "artifacts_dir": str(folder)})])
        questions = {g: {"points": v.points, "max_points": v.max_points, "feedback": v.feedback,
                         "figures": [os.path.basename(f) for f in v.figures]}
                     for g, v in verdicts.items()}
        out[sid] = {"student_id": sid, "score": sum(q["points"] for q in questions.values()),
                    "max_score": sum(q["max_points"] for q in questions.values()),
                    "status": "graded", "error": None, "questions": questions}
    return out


@pytest.mark.slow
@pytest.mark.parametrize("aid", PROJECTS)
def test_figures_stay_out_of_feedback_lines_and_the_class_report(graded, aid, tmp_path):
    """Two students with the same mistakes get the same feedback lines: a per-student figure
    path would split every mistake of the class report in one row per student."""
    from grader.report import ClassResults, common_mistakes

    run, _ = graded[aid, True]
    records = _records(aid, run, {"ann": tmp_path / "ann", "bob": tmp_path / "bob"})
    for record in records.values():
        lines = [f for q in record["questions"].values() for f in q["feedback"]]
        assert not any(str(tmp_path) in f or ".png" in f for f in lines), lines
        assert sum(len(q["figures"]) for q in record["questions"].values()) == 1
    first = next(iter(records.values()))
    results = ClassResults(aid, first["max_score"], {g: q["max_points"] for g, q in first["questions"].items()},
                           records, "test")
    rows = common_mistakes(results)
    assert rows and all(r["students"] == 2 for r in rows), rows


@pytest.mark.slow
def test_feedback_page_embeds_the_figure(graded, tmp_path):
    import base64

    from grader.autograde import results_dir
    from grader.commands.feedback import write_feedback

    aid = "project_rare_entities"
    run, _ = graded[aid, True]
    artifacts = tmp_path / "feedback_artifacts" / aid / "ann"
    record = _records(aid, run, {"ann": artifacts})["ann"]
    store = results_dir(tmp_path, aid)
    store.mkdir(parents=True)
    (store / "ann.json").write_text(json.dumps(record))
    (page,) = write_feedback(aid, tmp_path)
    html = page.read_text()
    png = (artifacts / "entity_scores.png").read_bytes()
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in html
    assert str(tmp_path) not in html
    # a figure named in the record but gone from disk is skipped, not an error
    (artifacts / "entity_scores.png").unlink()
    (page,) = write_feedback(aid, tmp_path)
    assert "<img alt=\"entity_scores\"" not in page.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("aid", PROJECTS)
def test_naive_misses_targets(graded, aid):
    _, verdicts = graded[aid, True]
    v = verdicts[MAIN[aid]]
    assert v.points <= 0.6 * v.max_points, v.feedback
    assert any("missed by" in f for f in v.feedback), v.feedback



@pytest.mark.slow
@pytest.mark.parametrize("aid", PROJECTS)
def test_check_lines_measure_the_validation_data(graded, aid):
    """What `course check` shows for a hidden-test question (the key's on_validation): the
    reference reaches its targets on validation too, the naive solution's main one misses."""
    key = load_key(aid)
    hidden = {q.grade_id for q in load_assignment(aid).questions if q.hidden_test}
    assert set(key.on_validation) == hidden
    for naive in (False, True):
        run, _ = graded[aid, naive]
        for gid, line in key.on_validation.items():
            said = line([run])
            assert said.startswith("on your validation data: ") and "target" in said, said
            if not naive:
                assert "missed" not in said, said
        if naive:
            assert "missed by" in key.on_validation[MAIN[aid]]([run]), aid


@pytest.mark.slow
def test_toxicity_process_checks(graded):
    run, _ = graded["project_toxicity", False]
    bad = Run(**{**run.__dict__, "answers": dict(run.answers)})
    bad.answers["val_texts"] = run.answers["val_texts"] + run.answers["val_texts"][:50]
    bad.answers["train_texts"] = run.answers["train_texts"] + run.answers["val_texts"][:10]
    bad.answers["reported_metrics"] = {"accuracy": 0.97}
    v = grade("project_toxicity", [bad])
    assert v["q3_process"].points == 0
    assert any("oversampled" in f for f in v["q3_process"].feedback)
    assert any("validation rows are also in your training" in f for f in v["q3_process"].feedback)
    assert v["q4_reported_metrics"].points == 0 and "accuracy" in v["q4_reported_metrics"].feedback[0]
    # training texts the oracle never labeled cost a point of q1
    assert v["q1_labels"].points < 2


def test_missing_everything_scores_zero():
    for aid in PROJECTS:
        key = load_key(aid)
        probes = key.probes(0)
        run = Run(parameters=key.parameter_sets(0)[0],
                  answers={a: Missing(a) for a in key.answers},
                  probes={n: [CallError("boom")] * len(a) for n, a in probes.items()},
                  cells={}, probe_args=probes)
        verdicts = grade(aid, [run])
        assert all(v.points == 0 and v.feedback for v in verdicts.values()), aid


@pytest.mark.slow
@pytest.mark.parametrize("aid", ["project_toxicity"])  # the others: test_stubs_and_solutions.py
def test_solution_notebook_runs_end_to_end(aid, tmp_path):
    from nbclient import NotebookClient

    nb, _ = _cells(aid)
    shutil.copy(ROOT / "solutions" / aid / f"{aid}.ipynb", tmp_path / "nb.ipynb")
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors


#: A notebook flooding the grader's oracle: cheap requests faster than its rate, then costly
#: ones (60,000 ids each) until it is cut off.
FLOOD = """for _ in range(300):
    oracle.remaining
ids = pool["item_id"].tolist()[:1000] * 60
while True:
    oracle.label(ids)
"""


@pytest.mark.slow
def test_toxicity_graded_in_the_sandbox_with_the_graders_oracle(tmp_path):
    """The real pipeline: sandboxed run, labels bought from the grader's oracle over its socket,
    hidden test scored grader-side, feedback figure written outside the sandbox. A notebook that
    floods the oracle is slowed, then cut off at the service's CPU cap, and its feedback says so;
    the reference is not."""
    from grader.autograde import autograde
    from grader.limits import Limits
    from grader.sandbox import sandbox_problem

    if sandbox_problem() is not None:
        pytest.skip(f"sandbox unavailable: {sandbox_problem()}")
    course, subs = tmp_path / "course", tmp_path / "subs"
    shutil.copytree(ROOT / "exercises" / "project_toxicity", course / "exercises" / "project_toxicity")
    for student, src in [("ref", ROOT / "solutions"), ("blank", ROOT / "exercises")]:
        (subs / student).mkdir(parents=True)
        shutil.copy(src / "project_toxicity" / "project_toxicity.ipynb", subs / student)
    flood = nbformat.read(ROOT / "exercises" / "project_toxicity" / "project_toxicity.ipynb", as_version=4)
    [cell] = [c for c in flood.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "a_solution"]
    cell.source = FLOOD
    (subs / "flood").mkdir()
    nbformat.write(flood, subs / "flood" / "project_toxicity.ipynb")
    limits = Limits(**{**load_assignment("project_toxicity").limits, "service_cpu_seconds": 2.0})
    records = autograde("project_toxicity", subs, course_dir=course, workers=2, progress=False,
                        limits=limits)
    ref, blank = records["ref"], records["blank"]
    assert ref["status"] == "graded" and ref["score"] == ref["max_score"], ref
    assert "oracle labeled" in " ".join(ref["questions"]["q1_labels"]["feedback"])
    assert blank["score"] == 0
    flooded = records["flood"]
    assert flooded["score"] == 0 and "OracleError" in flooded["cells"]["a_solution"]["error"]
    assert "at most 2 CPU seconds" in flooded["cells"]["a_solution"]["error"]
    for q in flooded["questions"].values():
        notes = " ".join(q["feedback"])
        assert "labeling service cut your notebook off" in notes, q
        assert "at most 2 CPU seconds per submission" in notes
        assert "at most 100 requests per second" in notes
    notebooks = {s: (course / "autograded" / s / "project_toxicity" / "project_toxicity.ipynb").read_text()
                 for s in ("ref", "flood")}
    assert "labeling service cut your notebook off" in notebooks["flood"]
    assert "labeling service" not in notebooks["ref"]
    figure = course / "feedback_artifacts" / "project_toxicity" / "ref" / "pr_curve.png"
    assert figure.stat().st_size > 1000
    assert ref["questions"]["q2_targets"]["figures"] == ["pr_curve.png"]
    import base64

    from grader.commands.feedback import write_feedback

    pages = {p.parts[-3]: p.read_text() for p in write_feedback("project_toxicity", course)}
    assert base64.b64encode(figure.read_bytes()).decode() in pages["ref"]
