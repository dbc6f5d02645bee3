#!/usr/bin/env bash
# Long reliability runs of smartmeter_exporter (issue 6); the bounded versions run in
# scripts/test.sh. Writes a Markdown summary to build-stress/stress-report.md (quoted in the
# README's Reliability section); raw logs go to build-stress/logs/.
#
#   1. fuzzing: every libFuzzer target of tests/fuzz (clang, ASan+UBSan, the build-fuzz/
#      tree that scripts/test.sh uses) for STRESS_FUZZ_SECONDS each, STRESS_JOBS at a time,
#      on a corpus kept in build-stress/corpus/<target> (it grows from run to run), seeded
#      from the real vectors (config files for fuzz_config). Recorded: executions, exec/s,
#      coverage (libFuzzer's cov: edges and ft: features), corpus size, findings (crash,
#      leak, timeout and oom reproducers: each one must become a regression test).
#   2. load: wrk -t2 -c100 for STRESS_WRK_SECONDS on /metrics, then on /, while the exporter
#      decodes real ciphered demo pushes arriving at 10/s (a timed capture replayed in real
#      time); errors, p50/p99 latency, RSS before and after (growth must stay < 1 MiB).
#   3. soak: STRESS_VALGRIND_FRAMES pushes replayed at the maximum rate under valgrind
#      memcheck (tests/soak/valgrind_replay.sh: no invalid access, nothing definitely or
#      indirectly lost), and the same replay without valgrind for its peak RSS.
# Exit status non-zero when a check fails (a fuzzer finding, wrk errors, RSS growth, a leak).
#
# Environment: STRESS_FUZZ_SECONDS (default 600), STRESS_JOBS (2), STRESS_WRK_SECONDS (60),
# STRESS_VALGRIND_FRAMES (100000), STRESS_FUZZERS (default: all, e.g. "fuzz_frame fuzz_config"),
# SKIP_FUZZ=1, SKIP_LOAD=1, SKIP_VALGRIND=1. Default run: about 35 min on 2 cores plus builds.
# Quick check that everything works: STRESS_FUZZ_SECONDS=20 STRESS_WRK_SECONDS=5 STRESS_VALGRIND_FRAMES=500
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/deps.sh
ensure_packages "${BUILD_PACKAGES[@]}" clang-"$CLANG_VERSION" libclang-rt-"$CLANG_VERSION"-dev wrk valgrind curl python3 procps

FUZZ_SECONDS=${STRESS_FUZZ_SECONDS:-600}
JOBS=${STRESS_JOBS:-2}
WRK_SECONDS=${STRESS_WRK_SECONDS:-60}
VALGRIND_FRAMES=${STRESS_VALGRIND_FRAMES:-100000}
OUT=$ROOT/build-stress
LOGS=$OUT/logs
REPORT=$OUT/stress-report.md
export LC_ALL=C

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
T0=$SECONDS
say() { echo "==> [+$((SECONDS - T0))s] $*"; }
die() { echo "stress: $*" >&2; exit 1; }
FAILED=()
fail() { echo "stress: FAILED: $*" >&2; FAILED+=("$*"); }
fmt_int() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

mkdir -p "$LOGS"
LOAD_START=$(loadavg)
SECTIONS=()

# ---- builds ------------------------------------------------------------------------------
say "build (gcc) in build-stress/"
cmake -S . -B "$OUT/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSM_BUILD_TESTS=ON \
  -DSM_BUILD_BENCH=OFF >/dev/null
cmake --build "$OUT/build" -j "$JOBS" --target smartmeter_exporter make_capture >/dev/null
EXPORTER=$OUT/build/smartmeter_exporter
MAKE_CAPTURE=$OUT/build/tests/soak/make_capture
REVISION=$("$EXPORTER" --version | head -1)

# ---- 1. fuzzing ------------------------------------------------------------------------------
fuzz_stat() { # LOG KEY: a stat:: value of libFuzzer's -print_final_stats
  sed -n "s/^stat::$2: *//p" "$1" | tail -1
}
fuzz_last() { # LOG FIELD: the last value libFuzzer printed for cov: / ft: / corp:
  grep -oE "$2: [0-9]+(/[0-9a-zA-Z]+)?" "$1" | tail -1 | sed "s/^$2: //"
}
start_fuzzer() { # NAME SEEDS: in the background; its pid in $!
  local name=$1 seeds=$2 dir=$OUT/fuzz/$1 corpus=$OUT/corpus/$1
  mkdir -p "$dir" "$corpus"
  rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
  ASAN_OPTIONS=detect_leaks=1 "$FUZZ_BUILD/tests/fuzz/$name" -max_total_time="$FUZZ_SECONDS" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/" \
    "$corpus" "$seeds" >"$LOGS/$name.log" 2>&1 &
}
declare -A FUZZ_NAME=()
wait_fuzzer() { # PID: waits and records the exit status
  local status=0
  wait "$1" || status=$?
  echo "$status" >"$OUT/fuzz/${FUZZ_NAME[$1]}/status"
}
if [ "${SKIP_FUZZ:-0}" = 1 ]; then
  SECTIONS+=("### Fuzzing"$'\n\n'"Skipped (SKIP_FUZZ=1).")
else
  FUZZ_BUILD=$ROOT/build-fuzz
  say "fuzz build (clang, ASan+UBSan, libFuzzer) in build-fuzz/"
  CC=clang-$CLANG_VERSION CXX=clang++-$CLANG_VERSION cmake -S . -B "$FUZZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSM_WERROR=ON -DSM_FUZZ=ON -DSM_BUILD_BENCH=OFF >/dev/null
  FUZZERS=${STRESS_FUZZERS:-$(cd "$ROOT/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//' | tr '\n' ' ')}
  # shellcheck disable=SC2086 # one target name per word
  cmake --build "$FUZZ_BUILD" -j "$JOBS" --target make_seeds $FUZZERS >/dev/null
  SEEDS=$FUZZ_BUILD/tests/fuzz/seeds
  "$FUZZ_BUILD/tests/fuzz/make_seeds" "$ROOT/tests/data/vectors" "$SEEDS" >/dev/null
  FUZZ_LOAD=$(loadavg)
  say "fuzzing $(wc -w <<<"$FUZZERS") targets for ${FUZZ_SECONDS}s each, $JOBS at a time"
  running=()
  for f in $FUZZERS; do
    seeds=$SEEDS
    [ "$f" = fuzz_config ] && seeds=$FUZZ_BUILD/tests/fuzz/seeds-config
    [ -x "$FUZZ_BUILD/tests/fuzz/$f" ] || die "no fuzzer $f in $FUZZ_BUILD/tests/fuzz"
    start_fuzzer "$f" "$seeds"
    FUZZ_NAME[$!]=$f
    running+=($!)
    PIDS+=($!)
    if [ "${#running[@]}" -ge "$JOBS" ]; then
      wait_fuzzer "${running[0]}"
      running=("${running[@]:1}")
    fi
  done
  for pid in "${running[@]}"; do wait_fuzzer "$pid"; done
  PIDS=()
  table="| target | seconds | executions | exec/s | coverage (edges) | features | corpus files | peak RSS | findings |"$'\n'
  table+="|---|---:|---:|---:|---:|---:|---:|---:|---|"
  total_execs=0
  for f in $FUZZERS; do
    log=$LOGS/$f.log dir=$OUT/fuzz/$f
    execs=$(fuzz_stat "$log" number_of_executed_units)
    rate=$(fuzz_stat "$log" average_exec_per_sec)
    rss=$(fuzz_stat "$log" peak_rss_mb)
    cov=$(fuzz_last "$log" cov)
    ft=$(fuzz_last "$log" ft)
    corpus=$(find "$OUT/corpus/$f" -type f | wc -l)
    findings=$(cd "$dir" && ls crash-* leak-* timeout-* oom-* 2>/dev/null | tr '\n' ' ' || true)
    status=$(cat "$dir/status")
    if [ -n "$findings" ] || [ "$status" != 0 ] || [ -z "$execs" ]; then
      fail "$f: exit status $status, findings: ${findings:-none} (see $log)"
      findings="**${findings:-exit status $status}**"
    else
      findings="none"
    fi
    total_execs=$((total_execs + ${execs:-0}))
    table+=$'\n'"| \`$f\` | $FUZZ_SECONDS | $(fmt_int "${execs:-0}") | $(fmt_int "${rate:-0}") | ${cov:-?} | ${ft:-?} | $corpus | ${rss:-?} MB | $findings |"
    echo "    $f: $(fmt_int "${execs:-0}") executions, cov ${cov:-?}, ft ${ft:-?}, corpus $corpus, findings $findings"
  done
  SECTIONS+=("### Fuzzing"$'\n\n'"libFuzzer with ASan+UBSan (leak detection on), $JOBS targets at a time, load average $FUZZ_LOAD at the start. $(fmt_int "$total_execs") executions in all; the corpus in \`build-stress/corpus/\` carries over to the next run."$'\n\n'"$table")
fi

# ---- 2. load --------------------------------------------------------------------------------
if [ "${SKIP_LOAD:-0}" = 1 ]; then
  SECTIONS+=("### Load"$'\n\n'"Skipped (SKIP_LOAD=1).")
else
  say "load: wrk -t2 -c100 ${WRK_SECONDS}s on /metrics and /, pushes arriving at 10/s"
  pushes=$(((2 * WRK_SECONDS + 30) * 10))
  "$MAKE_CAPTURE" "$OUT/load-capture.txt" "$pushes" 100000 demo
  printf '44454D4F2D4B45592D4E4F545245414C\n' >"$OUT/demo.key"
  chmod 600 "$OUT/demo.key"
  port=$(free_port)
  "$EXPORTER" --replay.file="$OUT/load-capture.txt" --meter.key-file="$OUT/demo.key" \
    --web.listen-address="127.0.0.1:$port" --meter.stale-after=5s >"$LOGS/load-exporter.log" 2>&1 &
  EXPORTER_PID=$!
  PIDS+=("$EXPORTER_PID")
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.1; done
  sleep 2 # a few pushes decoded
  frames() { curl -sf --max-time 10 "http://127.0.0.1:$port/metrics" | awk '$1 == "smartmeter_frames_total" {print $2}'; }
  rss_start=$(status_kib "$EXPORTER_PID" VmRSS)
  # A short warm-up first: CivetWeb's worker threads and their malloc arenas come to life
  # on the first load; growth is measured from there.
  wrk -t2 -c100 -d3s "http://127.0.0.1:$port/metrics" >"$LOGS/wrk-warmup.txt" 2>&1 || fail "wrk warm-up failed"
  rss0=$(status_kib "$EXPORTER_PID" VmRSS)
  frames0=$(frames)
  rows=""
  load_ok=1
  for path in /metrics /; do
    name=$([ "$path" = / ] && echo landing || echo metrics)
    wrk_load=$(loadavg)
    wrk -t2 -c100 -d"${WRK_SECONDS}s" --latency -s "$ROOT/tests/bench/serve/wrk_report.lua" \
      "http://127.0.0.1:$port$path" >"$LOGS/wrk-$name.txt" 2>&1 || fail "wrk $path failed"
    line=$(grep '^WRK ' "$LOGS/wrk-$name.txt" || true)
    [ -n "$line" ] || { fail "no wrk summary for $path"; continue; }
    declare -A w=()
    for kv in ${line#WRK }; do w[${kv%%=*}]=${kv#*=}; done
    errors=$((w[connect] + w[read] + w[write] + w[timeout] + w[status]))
    rps=$(awk -v r="${w[requests]}" -v d="${w[duration_us]}" 'BEGIN {printf "%d", r / (d / 1e6)}')
    p50=$(awk -v u="${w[p50_us]}" 'BEGIN {printf "%.2f ms", u / 1000}')
    p99=$(awk -v u="${w[p99_us]}" 'BEGIN {printf "%.2f ms", u / 1000}')
    rows+=$'\n'"| \`$path\` | $(fmt_int "${w[requests]}") | $(fmt_int "$rps") | $p50 | $p99 | $errors (connect ${w[connect]}, read ${w[read]}, write ${w[write]}, timeout ${w[timeout]}, non-2xx ${w[status]}) | $wrk_load |"
    echo "    $path: $(fmt_int "${w[requests]}") requests, p99 $p99, errors $errors"
    [ "$errors" = 0 ] || { load_ok=0; fail "wrk $path: $errors errors"; }
  done
  kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter died under load (see $LOGS/load-exporter.log)"
  rss1=$(status_kib "$EXPORTER_PID" VmRSS)
  hwm=$(status_kib "$EXPORTER_PID" VmHWM)
  frames1=$(frames)
  growth=$((rss1 - rss0))
  [ "$growth" -lt 1024 ] || fail "RSS grew by $growth KiB under load (limit 1 MiB)"
  decoded=$((frames1 - frames0))
  expected=$((2 * WRK_SECONDS * 10))
  [ "$decoded" -ge $((expected * 9 / 10)) ] || fail "only $decoded pushes decoded during the load (expected about $expected)"
  kill -TERM "$EXPORTER_PID"
  wait "$EXPORTER_PID" || fail "exporter exit status $? after SIGTERM"
  PIDS=() # waited for: never signal that pid again
  SECTIONS+=("### Load"$'\n\n'"\`wrk -t2 -c100 -d${WRK_SECONDS}s --latency\` against the exporter (\`$REVISION\`, RelWithDebInfo) while it decoded $decoded real ciphered pushes (10/s, demo meter frames, AES-GCM, two M-Bus segments each)."$'\n\n'"| path | requests | requests/s | p50 | p99 | errors | load before |"$'\n'"|---|---:|---:|---:|---:|---|---|$rows"$'\n\n'"RSS $rss_start KiB at the start, $rss0 KiB after a 3 s warm-up run, $rss1 KiB after both runs: growth $growth KiB (limit 1024 KiB); peak VmHWM $hwm KiB.")
fi

# ---- 3. soak under valgrind ------------------------------------------------------------------
if [ "${SKIP_VALGRIND:-0}" = 1 ]; then
  SECTIONS+=("### Soak"$'\n\n'"Skipped (SKIP_VALGRIND=1).")
else
  say "soak: $VALGRIND_FRAMES pushes at the maximum rate under valgrind memcheck"
  soak=$OUT/soak
  rm -rf "$soak"
  vg_status=0
  bash "$ROOT/tests/soak/valgrind_replay.sh" "$EXPORTER" "$MAKE_CAPTURE" "$VALGRIND_FRAMES" "$soak" \
    >"$LOGS/valgrind-replay.txt" 2>&1 || vg_status=$?
  cat "$LOGS/valgrind-replay.txt"
  [ "$vg_status" = 0 ] || fail "valgrind replay (see $LOGS/valgrind-replay.txt and $soak/valgrind.log)"
  vg_summary=$(grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|in use at exit|total heap usage" \
    "$soak/valgrind.log" | sed 's/^==[0-9]*== *//; s/^/    /')
  vg_time=$(sed -n 's/.* pushes in \([0-9]*s\) under valgrind.*/\1/p' "$LOGS/valgrind-replay.txt")
  # The same replay natively, for the peak RSS (valgrind's own would be meaningless).
  native=$(python3 - "$EXPORTER" "$soak/capture.txt" "$soak/demo.key" <<'EOF'
import os, resource, subprocess, sys, time
exporter, capture, key = sys.argv[1:]
with open(key, "w") as f:
    f.write("44454D4F2D4B45592D4E4F545245414C\n")
os.chmod(key, 0o600)
t0 = time.monotonic()
p = subprocess.run([exporter, f"--replay.file={capture}", "--replay.rate=max",
                    "--replay.exit-at-end", f"--meter.key-file={key}",
                    "--web.listen-address=127.0.0.1:0"], capture_output=True, text=True)
elapsed = time.monotonic() - t0
assert p.returncode == 0, p.stderr
assert "frame error" not in p.stderr, p.stderr
print(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {elapsed:.2f}")
EOF
  ) || { fail "native replay failed"; native="? ?"; }
  capture_mib=$(du -m "$soak/capture.txt" | cut -f1)
  SECTIONS+=("### Soak"$'\n\n'"$(fmt_int "$VALGRIND_FRAMES") demo pushes (real ciphered frames, rising invocation counter) replayed at the maximum rate (\`--replay.rate=max --replay.exit-at-end\`) under \`valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect\`: $([ "$vg_status" = 0 ] && echo "clean" || echo "**failed**") in ${vg_time:-?}. Memcheck's summary:"$'\n\n'"$vg_summary"$'\n\n'"The same replay without valgrind: peak RSS ${native%% *} KiB (the ${capture_mib} MiB capture file is read whole into memory first), ${native#* } s.")
fi

# ---- report -----------------------------------------------------------------------------------
{
  echo "## Stress run"
  echo
  echo "\`scripts/stress.sh\` on $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(date -u +%Y-%m-%d), \`$REVISION\`."
  echo "Load average $LOAD_START at the start, $(loadavg) at the end (the machine is not reserved)."
  echo
  for s in "${SECTIONS[@]}"; do echo "$s"; echo; done
  if [ "${#FAILED[@]}" -eq 0 ]; then
    echo "Result: every check passed."
  else
    echo "Result: **${#FAILED[@]} check(s) failed**:"
    for f in "${FAILED[@]}"; do echo "- $f"; done
  fi
} >"$REPORT"
say "report: $REPORT"
cat "$REPORT"
[ "${#FAILED[@]}" -eq 0 ]
