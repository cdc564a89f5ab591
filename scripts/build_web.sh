#!/usr/bin/env bash
# Fetch the web console's front-end libraries from the npm registry (web/package-lock.json)
# and copy them into the package (service/console/static/vendor/ for the console,
# service/apidocs/static/vendor/ for Swagger UI at /docs; not committed).
# Idempotent; called by scripts/bootstrap.sh before the Python install.
set -euo pipefail
cd "$(dirname "$0")/.."

vendor=service/console/static/vendor
docs=service/apidocs/static/vendor
if ! command -v npm >/dev/null 2>&1; then
  if [ -f "$vendor/echarts.min.js" ] && [ -f "$docs/swagger-ui-bundle.js" ]; then
    exit 0  # already built, e.g. by an earlier bootstrap
  fi
  echo "需要 Node.js 与 npm 来获取控制台的前端库 (Node.js and npm are required to fetch the console's front-end libraries)" >&2
  exit 1
fi
if [ ! -f web/node_modules/echarts/dist/echarts.min.js ] \
  || [ ! -f web/node_modules/swagger-ui-dist/swagger-ui-bundle.js ] \
  || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  # --ignore-scripts: no install scripts (swagger-ui-dist's would send usage analytics)
  npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
fi
mkdir -p "$vendor" "$docs"
cp web/node_modules/echarts/dist/echarts.min.js "$vendor/echarts.min.js"
cp web/node_modules/echarts/LICENSE "$vendor/echarts.LICENSE.txt"
cp web/node_modules/swagger-ui-dist/swagger-ui-bundle.js "$docs/swagger-ui-bundle.js"
cp web/node_modules/swagger-ui-dist/swagger-ui.css "$docs/swagger-ui.css"
cp web/node_modules/swagger-ui-dist/LICENSE "$docs/swagger-ui.LICENSE.txt"
