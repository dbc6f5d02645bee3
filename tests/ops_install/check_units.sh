#!/usr/bin/env bash
# Checks the systemd units of smartmeter_exporter:
#   - `systemd-analyze verify` of smartmeter-exporter.service and of an instance of
#     smartmeter-exporter@.service (ExecStart pointed at the built binary);
#   - `systemd-analyze security --offline=true --threshold=20`: exposure <= 2.0;
#   - the hardening the exporter relies on (serial ports reachable, /proc/stat visible);
#   - /etc/default/smartmeter-exporter and example.conf start the real binary;
#   - the system calls of a running exporter pass the unit's SystemCallFilter= (strace).
# usage: check_units.sh SYSTEMD_DIR BINARY
set -euo pipefail

src_dir=$(cd "${1:?usage: check_units.sh SYSTEMD_DIR BINARY}" && pwd)
binary=$(readlink -f "${2:?usage: check_units.sh SYSTEMD_DIR BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
max_exposure=2.0

command -v systemd-analyze >/dev/null || { echo "SKIPPED: systemd-analyze not installed"; exit 0; }
[ -x "$binary" ] || { echo "FAIL: $binary is not an executable"; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

units=(smartmeter-exporter.service smartmeter-exporter@.service)
echo 00112233445566778899AABBCCDDEEFF > "$work/test.key"
for unit in "${units[@]}"; do
  [ -f "$src_dir/$unit" ] || { echo "FAIL: $src_dir/$unit missing"; exit 1; }
  sed "s|/usr/bin/smartmeter_exporter|$binary|g" "$src_dir/$unit" > "$work/$unit"
done

# --- systemd-analyze verify ------------------------------------------------------
# An instance name for the template; verify loads the template from the same directory.
for name in smartmeter-exporter.service smartmeter-exporter@meter1.service; do
  out=$(cd "$work" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$work/$name" 2>&1) &&
    rc=0 || rc=$?
  # Only complaints about our own units count (the host's other units are not ours).
  ours=$(printf '%s\n' "$out" | grep -E 'smartmeter-exporter|smartmeter_exporter' || true)
  if [ "$rc" -ne 0 ] || [ -n "$ours" ]; then
    fail "systemd-analyze verify $name (rc $rc):"
    printf '%s\n' "$out"
  else
    echo "ok: systemd-analyze verify $name"
  fi
done

# --- systemd-analyze security ------------------------------------------------------
threshold=$(awk -v m="$max_exposure" 'BEGIN { printf "%d", m * 10 }')
for name in smartmeter-exporter.service smartmeter-exporter@meter1.service; do
  file=$work/$name
  [ "$name" = smartmeter-exporter@meter1.service ] && cp "$work/smartmeter-exporter@.service" "$file"
  out=$(systemd-analyze security --offline=true --threshold="$threshold" --no-pager "$file" 2>&1) &&
    rc=0 || rc=$?
  level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' | tail -1)
  if [ -z "$level" ]; then
    fail "no exposure level from systemd-analyze security $name (rc $rc):"
    printf '%s\n' "$out" | tail -20
  elif [ "$rc" -ne 0 ] || awk -v l="$level" -v m="$max_exposure" 'BEGIN { exit !(l > m) }'; then
    fail "exposure of $name is $level (> $max_exposure, rc $rc):"
    printf '%s\n' "$out" | grep '✗' || true
  else
    echo "ok: exposure of $name: $level (<= $max_exposure)"
  fi
done

# --- the settings the exporter depends on --------------------------------------------
failures_before=$failures
for unit in "${units[@]}"; do
  f=$src_dir/$unit
  for want in 'DynamicUser=yes' 'SupplementaryGroups=dialout' 'DevicePolicy=closed' \
              'DeviceAllow=char-ttyUSB rw' 'DeviceAllow=char-ttyACM rw' \
              'DeviceAllow=char-ttyAMA rw' 'DeviceAllow=char-ttyS rw' 'ProtectSystem=strict' \
              'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'Restart=on-failure' \
              'CapabilityBoundingSet=' 'UMask=0077'; do
    grep -qxF "$want" "$f" || fail "$unit lacks '$want'"
  done
  # PrivateDevices= would hide the serial ports, PrivateUsers= the dialout group,
  # ProcSubset=pid /proc/stat (boot time), IPAddressDeny= the remote Prometheus.
  for banned in '^PrivateDevices=' '^PrivateUsers=' '^ProcSubset=pid' '^IPAddressDeny='; do
    if grep -qE "$banned" "$f"; then fail "$unit sets ${banned#^}"; fi
  done
done
# shellcheck disable=SC2016  # a literal $ARGS
grep -qxF 'ExecStart=/usr/bin/smartmeter_exporter $ARGS' "$src_dir/smartmeter-exporter.service" ||
  fail "smartmeter-exporter.service: ExecStart is not '/usr/bin/smartmeter_exporter \$ARGS'"
grep -qxF 'EnvironmentFile=-/etc/default/smartmeter-exporter' "$src_dir/smartmeter-exporter.service" ||
  fail "smartmeter-exporter.service: no EnvironmentFile=-/etc/default/smartmeter-exporter"
grep -qxF 'LoadCredential=meter-key:/etc/smartmeter-exporter/meter-key' "$src_dir/smartmeter-exporter.service" ||
  fail "smartmeter-exporter.service: no meter-key credential"
grep -qxF 'ExecStart=/usr/bin/smartmeter_exporter --config /etc/smartmeter-exporter/%i.conf' \
  "$src_dir/smartmeter-exporter@.service" || fail "smartmeter-exporter@.service: ExecStart"
grep -qxF 'LoadCredential=meter-key:/etc/smartmeter-exporter/%i.key' \
  "$src_dir/smartmeter-exporter@.service" || fail "smartmeter-exporter@.service: no %i.key credential"
[ "$failures" -eq "$failures_before" ] && echo "ok: unit settings checked"

# --- the shipped configuration starts the real binary ----------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_and_probe NAME ARGS...: the exporter (demo meter) must stay up and serve /metrics.
start_and_probe() {
  local name=$1; shift
  local port log
  port=$(free_port)
  log=$work/$name.log
  "$@" --demo --demo.interval=100ms --web.listen-address="127.0.0.1:$port" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local body=""
  for _ in $(seq 1 50); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    body=$(python3 - "$port" <<'PY' 2>/dev/null || true
import sys, urllib.request
print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=2).read().decode())
PY
)
    if printf '%s' "$body" | grep -q '^smartmeter_'; then break; fi
    body=""
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -n "$body" ]; then
    echo "ok: $name: exporter started and served /metrics"
  else
    fail "$name: exporter did not serve /metrics; its output:"
    cat "$log"
  fi
}

# /etc/default/smartmeter-exporter, word-split like systemd does for $ARGS.
ARGS=""
# shellcheck disable=SC1090,SC1091
. "$src_dir/smartmeter-exporter.default"
[ -n "$ARGS" ] || fail "smartmeter-exporter.default sets no ARGS"
# shellcheck disable=SC2086
start_and_probe default-args "$binary" $ARGS
start_and_probe example-conf "$binary" --config "$src_dir/example.conf"

# --- system calls versus SystemCallFilter= ------------------------------------------------
# strace_run NAME SOURCE_ARGS...: trace the exporter while /metrics and / are fetched.
strace_run() {
  local name=$1; shift
  local port pid
  port=$(free_port)
  strace -f -qq -o "$work/strace-$name.log" "$binary" "$@" \
    --web.listen-address="127.0.0.1:$port" >"$work/strace-$name-run.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 50); do
    if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/metrics', timeout=2); u.urlopen('http://127.0.0.1:$port/', timeout=2)" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  # strace -o blocks fatal signals; stop the traced exporter itself and strace follows.
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill -TERM "$child" 2>/dev/null || true; done
  sleep 0.5
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! grep -q 'starting smartmeter_exporter' "$work/strace-$name-run.log"; then
    fail "$name: the traced exporter did not start:"
    cat "$work/strace-$name-run.log"
  elif python3 "$here/syscalls_allowed.py" "$work/strace-$name.log" "$src_dir/smartmeter-exporter.service"; then
    echo "ok: $name: the exporter's system calls pass SystemCallFilter="
  else
    fail "$name: the exporter makes system calls that SystemCallFilter= refuses"
  fi
}
if command -v strace >/dev/null; then
  strace_run demo --demo --demo.interval=100ms
  # A TCP source (name lookup, connect, reconnect) on a port where nobody listens.
  strace_run tcp-source --serial.device="tcp://localhost:$(free_port)" \
    --meter.key-file="$work/test.key"
else
  echo "note: strace not installed; system call check skipped"
fi

if [ "$failures" -ne 0 ]; then
  echo "check_units: $failures failure(s)"
  exit 1
fi
echo "check_units: all checks passed"
