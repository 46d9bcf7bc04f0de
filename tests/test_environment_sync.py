"""environment.yml (conda users) and pyproject.toml (pip users) must list the same packages."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    return {_name(r) for r in reqs}


def _environment() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {_name(r) for r in dep.get("pip", [])}
        elif _name(dep) not in {"python", "pip"}:
            names.add(_name(dep))
    return names


def test_environment_yml_matches_pyproject():
    py, env = _pyproject(), _environment()
    assert py - env == set(), f"in pyproject.toml but not environment.yml: {sorted(py - env)}"
    assert env - py == set(), f"in environment.yml but not pyproject.toml: {sorted(env - py)}"


def test_optional_extras_are_named_in_environment_yml_and_installed_by_ci():
    """Extras beyond dev (lesson 10's PyTorch) stay out of the conda environment, which has no
    optional groups: environment.yml says how to add each, with the same pin, and CI installs it
    exactly so (an unpinned torch may pull a GPU build of several GB)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    env, ci = (ROOT / "environment.yml").read_text(), (ROOT / ".ci" / "run").read_text()
    pinned = [r for name, reqs in extras.items() if name != "dev" for r in reqs]
    assert pinned == ["torch==2.13.0"]
    for req in pinned:
        assert f"pip install {req}" in env, f"environment.yml does not say how to add {req}"
        assert re.search(rf"pip install [^\n]*\b{re.escape(req)}\b", ci), f".ci/run does not install {req}"


def test_ci_calls_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/test.sh" in ci
