"""The one set-up call every lesson starts with (kept identical across lessons by a test)."""
from __future__ import annotations

import numpy as np

SETUP_CELL = "from imbalance_kit.notebook import setup_notebook\n\nrng = setup_notebook(seed=0)"


def setup_notebook(seed: int = 0) -> np.random.Generator:
    """Set plot style and table display for a lesson; return a seeded random generator.

    No global random state is touched: lessons pass ``seed`` / ``rng`` explicitly.

    >>> rng = setup_notebook(seed=0)
    >>> int(rng.integers(0, 10))
    8
    """
    import matplotlib as mpl
    import pandas as pd

    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    pd.set_option("display.precision", 4)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.width", 110)
    return np.random.default_rng(seed)
