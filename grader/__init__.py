"""Imbalance Lab's grader: release exercises, autograde a class, quick tests (CLI: ``course``)."""
