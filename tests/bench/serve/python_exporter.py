#!/usr/bin/env python3
"""A Python prometheus_client exporter serving the same series as smartmeter_exporter.

The side-by-side of scripts/bench-serve.sh. It reads a captured scrape of the demo exporter
(--scrape FILE) and declares the same metric families with prometheus_client's Gauge and
Counter (same names, help texts, label names and label values), served by the library's
own start_http_server(). process_* comes from the library's ProcessCollector, which emits
the same six series as the C++ exporter; the python_gc_* and python_info collectors are
unregistered and the counters' _created series are disabled, so a scrape of both exporters
has the same sample set. A background thread stands in for the meter: once per --interval
it sets every gauge to a slightly different value and increases the counters, the way a
typical Python exporter's reader thread would.

Uses Debian's python3-prometheus-client; run it with /usr/bin/python3.
"""
import argparse
import math
import os
import random
import signal
import sys
import threading
import time

os.environ.setdefault("PROMETHEUS_DISABLE_CREATED_SERIES", "True")

from prometheus_client import (  # noqa: E402  (the environment must be set first)
    GC_COLLECTOR, PLATFORM_COLLECTOR, REGISTRY, Counter, Gauge, start_http_server)
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


def build(scrape_text):
    """[(kind, [(child, value)])]: one Gauge/Counter per family of the captured scrape."""
    built = []
    for family in text_string_to_metric_families(scrape_text):
        if family.name.startswith("process_"):
            continue  # the library's ProcessCollector serves these
        if family.type not in ("gauge", "counter"):
            sys.exit(f"python_exporter: unexpected type {family.type} of {family.name}")
        label_names = list(dict.fromkeys(k for s in family.samples for k in s.labels))
        cls = Gauge if family.type == "gauge" else Counter
        metric = cls(family.name, family.documentation, label_names)
        series = []
        for sample in family.samples:
            child = metric.labels(**sample.labels) if label_names else metric
            if family.type == "gauge":
                child.set(sample.value)
            else:
                child.inc(sample.value)
            series.append((child, sample.value))
        built.append((family.type, series))
    return built


def series_set(text):
    return {(s.name, tuple(sorted(s.labels.items())))
            for family in text_string_to_metric_families(text) for s in family.samples}


def compare(path_a, path_b):
    """KEY=VALUE lines: samples in each scrape and whether both have the same series."""
    with open(path_a, encoding="utf-8") as a, open(path_b, encoding="utf-8") as b:
        set_a, set_b = series_set(a.read()), series_set(b.read())
    for name, (x, y) in (("only in first", (set_a, set_b)), ("only in second", (set_b, set_a))):
        for series in sorted(x - y):
            print(f"python_exporter: {name}: {series}", file=sys.stderr)
    print(f"SAMPLES_A={len(set_a)}")
    print(f"SAMPLES_B={len(set_b)}")
    print(f"SAME_SERIES={'yes' if set_a == set_b else 'no'}")
    return 0 if set_a == set_b else 1


def simulate(built, interval, stop):
    rng = random.Random(1)
    while not stop.wait(interval):
        for kind, series in built:
            for child, value in series:
                if kind == "gauge":
                    if value not in (0, 1):  # _info, _up and _connected stay as they are
                        child.set(value * (1 + rng.uniform(-0.01, 0.01)))
                else:
                    child.inc(math.floor(rng.uniform(0, 3)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scrape", help="captured /metrics of smartmeter_exporter")
    ap.add_argument("--port", type=int)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--interval", type=float, default=1.0, help="simulated frame interval (s)")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"),
                    help="only compare the series of two scrapes and exit")
    args = ap.parse_args()
    if args.compare:
        return compare(*args.compare)
    if args.scrape is None or args.port is None:
        ap.error("--scrape and --port are required")

    for collector in (GC_COLLECTOR, PLATFORM_COLLECTOR):
        REGISTRY.unregister(collector)
    with open(args.scrape, encoding="utf-8") as f:
        built = build(f.read())

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=simulate, args=(built, args.interval, stop), daemon=True).start()
    start_http_server(args.port, addr=args.addr)
    while not stop.wait(3600):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
