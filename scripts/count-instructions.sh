#!/usr/bin/env bash
# Instructions per burst of the decoding pipeline (or one layer of it), from two callgrind
# runs of tests/bench/pipeline_count (1000 and 2000 pushes; the difference / 1000 leaves
# start-up out). Independent of the machine's load, unlike pipeline_bench's times.
#   scripts/count-instructions.sh BUILD_DIR ksm|e450|aes-ksm|aes-e450 [framing|unprotect|decode]
# SM_CALLGRIND: the command that runs callgrind (default: valgrind --tool=callgrind); for an ARM
# build, scripts/count-instructions-arm.sh sets it to callgrind run under qemu-user.
set -euo pipefail
build=$1
shift
tool="$build/tests/bench/pipeline_count"
read -r -a callgrind <<<"${SM_CALLGRIND:-valgrind --tool=callgrind}"
count() {
  "${callgrind[@]}" --callgrind-out-file=/dev/null "$tool" "$1" "$2" ${3:+"$3"} 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
one=$(count "$1" 1000 ${2:+"$2"})
two=$(count "$1" 2000 ${2:+"$2"})
[ -n "$one" ] && [ -n "$two" ] || { echo "callgrind gave no count for $1 ${2:-}" >&2; exit 1; }
echo "$1${2:+ $2}: $(((two - one) / 1000)) instructions per burst"
