#!/usr/bin/env bash
# The whole test suite: install, lint, fetch Neo4j 5.26 (Maven Central), run pytest
# (unit, contract on both stores, API over HTTP, browser tests in headless Chromium).
# pytest starts and stops a real Neo4j server itself (tests/conftest.py), unless
# GONGJIAN_NEO4J_URI points at a running one. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Java 17 + Maven fetch and run Neo4j; Debian's Chromium and CJK fonts run the browser
# tests; Node.js + npm fetch the console's front-end libraries. Install what is missing.
packages=()
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)
[ -x "${GONGJIAN_CHROMIUM:-/usr/bin/chromium}" ] || packages+=(chromium)
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || packages+=(fonts-noto-cjk fontconfig)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if [ ${#packages[@]} -gt 0 ]; then
  echo "== installing ${packages[*]} (apt)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi

echo "== installing gongjian into .venv"
bash scripts/bootstrap.sh --dev

echo "== lint (ruff)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== fetching Neo4j 5.26 jars (cached in .neo4j/)"
.venv/bin/python scripts/neo4j_local.py fetch

echo "== pytest"
# Two workers (pytest-xdist), each with its own Neo4j server and API servers, a whole
# module at a time (--dist loadfile keeps a module's servers and its ordering): the
# suite spends much of its time waiting on servers, so two share the two cores well.
# GONGJIAN_TEST_WORKERS=1 runs it in one process.
workers="${GONGJIAN_TEST_WORKERS:-2}"
parallel=()
# --no-loadscope-reorder: modules go out in collection order (xdist would sort them by
# size), so the modules sharing one API server per store (tests/api/conftest.py) still
# run on each worker before any module that clears its Neo4j database
if [ "$workers" -gt 1 ]; then parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder); fi
.venv/bin/python -m pytest tests "${parallel[@]}" --durations=20 "$@"
