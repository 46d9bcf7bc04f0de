"""Seeded data sets shared by lessons, exercises and the grader (same seed, same data).

Generators mirror the syllabus's worked examples; ``chatterbot_intents`` loads real text that a
PyPI package ships. Submodules load on first use so ``import imbalance_kit`` stays fast.
"""
from __future__ import annotations

import importlib

_WHERE = {
    "toxic_comments": "toxic",
    "support_tickets": "tickets",
    "labeling_pool": "tickets",
    "abuse_messages": "abuse",
    "support_intents": "intents",
    "chatterbot_intents": "intents",
    "news_ner": "news",
    "project_data": "projects",
    "weighted_toxic_scores": "scores",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
