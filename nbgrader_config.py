"""nbgrader configuration for Imbalance Lab (loaded by ``nbgrader`` run from the repository root).

Exercises are authored once in ``solutions/<assignment_id>/`` (nbgrader's source directory) and
``course release`` generates the student copies into ``exercises/<assignment_id>/`` (nbgrader's
release directory). ``course release`` itself runs nbgrader in a temporary course directory with
a throw-away gradebook, so nothing it does writes a database into the repository.

The gradebook used by plain ``nbgrader`` commands run here lives outside the repository too:
``$IMBALANCE_LAB_DB_URL`` if set (any SQLAlchemy URL nbgrader supports, e.g. Postgres), else an
SQLite file in ``~/.imbalance-lab/``.
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "imbalance-lab"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"


def _default_db_url() -> str:
    home = Path(os.path.expanduser("~")) / ".imbalance-lab"
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'gradebook.db'}"


c.CourseDirectory.db_url = os.environ.get("IMBALANCE_LAB_DB_URL") or _default_db_url()

# Student copies: a solution region becomes this stub, so every unanswered question fails.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
