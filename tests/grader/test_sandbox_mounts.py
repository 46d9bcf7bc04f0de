"""What of the project student code sees in the sandbox (grader/sandbox.py's mount plan):
``imbalance_kit`` and ``learner`` whole, of ``grader`` only the runner's own modules, nothing else,
whether the course is installed editable or into site-packages."""
import json
import secrets
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import nbformat
import pytest

import grader
from grader import sandbox
from grader.extract import extraction_cell
from grader.limits import Limits
from grader.pipeline.read import parse
from grader.runner import launch

needs_sandbox = pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                   reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")
ROOT = Path(__file__).resolve().parents[2]
GRADER = Path(grader.__file__).resolve().parent
#: The only grader files student code may see: what ``python -m grader.runner`` imports. Changing
#: this set is a decision about what students can read, so it is spelled out here, not imported.
RUNNER_FILES = {"__init__.py", "extract.py", "limits.py", "preimport.py", "processes.py", "runner.py",
                "spec.py", "student_text.py", "test_cells.py"}


def _grader_modules(folder: Path) -> list[str]:
    """Dotted names of every module and package of the grader folder ``folder``."""
    names = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _hidden(folder: Path) -> list[str]:
    """Every file of the grader folder ``folder`` that student code must not see."""
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()
                  and not (p.parent == folder and p.name in RUNNER_FILES)
                  and not (p.parent.name == "__pycache__" and p.parent.parent == folder
                           and p.name.split(".")[0] + ".py" in RUNNER_FILES))


# What student code tries: print what it can import or see that it should not, and the listing of
# the grader folder. sys.argv: the grader folder on the host, modules, paths (JSON lists).
PROBE = textwrap.dedent("""
    import importlib, json, os, sys
    folder, modules, paths = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    import imbalance_kit, learner, learner.oracle, learner.quiz, learner.quiz.widget
    from learner.quiz.client import PracticeUnavailable, open_session
    try:
        open_session("01")
        print("PRACTISED without a bank")
    except PracticeUnavailable as exc:
        print("practice:", exc)
    except Exception as exc:  # the engine was there, the bank was not
        print("PRACTISED up to", type(exc).__name__)
    for name in modules:
        try:
            importlib.import_module(name)
            print("IMPORTED", name)
        except ImportError:
            pass
    print("\\n".join("VISIBLE " + p for p in paths if os.path.lexists(p)))
    try:
        open(os.path.join(folder, "planted.py"), "w").close()
        print("WROTE into the grader folder")
    except OSError:
        pass
    import grader
    print("grader is", os.path.dirname(grader.__file__), "kit is", os.path.dirname(imbalance_kit.__file__))
    print("listing", json.dumps(sorted(os.listdir(folder))))
    cache = os.path.join(folder, "__pycache__")
    print("cache", json.dumps(sorted(os.listdir(cache)) if os.path.isdir(cache) else []))
""")


def _probe_args(folder: Path, also_hidden=()) -> list[str]:
    allowed = {"grader", *(f"grader.{name[:-3]}" for name in RUNNER_FILES - {"__init__.py"})}
    modules = [m for m in _grader_modules(folder) if m not in allowed]
    return [str(folder), json.dumps(modules), json.dumps(_hidden(folder) + list(also_hidden))]


def _check(out: str, folder: Path):
    assert "IMPORTED" not in out and "VISIBLE" not in out and "WROTE" not in out, out
    assert "PRACTISED" not in out and "practice: practice quick tests need the course's question bank" in out
    listing = json.loads(out.split("listing ", 1)[1].splitlines()[0])
    cache = json.loads(out.split("cache ", 1)[1].splitlines()[0])
    assert set(listing) - {"__pycache__"} == RUNNER_FILES, listing
    assert {name.split(".")[0] + ".py" for name in cache} <= RUNNER_FILES, cache
    assert f"grader is {folder} " in out, out


@needs_sandbox
@pytest.mark.slow
def test_student_code_sees_the_kit_the_learner_package_and_nothing_of_the_grader():
    """Through the real runner, as a submission's cell: the learner package and the kit import;
    no other grader module imports (answer keys, engine, quiz bank and service, oracle server,
    gradebook, ...), none of their files, the held-out secret, the quiz banks or solutions exist."""
    nonce = secrets.token_hex(8)
    args = _probe_args(GRADER, [str(ROOT / "solutions"), str(ROOT / "lessons" / "quick_tests"),
                                str(ROOT / "README.md"), str(ROOT / "tools"),
                                str(GRADER / "assignments" / "heldout_secret.txt")])
    cell = f"import sys\nsys.argv = ['probe', *{args!r}]\n{PROBE}"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    job = {"notebooks": [nb], "nonce": nonce, "expected": [],
           "extraction": extraction_cell((), {}, nonce, 5)}
    result = parse(launch(job, Limits(wall_seconds=120)), Limits().output_kb * 1024)
    run = result["runs"][0]
    assert run["error"] is None and run["payload_error"] is None, run  # the runner has what it needs
    outputs = result["outputs"][0]["outputs"]
    assert not [o for o in outputs if o["output_type"] == "error"], outputs
    _check("".join(o.get("text", "") for o in outputs), GRADER)


@needs_sandbox
@pytest.mark.slow
def test_a_regular_install_in_site_packages_shows_the_same(tmp_path):
    """The course installed into site-packages (what a wheel holds, all of grader, with a held-out
    secret and compiled files): the sandbox shows the same as for an editable install."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("grader", "imbalance_kit", "learner"):
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "heldout_secret.txt"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    # setuptools' build_py copies exactly the files a wheel of pyproject.toml holds (building the
    # wheel itself needs the `wheel` package); then compile them, as pip does when installing.
    for argv in (["-c", "import setuptools; setuptools.setup()", "-q", "build_py", "--build-lib", str(site)],
                 ["-m", "compileall", "-q", str(site)]):
        subprocess.run([sys.executable, *argv], check=True, capture_output=True, cwd=source)
    installed = site / "grader"
    (installed / "assignments" / "heldout_secret.txt").write_text("the instructor's secret\n")
    assert (installed / "autograde.py").is_file() and (site / "learner" / "quiz" / "widget.py").is_file()
    # the grading process is this venv's Python: the sandbox mounts its installation
    driver = textwrap.dedent("""
        import sys
        from pathlib import Path
        from grader import sandbox
        work = Path(sys.argv[1])
        work.mkdir()
        res = sandbox.run([sys.executable, "-c", *sys.argv[2:]], workdir=work)
        sys.stdout.write(res.stdout.decode() + res.stderr.decode())
    """)
    done = subprocess.run([str(env_dir / "bin" / "python"), "-c", driver, str(tmp_path / "work"),
                           PROBE, *_probe_args(installed)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _check(done.stdout, installed)
    assert f"kit is {site / 'imbalance_kit'}" in done.stdout


def test_plan_for_site_packages_shows_the_runner_files_only(tmp_path):
    """The mount plan of a wheel install: site-packages read-only, its grader folder replaced by an
    empty one holding the runner's files (and their compiled copies) only; an older copy of grader
    in another mounted site-packages is emptied too."""
    site, base = tmp_path / "venv" / "site-packages", tmp_path / "base" / "site-packages"
    for folder in (site / "grader", site / "grader" / "assignments", site / "grader" / "__pycache__",
                   site / "imbalance_kit", site / "learner", base / "grader"):
        folder.mkdir(parents=True)
    tag = sys.implementation.cache_tag
    for name in [*RUNNER_FILES, "autograde.py", "oracle.py", "assignments/__init__.py",
                 "assignments/heldout_secret.txt", f"__pycache__/autograde.{tag}.pyc",
                 f"__pycache__/runner.{tag}.pyc"]:
        (site / "grader" / name).write_text("")
    plan = sandbox.mount_plan([site, base], site / "grader", [site / "imbalance_kit", site / "learner"],
                              [base / "grader"])
    assert ("ro", site) in plan and ("ro", base) in plan
    assert ("empty", site / "grader") in plan and ("empty", base / "grader") in plan
    shown = [path for kind, path in plan if kind == "ro" and site / "grader" in path.parents]
    assert sorted(p.relative_to(site / "grader").as_posix() for p in shown) == sorted(
        [*RUNNER_FILES, f"__pycache__/runner.{tag}.pyc"])
    # an emptied folder comes after the folder that holds it, the files after the emptied folder
    assert plan.index(("empty", site / "grader")) > plan.index(("ro", site))
    assert min(plan.index(("ro", p)) for p in shown) > plan.index(("empty", site / "grader"))


def test_plan_for_an_editable_install_mounts_package_folders_not_the_checkout(tmp_path):
    site, checkout = tmp_path / "site-packages", tmp_path / "course"
    for folder in (site, checkout / "grader", checkout / "imbalance_kit", checkout / "learner",
                   checkout / "solutions"):
        folder.mkdir(parents=True)
    for name in RUNNER_FILES | {"autograde.py"}:
        (checkout / "grader" / name).write_text("")
    plan = sandbox.mount_plan([site], checkout / "grader",
                              [checkout / "imbalance_kit", checkout / "learner"], [])
    assert [p for kind, p in plan if kind == "ro" and checkout not in p.parents] == [site]
    assert ("ro", checkout / "imbalance_kit") in plan and ("ro", checkout / "learner") in plan
    assert ("empty", checkout / "grader") in plan
    assert not [p for _, p in plan if p == checkout or p.name in ("solutions", "autograde.py")]


def test_a_missing_learner_package_is_a_clear_error(monkeypatch, tmp_path):
    """A course installed before learner/ existed: grading refuses, saying how to fix it, rather
    than failing every notebook that imports it as the student's error."""
    monkeypatch.setattr(sandbox, "STUDENT_PACKAGES", ("imbalance_kit", "no_such_learner_package"))
    with pytest.raises(sandbox.SandboxUnavailable, match="no_such_learner_package.*reinstall"):
        sandbox.bwrap_argv(tmp_path, 20000)
