#!/usr/bin/env bash
# CI setup for the dashboard's browser tests (dashboard/browser_test.go): Debian's chromium, driven
# headless over the DevTools protocol by chromedp (no chromium-driver needed). Idempotent and quiet.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
