#!/usr/bin/env bash
# Replays FRAMES demo pushes (real ciphered M-Bus frames, rising invocation counter) at the
# maximum rate through the real exporter under valgrind memcheck, and fails on any memory
# error or definitely/indirectly lost block, on a frame that did not decode, or on an
# unclean exit. Exit 77 (skipped) without valgrind.
#   valgrind_replay.sh EXPORTER MAKE_CAPTURE FRAMES [OUT_DIR]
# OUT_DIR (default: a temporary folder) keeps the capture, valgrind's log and the
# exporter's stderr.
set -uo pipefail
exporter=$1 make_capture=$2 frames=$3
out=${4:-}
command -v valgrind >/dev/null || { echo "SKIPPED: valgrind missing (Debian package valgrind)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "$out" ] || out=$tmp
mkdir -p "$out"

"$make_capture" "$out/capture.txt" "$frames" 1000 demo || { echo "FAIL: make_capture"; exit 1; }
# The demo key, from a 0600 file (never on the command line).
printf '44454D4F2D4B45592D4E4F545245414C\n' >"$tmp/demo.key"
chmod 600 "$tmp/demo.key"

start=$SECONDS
valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  --track-origins=no --log-file="$out/valgrind.log" \
  "$exporter" --replay.file="$out/capture.txt" --replay.rate=max --replay.exit-at-end \
  --meter.key-file="$tmp/demo.key" --web.listen-address=127.0.0.1:0 --log.level=info \
  2>"$out/exporter.log"
status=$?
elapsed=$((SECONDS - start))
failures=0
check() { # NAME CONDITION...
  local name=$1
  shift
  if "$@"; then echo "ok   - $name"; else echo "FAIL - $name"; failures=$((failures + 1)); fi
}
check "exit status 0 under valgrind (got $status; 99 = memcheck errors or leaks)" test "$status" -eq 0
check "capture replayed to its end" grep -q "capture replayed; exiting" "$out/exporter.log"
check "frames decoded" grep -q "first good frame decoded" "$out/exporter.log"
check "no frame error of any kind" bash -c "! grep -q 'frame error' '$out/exporter.log'"
check "no memcheck errors" grep -q "ERROR SUMMARY: 0 errors" "$out/valgrind.log"
check "nothing definitely lost" bash -c "! grep -qE 'definitely lost: [1-9]' '$out/valgrind.log'"
echo "$frames pushes in ${elapsed}s under valgrind; summary:"
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|total heap usage" "$out/valgrind.log" | sed 's/^==[0-9]*== /    /'
if [ "$failures" -ne 0 ]; then
  echo "--- exporter stderr (tail)"; tail -20 "$out/exporter.log"
  echo "--- valgrind log (head)"; head -60 "$out/valgrind.log"
  exit 1
fi
