#!/bin/sh
# The drain benchmark (bench/README.md): `sh bench/engine/drain.sh [N] [SCALE] [PROFILE]`
# after `make build`; defaults 1000 returns, cost scale 0.2, Odoo 17.
set -eu
cd "$(dirname "$0")/../.."
[ -x build/returnbridge ] && [ -x build/odoo-emu ] || { echo "drain: make build first" >&2; exit 2; }
ODOO_EMU_BIN=$PWD/build/odoo-emu exec /usr/bin/python3 bench/engine/drain.py \
	-n "${1:-${N:-1000}}" --scale "${2:-${SCALE:-0.2}}" --profile "${3:-${PROFILE:-17}}"
