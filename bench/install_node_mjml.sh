#!/bin/sh
# Installs the reference MJML compiler (npm `mjml`, version 4 like the Python
# port) into bench/node_modules, for the optional comparison test in
# tests/test_email.py and for benchmarks. Needs node, npm and the npm registry;
# `make test` runs it when npm exists; the test skips, saying why, without it.
#
#   sh bench/install_node_mjml.sh          # then: .venv/bin/python -m pytest -k npm_mjml
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null 2>&1 || { echo "npm is not installed (Debian: apt-get install npm)" >&2; exit 2; }
npm install --prefix "$here" --no-save --no-audit --no-fund --loglevel=error "mjml@^4.15"
"$here/node_modules/.bin/mjml" --version
