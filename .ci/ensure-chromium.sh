#!/usr/bin/env bash
# The browser tests (test/e2e) drive Debian's Chromium with playwright-core; Playwright never
# downloads a browser. Install it when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "== chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
  exit 0
fi
echo "== installing chromium (Debian package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "== chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
