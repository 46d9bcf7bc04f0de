#!/usr/bin/env bash
# Install everything the suite needs on a fresh machine (Python, pip and git only), then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
python -m pytest "$@"
