#!/usr/bin/env bash
# Install everything the suite needs on a fresh machine (Python, pip and git only), then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
python -m pytest "$@"
if [ $# -eq 0 ]; then
  # Python 3.14 starts worker processes with forkserver on Linux (3.11-3.13: fork): the tests of
  # grading in workers run once more that way.
  IMBALANCE_LAB_MP_START=forkserver python -m pytest -m grading_workers tests/grader
fi
