#!/usr/bin/env bash
# Decoder benchmarks (issue 2): tests/bench/pipeline_bench (Google Benchmark) on the two
# bursts, whole pipeline and each layer, next to bare Botan AES-128-CTR over the same
# ciphertext; prints a Markdown table and writes it to build-bench/bench-decode.md.
#
# Times: REPS repetitions (default 9) of each benchmark, pinned to one core (taskset -c
# CPU, default 1), the repetitions of all benchmarks in random order (Google Benchmark's
# random interleaving), so that a busy spell of the machine falls on all of them alike.
# The table shows the fastest repetition of each (the machine is not reserved: other work
# only ever makes a run slower) and the median. The ratio is pipeline / bare AES-CTR of
# the same burst, both fastest, and for the pipeline also both medians. Instructions per
# burst come from callgrind (scripts/count-instructions.sh): independent of the load.
#
#   scripts/bench-decode.sh            # builds build-bench (Release) first
#   REPS=15 scripts/bench-decode.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${BUILD_PACKAGES[@]}" libbenchmark-dev valgrind util-linux python3

BUILD=${BUILD:-build-bench}
REPS=${REPS:-9}
CPU=${CPU:-1}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target pipeline_bench pipeline_count >/dev/null

json=$(mktemp)
trap 'rm -f "$json"' EXIT
taskset -c "$CPU" "$BUILD/tests/bench/pipeline_bench" --benchmark_min_time=0.2 \
  --benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true \
  --benchmark_format=json >"$json" 2>/dev/null

count() { scripts/count-instructions.sh "$BUILD" "$@" | sed 's/.*: \([0-9]*\) instructions.*/\1/'; }
declare -A instr
for burst in ksm e450; do
  instr[$burst]=$(count "$burst")
  instr[aes-$burst]=$(count "aes-$burst")
  for layer in framing unprotect decode; do instr[$burst-$layer]=$(count "$burst" "$layer"); done
done

{
  echo "Decoder benchmarks, $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d), load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg), $REPS repetitions on CPU $CPU"
  echo
  INSTR="$(for k in "${!instr[@]}"; do echo "$k=${instr[$k]}"; done)" python3 - "$json" <<'EOF'
import json, os, statistics, sys
runs = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") == "iteration":
        runs.setdefault(b["run_name"], []).append(b["real_time"])
instr = dict(line.split("=") for line in os.environ["INSTR"].split())
rows = [("KSM West (2 M-Bus segments, SC 0x21)", "KsmWest", "ksm", "BM_Pipeline_KsmWest_MbusBurst"),
        ("L+G E450 (3 HDLC frames, GBT, SC 0x30 + tag)", "E450", "e450",
         "BM_Pipeline_E450_HdlcGbtTagged")]
print("| burst | part | fastest | median | bursts/s (fastest) | vs bare AES-CTR | instructions |")
print("|---|---|---|---|---|---|---|")
for title, name, key, pipeline in rows:
    aes = min(runs["BM_BareAesCtr_" + name])
    aes_median = statistics.median(runs["BM_BareAesCtr_" + name])
    parts = [("whole pipeline", pipeline, key), ("framing", "BM_Framing_" + name, key + "-framing"),
             ("decryption", "BM_Unprotect_" + name, key + "-unprotect"),
             ("decoding", "BM_Decode_" + name, key + "-decode"),
             ("bare AES-128-CTR", "BM_BareAesCtr_" + name, "aes-" + key)]
    for part, bench, ikey in parts:
        t = runs[bench]
        fastest = min(t)
        median = statistics.median(t)
        ratio = f"{fastest / aes:.2f}x"
        if bench == pipeline:
            ratio += f" (median {median / aes_median:.2f}x)"
        print(f"| {title} | {part} | {fastest:.0f} ns | {median:.0f} ns | "
              f"{1e9 / fastest:,.0f} | {ratio} | {int(instr[ikey]):,} |")
EOF
} | tee "$BUILD/bench-decode.md"
