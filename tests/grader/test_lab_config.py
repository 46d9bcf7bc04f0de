"""Each role's Jupyter config folder names nbgrader's real parts (a renamed plugin or server
extension would otherwise be silently left on), and ``course lab`` puts the role's folder first."""
import json
import os
from pathlib import Path

import nbgrader
import pytest

from grader import cli
from grader.lab import ENV_VAR, config_dir, lab_env
from jupyter_core.paths import jupyter_path

INSTRUCTOR_PLUGINS = {"formgrader", "create-assignment", "course-list", "validate-assignment"}
INSTRUCTOR_SERVER = {"formgrader", "course_list", "validate_assignment"}


def _read(role, part):
    return json.loads((config_dir(role) / part).read_text())


def _server(role):
    return _read(role, "jupyter_server_config.d/imbalance-lab.json")["ServerApp"]["jpserver_extensions"]


def _plugins(role):
    return _read(role, "labconfig/page_config.json")["disabledExtensions"]


def test_learner_config_turns_off_exactly_the_instructor_tools():
    assert {k for k, on in _server("learner").items() if not on} == \
        {f"nbgrader.server_extensions.{n}" for n in INSTRUCTOR_SERVER}
    assert {k for k, off in _plugins("learner").items() if off} == \
        {f"@jupyter/nbgrader:{n}" for n in INSTRUCTOR_PLUGINS}
    assert all(_server("instructor").values()) and not any(_plugins("instructor").values())
    assert set(_server("learner")) == set(_server("instructor"))
    assert set(_plugins("learner")) == set(_plugins("instructor"))


def test_config_names_nbgrader_parts_that_exist():
    for name in _server("learner"):
        __import__(name)  # an nbgrader server extension module
    static = next((Path(d) / "labextensions/@jupyter/nbgrader/static" for d in jupyter_path()
                   if (Path(d) / "labextensions/@jupyter/nbgrader/static").is_dir()), None)
    if static is None:
        pytest.skip(f"nbgrader {nbgrader.__version__}'s labextension is not installed")
    code = "".join(p.read_text(errors="replace") for p in static.glob("*.js"))
    for plugin in _plugins("learner"):
        assert f'"{plugin}"' in code, f"nbgrader has no plugin {plugin}"


def test_lab_env_puts_the_role_first_and_drops_the_other_role():
    env = lab_env("instructor", {ENV_VAR: os.pathsep.join([str(config_dir("learner")), "/x"]), "A": "1"})
    assert env[ENV_VAR].split(os.pathsep) == [str(config_dir("instructor")), "/x"] and env["A"] == "1"
    assert lab_env("learner", {})[ENV_VAR] == str(config_dir("learner"))
    with pytest.raises(ValueError, match="role must be one of"):
        config_dir("admin")


def test_print_env_gives_the_spawners_variable(capsys):
    assert cli.main(["lab", "--learner", "--print-env"]) == 0
    assert capsys.readouterr().out.strip() == f"{ENV_VAR}={config_dir('learner')}"
    with pytest.raises(SystemExit):
        cli.main(["lab"])  # a role is required
