#!/usr/bin/env bash
# Builds the operations console: web/ -> web/dist/ (served by `jic serve` at /).
#
# `npm ci` runs only when web/node_modules is missing or older than
# web/package-lock.json; `npm run build` (tsc, then vite) only when a source
# is newer than web/dist/index.html. So `make build` stays quick when nothing
# changed.
#
#   WEB_FORCE=1   install and build whatever the timestamps say
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "web: Node.js (>= 20.19) and npm are needed to build the console (web/); none found" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "web: Node.js $(node --version) is too old: Vite needs >= 20.19" >&2
  exit 1
fi

stamp=node_modules/.jic-installed
if [ "${WEB_FORCE:-0}" = 1 ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

if [ "${WEB_FORCE:-0}" = 1 ] || [ ! -f dist/index.html ] ||
   [ -n "$(find index.html src public vite.config.ts tsconfig.json package-lock.json "$stamp" -newer dist/index.html -print -quit)" ]; then
  echo "web: npm run build"
  npm run build --silent
fi
echo "built web/dist"
