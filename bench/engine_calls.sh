#!/bin/sh
# Odoo calls the engine makes for one return, per profile (issue 8's
# figure): `sh bench/engine_calls.sh` after `make build`.
set -eu
cd "$(dirname "$0")/.."
RB_BIN=$PWD/build/returnbridge ODOO_EMU_BIN=$PWD/build/odoo-emu \
	pytest-3 -q -p no:cacheprovider tests/integ/test_engine.py -k calls_per_return 2>&1 |
	grep -E "^profile|passed|failed"
