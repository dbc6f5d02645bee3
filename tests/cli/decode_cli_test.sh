#!/usr/bin/env bash
# End-to-end checks of `smartmeter_exporter decode` (the real binary): formats, input
# forms (hex with separators, binary, stdin), exit statuses, and that keys are never
# echoed. Usage: decode_cli_test.sh BINARY DATA_DIR
set -uo pipefail
bin=$1
data=$2
v=$data/vectors
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then echo "ok   - $name"; else echo "FAIL - $name"; failures=$((failures + 1)); fi
}
contains() { grep -qF -- "$2" "$1"; }
not_contains() { ! grep -qiF -- "$2" "$1"; }

tinetz=$v/AT-TINETZ-KFM-DOC-EXAMPLE
key=$(grep -v '^#' "$tinetz/key.hex" | tr -d '[:space:]')

# JSON: one object per line with the documented fields.
"$bin" decode --format json --key-file "$tinetz/key.hex" "$tinetz/input.hex" >"$tmp/out" 2>"$tmp/err"
check "json exit 0" test $? -eq 0
check "json one line" test "$(wc -l <"$tmp/out")" -eq 1
check "json link" contains "$tmp/out" '"link":"mbus"'
check "json system title" contains "$tmp/out" '"system_title":"4B464D1010000023"'
check "json security" contains "$tmp/out" '"security":{"control":33,"encrypted":true,"authenticated":false,"tag_verified":false}'
check "json meter time" contains "$tmp/out" '"meter_time":"2021-07-19T15:46:35+02:00"'
check "json voltage" contains "$tmp/out" '{"obis":"1.0.32.7.0.255","value":230.8,"unit":"V","raw":2308,"scaler":-1}'
check "json key not echoed" not_contains "$tmp/out" "$key"

# --key on the command line, input on stdin with 0x/commas/newlines.
sed -e '/^#/d' "$tinetz/input.hex" | tr -d '\n' | sed -e 's/\(..\)/0x\1, /g' | fold -w 60 >"$tmp/pasted.txt"
"$bin" decode --format json --key "$key" - <"$tmp/pasted.txt" >"$tmp/out2" 2>&1
check "stdin pasted hex exit 0" test $? -eq 0
check "stdin pasted hex same output" cmp -s "$tmp/out" "$tmp/out2"

# Raw binary input.
sed -e '/^#/d' "$tinetz/input.hex" | tr -d '\n' | xxd -r -p >"$tmp/frame.bin" 2>/dev/null ||
  printf '%s' "$(sed -e '/^#/d' "$tinetz/input.hex" | tr -d '\n' | sed -e 's/\(..\)/\\x\1/g')" >"$tmp/frame.bin"
"$bin" decode --format json --key "$key" "$tmp/frame.bin" >"$tmp/out3" 2>&1
check "binary input same output" cmp -s "$tmp/out" "$tmp/out3"

# Text table.
"$bin" decode --key-file "$tinetz/key.hex" "$tinetz/input.hex" >"$tmp/text" 2>&1
check "text exit 0" test $? -eq 0
check "text voltage row" grep -qE '^  VoltageL1 +230.8 V$' "$tmp/text"
check "text energy row" grep -qE '^  ActiveEnergyImport +9108 Wh$' "$tmp/text"

# Explain: byte ranges with layers, from the line to the values.
"$bin" decode --format explain --key-file "$tinetz/key.hex" "$tinetz/input.hex" >"$tmp/explain" 2>&1
check "explain exit 0" test $? -eq 0
check "explain mbus layer" grep -q ' mbus ' "$tmp/explain"
check "explain security layer" grep -q ' security ' "$tmp/explain"
check "explain axdr layer" grep -q ' axdr ' "$tmp/explain"
check "explain key not echoed" not_contains "$tmp/explain" "$key"

# Wrong key: typed error, exit 1, no values, key not echoed.
wrong=000102030405060708090A0B0C0D0E0F
"$bin" decode --format json --key "$wrong" "$tinetz/input.hex" >"$tmp/wrong" 2>&1
check "wrong key exit 1" test $? -eq 1
check "wrong key error code" contains "$tmp/wrong" '"code":"decrypt"'
check "wrong key no values" not_contains "$tmp/wrong" '"values"'
check "wrong key not echoed" not_contains "$tmp/wrong" "$wrong"

# No key for an encrypted frame.
"$bin" decode --format json "$tinetz/input.hex" >"$tmp/nokey" 2>&1
check "no key exit 1" test $? -eq 1
check "no key error code" contains "$tmp/nokey" '"code":"key"'

# Garbage only.
printf 'this is not a frame at all' >"$tmp/garbage"
"$bin" decode --format json "$tmp/garbage" >"$tmp/g" 2>&1
check "garbage exit 1" test $? -eq 1

# Bad key material and unreadable files: exit 2 with the cause, key not echoed.
"$bin" decode --key 1234 "$tinetz/input.hex" >"$tmp/bad" 2>&1
check "short key exit 2" test $? -eq 2
check "short key message" contains "$tmp/bad" "16 bytes"
"$bin" decode --key-file "$tmp/does-not-exist" "$tinetz/input.hex" >"$tmp/bad2" 2>&1
check "missing key file exit 2" test $? -eq 2
check "missing key file names the file" contains "$tmp/bad2" "$tmp/does-not-exist"
printf '%sZZ\n' "$key" >"$tmp/badkey"
"$bin" decode --key-file "$tmp/badkey" "$tinetz/input.hex" >"$tmp/bad3" 2>&1
check "malformed key file exit 2" test $? -eq 2
check "malformed key file not echoed" not_contains "$tmp/bad3" "$key"
"$bin" decode --format yaml "$tinetz/input.hex" >"$tmp/bad4" 2>&1
check "bad format exit 2" test $? -eq 2

# A plain DSMR P1 telegram (tests/data/vectors-frontier), as hex and as the raw text a
# serial port gives: its values, exit 0; a bad CRC: `checksum`, no values, exit 1.
fluvius=$data/vectors-frontier/dsmr-5.0-be-fluvius-emucs171
"$bin" decode "$fluvius/input.hex" >"$tmp/dsmr" 2>&1
check "dsmr exit 0" test $? -eq 0
check "dsmr link" contains "$tmp/dsmr" "(dsmr, 1 link frame(s), profile dsmr)"
check "dsmr tariff 2 row" grep -qE '^  ActiveEnergyImportT2 +15758 Wh$' "$tmp/dsmr"
check "dsmr voltage row" grep -qE '^  VoltageL1 +234.7 V$' "$tmp/dsmr"
sed -e '/^#/d' "$fluvius/input.hex" | tr -d '\n' | xxd -r -p >"$tmp/telegram.txt" 2>/dev/null ||
  printf '%b' "$(sed -e '/^#/d' "$fluvius/input.hex" | tr -d '\n' | sed -e 's/\(..\)/\\x\1/g')" >"$tmp/telegram.txt"
"$bin" decode "$tmp/telegram.txt" >"$tmp/dsmr2" 2>&1
check "dsmr raw text same output" cmp -s "$tmp/dsmr" "$tmp/dsmr2"
"$bin" decode --format json "$data/vectors-frontier/dsmr-5.0-bad-crc/input.hex" >"$tmp/crc" 2>&1
check "dsmr bad crc exit 1" test $? -eq 1
check "dsmr bad crc code" contains "$tmp/crc" '"code":"checksum"'
check "dsmr bad crc no values" not_contains "$tmp/crc" '"values"'

# Bytes after the last frame (issue 19 item 5): after a closing HDLC flag, or the start of a
# next frame the input cut off, are reported as trailing, not as a failed frame: exit 0. A
# frame that fails after a good one still fails decode; so do trailing bytes with no frame
# before them.
kam=$v/XX-KAM-OMNIPOWER-CENTIVOLT
kamhex=$(sed -e '/^#/d' "$kam/input.hex" | tr -d '[:space:]')
printf '%s001122\n' "$kamhex" >"$tmp/trail.hex"
"$bin" decode --format json "$tmp/trail.hex" >"$tmp/trail" 2>&1
check "trailing bytes exit 0" test $? -eq 0
check "trailing bytes values" contains "$tmp/trail" '"obis":"1.1.32.7.0.255","value":235.93'
check "trailing bytes reported" contains "$tmp/trail" '{"trailing":true,"error":{"code":"decode","layer":"frame"'
printf '%s7EA0E22B21\n' "$kamhex" >"$tmp/cut.hex"
"$bin" decode "$tmp/cut.hex" >"$tmp/cut" 2>&1
check "cut next frame exit 0" test $? -eq 0
check "cut next frame reported" contains "$tmp/cut" 'Trailing bytes at byte 228 (after the last decoded frame; not a failed frame): incomplete'
printf '%s%s00007E\n' "$kamhex" "${kamhex:0:450}" >"$tmp/badfcs.hex"
"$bin" decode --format json "$tmp/badfcs.hex" >"$tmp/badfcs" 2>&1
check "failed frame after a good one exit 1" test $? -eq 1
check "failed frame after a good one not trailing" not_contains "$tmp/badfcs" '"trailing"'
printf '7EA0E22B21\n' >"$tmp/onlycut.hex"
"$bin" decode "$tmp/onlycut.hex" >"$tmp/onlycut" 2>&1
check "cut frame alone exit 1" test $? -eq 1

echo "$failures failure(s)"
test "$failures" -eq 0
