"""imbalance_kit: reference functions for Imbalance Lab (lessons, exercises and grader use them).

Import what you need explicitly, e.g. ``from imbalance_kit import class_weights`` or
``from imbalance_kit.metrics import pr_auc``.
"""
from .counts import class_counts, imbalance_report
from .weights import class_weights

__version__ = "0.1.0"
