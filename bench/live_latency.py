#!/usr/bin/env python3
"""Live latency of a log-to-metrics exporter: append one line at a time to a log it follows and
time how long until its /metrics shows it.

   live_latency.py LOG_FILE METRICS_URL METRIC_NAME COUNT INTERVAL_MS

Each line is appended with one write and flushed; then /metrics is polled as fast as it answers
until the sum of METRIC_NAME's samples has grown by one. Prints p50, p99 and max in milliseconds.
"""
import random
import sys
import time
import urllib.request

log_file, url, metric, count, interval_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])


def total():
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode("utf-8", "replace")
    value = 0.0
    for line in text.splitlines():
        if line.startswith(metric) and (line[len(metric)] in " {"):
            value += float(line.rsplit(" ", 1)[1])
    return value


def line(i):
    when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    return (f'10.0.{i % 250}.{i % 200} - - [{when}] "GET /api/items/{i} HTTP/1.1" 200 {random.randint(100, 9000)} '
            f'"-" "Mozilla/5.0 (X11; Linux x86_64) bench/1.0" "-"\n').encode()


deadline = time.time() + 30
while True:  # wait until the exporter answers
    try:
        before = total()
        break
    except Exception:
        if time.time() > deadline:
            sys.exit(f"{url} did not answer")
        time.sleep(0.05)

latencies = []
with open(log_file, "ab", buffering=0) as log:
    for i in range(count):
        log.write(line(i))
        written = time.perf_counter()
        while total() < before + 1:
            if time.perf_counter() - written > 10:
                sys.exit(f"line {i} not visible after 10 s")
        latencies.append((time.perf_counter() - written) * 1000)
        before += 1
        time.sleep(interval_ms / 1000 * random.uniform(0.5, 1.5))

latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"{p(0.50):.1f} {p(0.99):.1f} {latencies[-1]:.1f}")
