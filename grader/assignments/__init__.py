"""Grader-side answer keys, one module per assignment id (see grader/spec.py). Never released."""
