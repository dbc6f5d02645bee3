#!/usr/bin/env python3
"""Lint grafana/dashboards/smartmeter.json (python3 stdlib only).

Usage: check_dashboard.py DASHBOARD.json
Checks: stable uid; the DS_PROMETHEUS datasource variable and the job/instance variables;
every panel, target and query variable uses the templated datasource; every target
filters on $job and $instance; every rate()/irate()/increase() range is [$__rate_interval];
the four rows; the EN 50160 band on the voltage panel; unique panel ids.
Also imported by prometheus_e2e.py (panels(), targets()).
"""
import json
import re
import sys

UID = "smartmeter-exporter"
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
ROWS = ["Now", "Energy", "Quality", "Health"]
RATE_FUNCS = ("rate", "irate", "increase")


def panels(dash):
    """All panels, rows included, with the panels of collapsed rows."""
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []) or []:
            yield q


def targets(dash):
    """(panel, target) for every query target of every non-row panel."""
    for p in panels(dash):
        if p.get("type") == "row":
            continue
        for t in p.get("targets", []):
            yield p, t


def rate_call_args(expr):
    """Argument text of every rate()/irate()/increase() call in expr."""
    out = []
    for m in re.finditer(r"\b(%s)\s*\(" % "|".join(RATE_FUNCS), expr):
        depth, i = 1, m.end()
        while i < len(expr) and depth:
            depth += {"(": 1, ")": -1}.get(expr[i], 0)
            i += 1
        out.append((m.group(1), expr[m.end():i - 1]))
    return out


def check(dash):
    errors = []
    err = errors.append
    if dash.get("uid") != UID:
        err(f"uid is {dash.get('uid')!r}, want {UID!r}")
    if dash.get("id") not in (None,):
        err("id must be null (Grafana assigns it)")
    if "__inputs" in dash:
        err("__inputs makes file provisioning fail; use the DS_PROMETHEUS variable instead")

    tvars = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = tvars.get("DS_PROMETHEUS")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        err("templating variable DS_PROMETHEUS (type datasource, query prometheus) missing")
    for name in ("job", "instance"):
        v = tvars.get(name)
        if not v or v.get("type") != "query":
            err(f"query variable {name} missing")
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if not re.fullmatch(r"label_values\(smartmeter_up(\{[^}]*\})?,\s*%s\)" % name, q or ""):
            err(f"variable {name}: query {q!r} is not label_values(smartmeter_up…, {name})")
        if v.get("datasource") != DS:
            err(f"variable {name}: datasource {v.get('datasource')!r}, want {DS}")
    for name, v in tvars.items():
        if v.get("type") == "query" and v.get("datasource") != DS:
            err(f"variable {name}: datasource is not {DS}")

    ids = [p.get("id") for p in panels(dash)]
    if len(ids) != len(set(ids)) or None in ids:
        err(f"panel ids missing or not unique: {ids}")
    rows = [p.get("title") for p in panels(dash) if p.get("type") == "row"]
    if rows != ROWS:
        err(f"rows are {rows}, want {ROWS}")

    n_targets = 0
    for p in panels(dash):
        title = p.get("title")
        if p.get("type") == "row":
            if p.get("targets"):
                err(f"row {title!r} has targets")
            continue
        if "gridPos" not in p:
            err(f"panel {title!r}: no gridPos")
        if p.get("datasource") != DS:
            err(f"panel {title!r}: datasource {p.get('datasource')!r}, want {DS}")
        if not p.get("targets"):
            err(f"panel {title!r}: no targets")
    for p, t in targets(dash):
        n_targets += 1
        where = f"panel {p.get('title')!r} target {t.get('refId')}"
        if t.get("datasource") != DS:
            err(f"{where}: datasource {t.get('datasource')!r}, want {DS}")
        expr = t.get("expr", "")
        if not expr.strip():
            err(f"{where}: empty expr")
            continue
        for sel in re.findall(r"\{([^}]*)\}", expr):
            if 'job=~"$job"' not in sel or 'instance=~"$instance"' not in sel:
                err(f"{where}: selector {{{sel}}} does not filter on $job and $instance")
        for fn, args in rate_call_args(expr):
            ranges = re.findall(r"\[([^\]]*)\]", args)
            if ranges != ["$__rate_interval"]:
                err(f"{where}: {fn}() range {ranges}, want [$__rate_interval]")
        for m in re.finditer(r"\[([^\]]*)\]", expr):
            if "$" in m.group(1) and m.group(1) not in ("$__rate_interval",):
                err(f"{where}: range [{m.group(1)}]: use $__rate_interval")
        if re.search(r"\$(?!job\b|instance\b|__rate_interval\b)", expr):
            err(f"{where}: unexpected variable in {expr!r}")
    if n_targets == 0:
        err("no targets at all")

    volt = [p for p in panels(dash) if p.get("title") == "Voltage per phase"]
    if not volt:
        err("panel 'Voltage per phase' missing")
    else:
        fc = volt[0]["fieldConfig"]["defaults"]
        vals = [s.get("value") for s in fc.get("thresholds", {}).get("steps", [])]
        if 207 not in vals or 253 not in vals:
            err(f"voltage thresholds {vals} do not mark the EN 50160 band 207–253 V")
        if fc.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off") == "off":
            err("voltage thresholds are not shown (thresholdsStyle off)")
    return errors, n_targets


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        dash = json.load(f)
    errors, n = check(dash)
    for e in errors:
        print("ERROR:", e)
    if errors:
        return 1
    print(f"dashboard OK: uid {dash['uid']}, {sum(1 for _ in panels(dash))} panels, {n} targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
