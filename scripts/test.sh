#!/usr/bin/env bash
# The whole test suite: install, lint, fetch Neo4j 5.26 (Maven Central), run pytest.
# pytest starts and stops a real Neo4j server itself (tests/conftest.py), unless
# GONGJIAN_NEO4J_URI points at a running one. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Java 17 + Maven fetch and run Neo4j; install them if this machine lacks them.
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  echo "== installing OpenJDK 17 and Maven (apt)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven
fi

echo "== installing gongjian into .venv"
bash scripts/bootstrap.sh --dev

echo "== lint (ruff)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== fetching Neo4j 5.26 jars (cached in .neo4j/)"
.venv/bin/python scripts/neo4j_local.py fetch

echo "== pytest"
.venv/bin/python -m pytest --doctest-modules gongjian tests "$@"
