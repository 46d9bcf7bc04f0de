#!/usr/bin/env bash
# Idempotent set-up on a fresh machine (Python, pip and git only): the system packages the grader's
# sandbox (bubblewrap) and the browser tests (chromium) need, when we are root and they are missing,
# then this project and its Python dependencies.
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
# The browser tests (tests/browser/) drive Debian's chromium with Playwright; Playwright never
# downloads a browser of its own here.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "warning: chromium is not installed; the browser tests will be skipped" \
         "(install the 'chromium' package)" >&2
  fi
fi
python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
