"""Which Jupyter tools each role's Lab has: a learner's has no instructor tools, an instructor's has
all of nbgrader's.

Each role is a Jupyter config folder shipped with the package (``grader/lab_config/<role>/``):
``jupyter_server_config.d/imbalance-lab.json`` turns nbgrader's server extensions on or off and
``labconfig/page_config.json`` its JupyterLab plugins. A Lab reads the folder when
``$JUPYTER_CONFIG_PATH`` names it; that folder comes before every other config folder, so it wins
over what is enabled machine-wide, and it changes only the processes started with it: learners and
the instructor can share one machine and one installation. ``course lab --learner`` /
``--instructor`` start JupyterLab that way; a hub spawner gets the same by setting the variable
that ``course lab --learner --print-env`` prints in the single-user server's environment.

This hides tools; it is not access control. A learner who starts Jupyter without it gets
nbgrader's tools back, and they still read and write only what their own account may.
"""
from __future__ import annotations

import os
from pathlib import Path

ROLES = ("learner", "instructor")
CONFIG_ROOT = Path(__file__).resolve().parent / "lab_config"
ENV_VAR = "JUPYTER_CONFIG_PATH"


def config_dir(role: str) -> Path:
    """The Jupyter config folder of ``role`` ("learner" or "instructor")."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return CONFIG_ROOT / role


def lab_env(role: str, environ=None) -> dict:
    """``environ`` (default ``os.environ``) with ``role``'s folder first on the config path.

    Another role's folder already on the path is dropped, so an instructor's Lab started from a
    learner's shell still gets every tool."""
    environ = dict(os.environ if environ is None else environ)
    ours = {str(config_dir(r)) for r in ROLES}
    rest = [p for p in environ.get(ENV_VAR, "").split(os.pathsep) if p and p not in ours]
    environ[ENV_VAR] = os.pathsep.join([str(config_dir(role))] + rest)
    return environ
