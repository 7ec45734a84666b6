#!/bin/sh
# Print the configuration key table of docs/configuration.md from the
# binary's own key table: `sh tools/config-table.sh build/returnbridge`.
set -eu
"${1:-build/returnbridge}" check-config --keys --json | python3 -c '
import json, sys
keys = json.load(sys.stdin)
print("| key | type | default | allowed | secret | on reload |")
print("|---|---|---|---|---|---|")
for k in keys:
    default = "`%s`" % k["default"] if k["default"] else "(empty)"
    allowed = k["range"].replace("|", " \\| ") or "any"
    print("| `%s` | %s | %s | %s | %s | %s |" % (k["key"], k["type"], default, allowed,
          "**secret**" if k["secret"] else "", "applied" if k["reloadable"] else "needs restart"))
'
