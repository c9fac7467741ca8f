#!/usr/bin/env bash
# The whole test suite on a fresh machine: dependencies, real services, build, lint, unit and
# integration tests. Exits non-zero on the first failure.
#   STOP_SERVICES=1  stop the services at the end (default: leave them up for faster reruns)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n[test-all] === %s\n' "$*" >&2; }

command -v node >/dev/null 2>&1 || {
  echo "[test-all] node (>= 20.9) is required" >&2
  exit 1
}

if [[ "${STOP_SERVICES:-0}" == 1 ]]; then
  trap 'step "stopping services"; scripts/services.sh down || true' EXIT
fi

# (node-rdkafka is an optional dependency the demo may skip; the tests need it built)
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json \
  || ! -f node_modules/node-rdkafka/build/Release/node-librdkafka.node ]]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "services up"
services_env="$(scripts/services.sh up)"
eval "$services_env"
export KAFKA_BROKERS CLICKHOUSE_URL REDIS_URL
# Integration tests fail (instead of skipping) when a service is missing.
export STREAMLEARN_REQUIRE_SERVICES=1

step "build"
npm run build

step "lint"
npm run lint

step "tests (unit + integration)"
mkdir -p test-artifacts
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json
# one plain closing line for tools that read it: "N passed, N failed, N skipped"
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
'

step "all passed"
