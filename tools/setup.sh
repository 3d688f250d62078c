#!/usr/bin/env bash
# Sets up everything FlashArb needs, from the package registries only (PyPI, npm):
#   .venv/            Python virtual environment with the pinned requirements
#   node_modules/     anvil, solc-js and the protocol artifact packages (npm ci from the lock file)
#   .tools/bin/anvil  the anvil binary from npm, put on PATH by the Makefile
#   .tools/solc/      a `solc-v0.8.28` for py-solc-x, backed by solc-js (no native solc download)
#   .venv hook        `source .venv/bin/activate` (or calling .venv/bin/ape directly) finds anvil and
#                     the solc shim: a .pth file sets SOLCX_BINARY_PATH and puts .tools/bin on PATH
# Idempotent: each step is skipped when its inputs have not changed since it last ran.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAMPS=.tools/stamps
mkdir -p "$STAMPS" .tools/bin .tools/solc

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
# A step is up to date when the hash of its inputs matches the stamp it left last time.
digest() { cat "$@" | sha256sum | cut -d' ' -f1; }
fresh() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }

# --- prerequisites ---------------------------------------------------------------------------
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "python3 not found: install Python 3.11 or newer"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "Python 3.11 or newer is needed, found $("$PYTHON" --version 2>&1)"
command -v node >/dev/null || die "node not found: install Node.js 18 or newer (e.g. apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm not found: install npm 9 or newer (e.g. apt-get install npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "Node.js 18 or newer is needed, found $(node --version)"
npm_major=$(npm --version 2>/dev/null | cut -d. -f1)
[ "$npm_major" -ge 9 ] || die "npm 9 or newer is needed, found $(npm --version)"

# --- npm: anvil, solc-js, protocol artifacts ---------------------------------------------------
key=$(digest package.json package-lock.json)
if ! fresh npm "$key" || [ ! -d node_modules ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$key" > "$STAMPS/npm"
fi

# anvil: the platform binary ships inside an npm package; link it where the Makefile's PATH looks.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) anvil_pkg=anvil-linux-amd64 ;;
  Linux-aarch64) anvil_pkg=anvil-linux-arm64 ;;
  Darwin-arm64) anvil_pkg=anvil-darwin-arm64 ;;
  Darwin-x86_64) anvil_pkg=anvil-darwin-amd64 ;;
  *) die "no anvil build on npm for $(uname -s)-$(uname -m)" ;;
esac
anvil_bin=$ROOT/node_modules/@foundry-rs/$anvil_pkg/bin/anvil
[ -x "$anvil_bin" ] || die "anvil binary missing at $anvil_bin: package.json pins @foundry-rs/anvil-linux-amd64 only (the registry here serves no other build); add @foundry-rs/$anvil_pkg to its optionalDependencies on this platform"
ln -sfn "$anvil_bin" .tools/bin/anvil

# solc: py-solc-x accepts any executable named solc-v<version> in SOLCX_BINARY_PATH.
solc_version=$(node -p 'require("./node_modules/solc/package.json").version')
ln -sfn "$ROOT/tools/solc-js-shim.js" ".tools/solc/solc-v$solc_version"
.tools/solc/solc-v"$solc_version" --version | grep -q "Version: $solc_version" \
  || die "the solc-js shim does not answer --version with $solc_version"

# --- Python ---------------------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
key=$(digest requirements.lock)
if ! fresh pip "$key"; then
  say "installing Python packages (requirements.lock)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  echo "$key" > "$STAMPS/pip"
fi
# One shell for a new user: every Python started from .venv (ape included, activated or not) finds
# anvil and the solc shim. Lines of a .pth file that start with "import" run at interpreter start.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\n' "import os; os.environ.setdefault('SOLCX_BINARY_PATH', '$ROOT/.tools/solc'); p = os.environ.get('PATH', ''); os.environ['PATH'] = p if '$ROOT/.tools/bin' in p.split(os.pathsep) else '$ROOT/.tools/bin' + os.pathsep + p" \
  > "$site/flasharb_toolchain.pth"
ln -sfn "$anvil_bin" .venv/bin/anvil
say "ready (anvil $(.tools/bin/anvil --version | head -1 | cut -d' ' -f3), solc-js $solc_version, $(.venv/bin/python --version))"
