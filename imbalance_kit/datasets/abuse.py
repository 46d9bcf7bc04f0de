"""The abuse pool of the mini challenge: messages from four sources, abuse = 1.

Written by :func:`~imbalance_kit.datasets.labeling_pool` with ``domain="abuse"``: its weak rule
looks for abuse keywords (:data:`~imbalance_kit.datasets.domains.ABUSE_KEYWORDS`), not for the
fraud keywords of the support tickets.

>>> df = abuse_messages()
>>> df.groupby("source").size().to_dict()
{'Chat': 8000, 'Comments': 20000, 'Reviews': 8000, 'UserReports': 4000}
>>> df.groupby("source")["label"].sum().to_dict()
{'Chat': 96, 'Comments': 120, 'Reviews': 40, 'UserReports': 144}
"""
from __future__ import annotations

import pandas as pd

from .._validation import check_fraction
from .tickets import labeling_pool

ABUSE_SHARES = {"Comments": 0.5, "Reviews": 0.2, "Chat": 0.2, "UserReports": 0.1}
#: Abuse rate of each source relative to the overall rate (share-weighted mean exactly 1):
#: user reports are where abuse concentrates, reviews where it is rarest.
ABUSE_LIFT = {"Comments": 0.6, "Reviews": 0.5, "Chat": 1.2, "UserReports": 3.6}


def abuse_messages(n=40_000, positive_rate=0.01, seed=0) -> pd.DataFrame:
    """Messages for a labeling plan: :data:`ABUSE_SHARES` of the pool per source, abuse rate
    ``positive_rate * ABUSE_LIFT[source]`` per source (columns as :func:`labeling_pool`)."""
    positive_rate = check_fraction(positive_rate, "positive_rate", 0.0, 1 / max(ABUSE_LIFT.values()))
    return labeling_pool(n, ABUSE_SHARES, positive_rate,
                         {s: positive_rate * ABUSE_LIFT[s] for s in ABUSE_SHARES}, seed=seed,
                         domain="abuse")
