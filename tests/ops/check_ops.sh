#!/usr/bin/env bash
# Static checks of the monitoring kit in grafana/:
#   promtool check config / check rules / test rules, and the dashboard lint.
# Usage: check_ops.sh [SOURCE_DIR]   (default: the repository containing this script)
# Prints "SKIPPED: ..." and exits 0 when promtool is not installed (Debian: apt install prometheus).
set -euo pipefail

src=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prom=$src/grafana/prometheus
dash=$src/grafana/dashboards/smartmeter.json

if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIPPED: promtool not found (install package prometheus)"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: python3 not found"; exit 0; }

step() { echo "== $*"; }

step "promtool check config"
promtool check config "$prom/prometheus.yml"

step "promtool check rules"
promtool check rules "$prom/rules.yml" "$prom/alerts.yml"

step "promtool test rules"
# promtool resolves rule_files relative to the test file.
promtool test rules "$prom/alerts_test.yml"

step "every alert has a firing and a not-firing test"
python3 - "$prom/alerts.yml" "$prom/alerts_test.yml" <<'PY'
import re, sys
alerts = re.findall(r"^\s*-\s*alert:\s*(\S+)", open(sys.argv[1]).read(), re.M)
text = open(sys.argv[2]).read()
# Split the test file into alert_rule_test cases: "alertname: X" followed by its exp_alerts.
cases = re.findall(r"alertname:\s*(\S+)\s*\n\s*exp_alerts:\s*(\[\])?", text)
firing = {a for a, empty in cases if not empty}
quiet = {a for a, empty in cases if empty}
bad = [a for a in alerts if a not in firing or a not in quiet]
for a in bad:
    print(f"ERROR: alert {a}: firing test {'ok' if a in firing else 'MISSING'}, "
          f"not-firing test {'ok' if a in quiet else 'MISSING'}")
# Every annotation block mentions $value.
body = open(sys.argv[1]).read()
for name, block in re.findall(r"-\s*alert:\s*(\S+)(.*?)(?=\n\s*-\s*alert:|\Z)", body, re.S):
    if "{{ $value" not in block:
        print(f"ERROR: alert {name}: annotations do not use {{{{ $value }}}}"); bad.append(name)
    if "smartmeter_voltage_volts" in block and "$labels.phase" not in block:
        print(f"ERROR: alert {name}: per-phase alert without {{{{ $labels.phase }}}}"); bad.append(name)
    if not re.search(r"summary:", block) or not re.search(r"description:", block):
        print(f"ERROR: alert {name}: summary/description missing"); bad.append(name)
if not alerts:
    print("ERROR: no alerts found"); bad.append("-")
print(f"{len(alerts)} alerts, {len(alerts) - len(set(bad))} fully tested")
sys.exit(1 if bad else 0)
PY

step "dashboard JSON parses"
python3 -m json.tool "$dash" >/dev/null

step "dashboard lint"
python3 "$here/check_dashboard.py" "$dash"

echo "ops static checks: OK"
