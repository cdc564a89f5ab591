#!/usr/bin/env bash
# Create .venv (Python 3.11) and install gongjian into it. Idempotent.
# Usage: bash scripts/bootstrap.sh [--dev]   (--dev: test tools and the city extra, Ray)
set -euo pipefail
cd "$(dirname "$0")/.."

py=""
for cand in python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    py=$cand; break
  fi
done
if [ -z "$py" ]; then
  echo "需要 Python 3.11 (Python 3.11 is required)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# the web console's front-end libraries (npm registry) go into the package first
bash scripts/build_web.sh
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install --quiet -e ".[dev,city]"  # tests need Ray (city extra)
else
  .venv/bin/python -m pip install --quiet .
fi
