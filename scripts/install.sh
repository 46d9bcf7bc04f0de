#!/usr/bin/env bash
# Idempotent set-up on a fresh machine (Python, pip and git only): the system package the grader's
# sandbox needs (bubblewrap, when we are root and it is missing), then this project and its Python
# dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
  else
    echo "warning: bubblewrap is not installed; grading will refuse to run student code without" \
         "--unsafe-no-sandbox (install the 'bubblewrap' package)" >&2
  fi
fi
python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
