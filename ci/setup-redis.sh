#!/usr/bin/env bash
# CI setup for the tests that run Debian's Redis next to ssrun's own database: redis-server (the
# engine="redis" databases of runtime/, the client's compatibility tests) and redis-cli (cluster
# formation, the orchestrator's redis-cli tests). Idempotent and quiet; nothing is left running.
set -euo pipefail
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
fi
# The Debian package may start a system redis on 6379; the tests start their own on free ports.
if command -v service >/dev/null && service redis-server status >/dev/null 2>&1; then
  service redis-server stop >/dev/null 2>&1 || true
fi
