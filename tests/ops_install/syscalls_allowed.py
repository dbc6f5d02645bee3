#!/usr/bin/env python3
"""Check an strace -f log against a unit's SystemCallFilter= (allow list minus deny list).

usage: syscalls_allowed.py STRACE_LOG UNIT_FILE
Prints the system calls the process made that the unit's filter would refuse and exits 1
when there are any. The groups (@system-service, ...) come from `systemd-analyze
syscall-filter` of the installed systemd.
"""
import re
import subprocess
import sys


def groups():
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], check=True,
                         capture_output=True, text=True).stdout
    result, current = {}, None
    for line in out.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        if not line.startswith(" "):
            current = line.strip()
            result[current] = []
        elif current is not None:
            result[current].append(line.strip())
    return result


def expand(names, table, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for name in names:
        if name.startswith("@"):
            if name in seen:
                continue
            seen.add(name)
            out |= expand(table.get(name, []), table, seen)
        else:
            out.add(name)
    return out


def main():
    log, unit = sys.argv[1], sys.argv[2]
    table = groups()
    allow, deny = set(), set()
    for line in open(unit, encoding="utf-8"):
        m = re.match(r"\s*SystemCallFilter=(.*)", line)
        if not m:
            continue
        value = m.group(1).strip()
        if value.startswith("~"):
            deny |= expand(value[1:].split(), table)
        else:
            allow |= expand(value.split(), table)
    allow |= expand(["@default"], table)  # always permitted by systemd
    permitted = allow - deny
    used = set()
    for line in open(log, encoding="utf-8", errors="replace"):
        m = re.match(r"(?:\[pid\s+\d+\]\s+|\d+\s+)?([a-z_0-9]+)\(", line)
        if m:
            used.add(m.group(1))
    used.discard("execve")  # the exec of the binary itself happens before the filter
    refused = sorted(used - permitted)
    print(f"system calls used: {len(used)}; refused by the filter: {refused or 'none'}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
