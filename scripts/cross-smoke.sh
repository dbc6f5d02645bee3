#!/usr/bin/env bash
# Smoke run of a cross-built smartmeter_exporter under qemu-user (called by cross.sh):
#   1. `decode --format json` of every bundled vector (tests/data/vectors/*) must print exactly
#      the vector's expected.jsonl, which the amd64 build produces too (golden test);
#   2. tests/cli/decode_cli_test.sh (text, json and explain output, exit statuses, keys never
#      echoed) with the binary behind qemu;
#   3. the exporter serves a replay of 5 pushes written by make_capture (sequence mode: push i
#      carries n = i + 1 in every register) on a free loopback port; /metrics, fetched with
#      curl, must show the last push's voltage (5 V), and SIGTERM must end it with status 0.
# Exit status: the number of failed checks (0: all passed).
#   scripts/cross-smoke.sh BUILD_DIR EMULATOR [EMULATOR_ARG...]
#   e.g. scripts/cross-smoke.sh build-cross-bookworm-arm64 qemu-aarch64-static -L SYSROOT
# The emulator is always named: build machines have no binfmt_misc to start ARM binaries.
# Keys come from files only and are never printed; outputs shown on failure contain none.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "$1")
shift
emulator=("$@")
vectors=tests/data/vectors
tmp=$(mktemp -d)
server=
trap '[ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
check() { # NAME CONDITION...: returns the condition's status, so `|| details` can follow
  local name=$1
  shift
  if "$@"; then echo "ok   - $name"; else echo "FAIL - $name"; failures=$((failures + 1)); return 1; fi
}

# The binary behind the emulator, as a program that the existing test scripts can call.
exporter=$tmp/smartmeter_exporter
printf '#!/bin/sh\nexec %s %q "$@"\n' "$(printf '%q ' "${emulator[@]}")" \
  "$build/smartmeter_exporter" >"$exporter"
chmod +x "$exporter"

echo "--- decode of every vector, compared with its expected.jsonl"
for dir in "$vectors"/*/; do
  id=$(basename "$dir")
  args=(decode --format json)
  [ ! -f "$dir/key.hex" ] || args+=(--key-file "$dir/key.hex")
  [ ! -f "$dir/auth-key.hex" ] || args+=(--auth-key-file "$dir/auth-key.hex")
  "$exporter" "${args[@]}" "$dir/input.hex" >"$tmp/$id.jsonl" 2>"$tmp/$id.err" || true
  check "decode $id" cmp -s "$tmp/$id.jsonl" "$dir/expected.jsonl" ||
    diff "$dir/expected.jsonl" "$tmp/$id.jsonl" | head -5
done

echo "--- tests/cli/decode_cli_test.sh"
cli=0
bash tests/cli/decode_cli_test.sh "$exporter" tests/data >"$tmp/cli.log" 2>&1 || cli=$?
check "decode_cli_test.sh: $(tail -1 "$tmp/cli.log")" test "$cli" -eq 0 || grep -v '^ok' "$tmp/cli.log"

echo "--- serving a make_capture replay"
"${emulator[@]}" "$build/tests/soak/make_capture" "$tmp/capture.txt" 5 1000 sequence
# The demo meter's key ("DEMO-KEY-NOTREAL", src/source/demo_meter.h), from a 0600 file.
printf '44454D4F2D4B45592D4E4F545245414C\n' >"$tmp/demo.key"
chmod 600 "$tmp/demo.key"
port=
for _ in $(seq 50); do # a port nobody answers on
  candidate=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
"$exporter" --replay.file="$tmp/capture.txt" --replay.rate=max --meter.key-file="$tmp/demo.key" \
  --web.listen-address="127.0.0.1:$port" 2>"$tmp/serve.log" &
server=$!
scraped() {
  curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" >"$tmp/metrics" 2>/dev/null &&
    grep -qx 'smartmeter_voltage_volts{phase="L1"} 5' "$tmp/metrics"
}
for _ in $(seq 100); do scraped && break; sleep 0.2; done
check "/metrics on 127.0.0.1:$port shows the last push (L1 5 V)" scraped ||
  { tail -5 "$tmp/serve.log"; grep '^smartmeter_voltage' "$tmp/metrics" 2>/dev/null || true; }
check "no frame errors" bash -c "! grep -q 'frame error' '$tmp/serve.log'" || :
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
check "exit status 0 after SIGTERM (got $status)" test "$status" -eq 0 || :

echo "$failures smoke check(s) failed"
exit "$failures"
