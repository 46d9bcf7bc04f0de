"""``course lab --learner`` / ``course lab --instructor``: JupyterLab with the role's tools
(:mod:`grader.lab`); ``--print-env`` prints the environment a hub spawner sets instead."""
from __future__ import annotations

import os
import shlex
import sys


def register(sub):
    p = sub.add_parser("lab", help="start JupyterLab as a learner (no instructor tools) or as the instructor")
    role = p.add_mutually_exclusive_group(required=True)
    role.add_argument("--learner", dest="role", action="store_const", const="learner",
                      help="no formgrader, course list, Create Assignment or Validate (course check replaces it)")
    role.add_argument("--instructor", dest="role", action="store_const", const="instructor",
                      help="every nbgrader tool, whatever is disabled machine-wide")
    p.add_argument("--print-env", action="store_true",
                   help="print the variable to set (e.g. in a hub spawner's environment) and exit")
    p.add_argument("jupyter_args", nargs="*", metavar="-- ARG",
                   help="passed on to jupyter lab (put them after --)")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.lab import ENV_VAR, lab_env

    env = lab_env(args.role)
    if args.print_env:
        print(f"{ENV_VAR}={shlex.quote(env[ENV_VAR])}")
        return 0
    # exec, not a child process: signals (a spawner's SIGTERM, Ctrl-C) reach jupyter lab itself.
    try:
        os.execve(sys.executable, [sys.executable, "-m", "jupyter", "lab", *args.jupyter_args], env)
    except OSError as exc:
        print(f"error: cannot start jupyter lab: {exc}", file=sys.stderr)
        return 2
