#!/usr/bin/env bash
# Installs node-llama-cpp (CPU build only) so the local-model tests can run, without adding it to
# package.json: its full set of platform binaries (CUDA, Vulkan...) is ~700 MB.
#
# It goes into its own prefix, outside the project tree, and is linked into node_modules. Why not
# `npm install --no-save --omit=optional` in the project: --omit=optional also strips the project's
# own optional platform binaries (esbuild, rolldown, biome, typescript), which breaks the toolchain.
# Idempotent: does nothing when node-llama-cpp already resolves at the wanted version; the prefix is
# kept between runs, so a reinstall after `npm ci` is only a new link.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${NODE_LLAMA_CPP_VERSION:-3.22.1}"
RUNTIME_DIR="${PARLEY_LLAMA_RUNTIME_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parley/node-llama-cpp-$VERSION}"

# Prints the version when `import('node-llama-cpp')` works from the project, as Parley does it.
installed_version() {
  node --input-type=module -e "await import('node-llama-cpp');
    const { readFileSync } = await import('node:fs');
    console.log(JSON.parse(readFileSync('node_modules/node-llama-cpp/package.json', 'utf8')).version);" \
    2>/dev/null || true
}

if [ "$(installed_version)" = "$VERSION" ]; then
  echo "== node-llama-cpp $VERSION already installed"
  exit 0
fi

# The one prebuilt CPU binary package for this platform.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) binary="linux-x64" ;;
  Linux-aarch64) binary="linux-arm64" ;;
  Darwin-arm64) binary="mac-arm64-metal" ;;
  Darwin-x86_64) binary="mac-x64" ;;
  *) echo "install-local-model-runtime: no prebuilt binary known for $(uname -sm)" >&2; exit 1 ;;
esac

echo "== installing node-llama-cpp $VERSION (@node-llama-cpp/$binary) into $RUNTIME_DIR"
mkdir -p "$RUNTIME_DIR"
[ -f "$RUNTIME_DIR/package.json" ] || echo '{ "private": true }' >"$RUNTIME_DIR/package.json"
# --ignore-scripts: its postinstall would try to download or build llama.cpp when it doubts the
# prebuilt binary; the binary package is all it needs.
NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --prefix "$RUNTIME_DIR" --omit=optional --ignore-scripts \
  --no-audit --no-fund --loglevel=error \
  "node-llama-cpp@$VERSION" "@node-llama-cpp/$binary@$VERSION"

mkdir -p node_modules
ln -sfn "$RUNTIME_DIR/node_modules/node-llama-cpp" node_modules/node-llama-cpp

if [ "$(installed_version)" != "$VERSION" ]; then
  echo "install-local-model-runtime: node-llama-cpp did not resolve after install" >&2
  exit 1
fi
echo "== node-llama-cpp $VERSION ready"
