#!/usr/bin/env bash
# Every C++ file in the repository is formatted as .clang-format says, by Debian's clang-format:
# 14 on bookworm, 19 on trixie (the code is written so that both agree). Prints the files that
# are not and exits 1; without clang-format it says SKIPPED and exits 0.
# Fix with: git ls-files '*.cpp' '*.h' | xargs clang-format -i
# usage: check_format.sh SOURCE_DIR
set -euo pipefail
cd "${1:?usage: check_format.sh SOURCE_DIR}"
if ! command -v clang-format >/dev/null; then
  echo "SKIPPED: clang-format not installed (Debian package clang-format)"
  exit 0
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find src tests -name '*.cpp' -o -name '*.h')
[ "${#files[@]}" -gt 0 ] || { echo "no C++ files found"; exit 1; }
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
  printf 'not clang-formatted: %s\n' "${bad[@]}"
  echo "fix: clang-format -i ${bad[*]}"
  exit 1
fi
echo "ok: ${#files[@]} files formatted as .clang-format says ($(clang-format --version))"
