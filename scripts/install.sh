#!/usr/bin/env bash
# Idempotent set-up: system packages the grader's sandbox and browser tests use (when root),
# then this project and its Python dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
