#!/usr/bin/env python3
"""Live latency of a log-to-metrics exporter: the time from appending a line to the log it
follows until its /metrics shows that line.

   live_latency.py LOG_FILE METRICS_URL METRIC_NAME COUNT INTERVAL_MS

Prints one line "p50 p99 max" in milliseconds on stdout (details on stderr). With the environment
variable LIVE_LATENCY_DUMP=FILE, also writes "seconds-since-start latency-ms" per line to FILE.

How: a writer thread appends COUNT lines of nginx's `main` format, each with one unbuffered
write, on its own clock (INTERVAL_MS apart on average, jittered +-50%). The main thread polls
METRICS_URL as fast as it answers and sums METRIC_NAME's samples; when the sum reaches k, every
line among the first k not yet seen gets latency = time of that poll's answer - time of its
write. The writes do not wait for the exporter ("open loop"): a measurer that writes the next
line a fixed time after the previous one became visible lines its writes up with a polling
exporter's ticks and reports nearly the whole poll period for every line (mtail, which polls
every 250 ms, would show p50 ~ p99 ~ 230 ms instead of the true spread of 0..250 ms).

Before measuring, one warm-up line is written (again every 2 s until it shows): an exporter may
answer /metrics before it follows the file, and some start reading at the file's end.
"""
import os
import random
import sys
import threading
import time
import urllib.request

log_file, url, metric = sys.argv[1], sys.argv[2], sys.argv[3]
count, interval_ms = int(sys.argv[4]), float(sys.argv[5])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def total():
    """The sum of METRIC_NAME's samples (labelled or not) in one scrape."""
    with opener.open(url, timeout=5) as response:
        text = response.read().decode("utf-8", "replace")
    value = 0.0
    for line in text.splitlines():
        if line.startswith(metric) and line[len(metric):len(metric) + 1] in (" ", "{"):
            value += float(line.rsplit(" ", 1)[1])
    return value


def line(i):
    when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    return (f'10.0.{i % 250}.{i % 200} - - [{when}] "GET /api/items/{i} HTTP/1.1" 200 {random.randint(100, 9000)} '
            f'"-" "Mozilla/5.0 (X11; Linux x86_64) bench/1.0" "-"\n').encode()


deadline = time.monotonic() + 30
while True:  # until the exporter answers
    try:
        base = total()
        break
    except Exception:
        if time.monotonic() > deadline:
            sys.exit(f"live_latency: {url} did not answer in 30 s")
        time.sleep(0.05)

log = open(log_file, "ab", buffering=0)
deadline = time.monotonic() + 30
next_warm_up = 0.0
while total() < base + 1:  # warm-up: the exporter follows the file
    now = time.monotonic()
    if now > deadline:
        sys.exit(f"live_latency: warm-up lines did not show on {url} in 30 s")
    if now >= next_warm_up:
        log.write(line(0))
        next_warm_up = now + 2
    time.sleep(0.005)
time.sleep(1)  # a second warm-up line written just before the first showed is counted too
base = total()

written = []  # perf_counter() of each line's write, appended just before the write


def writer():
    for i in range(count):
        time.sleep(interval_ms / 1000 * random.uniform(0.5, 1.5))
        written.append(time.perf_counter())
        log.write(line(i + 1))


thread = threading.Thread(target=writer, daemon=True)
thread.start()
latencies, polls = [], 0
started = time.perf_counter()
last_progress = started
while len(latencies) < count:
    seen = int(total() - base)
    now = time.perf_counter()
    polls += 1
    if seen > len(written):
        sys.exit(f"live_latency: {metric} grew by {seen} but only {len(written)} lines were written")
    if seen > len(latencies):
        latencies.extend((now - t) * 1000 for t in written[len(latencies):seen])
        last_progress = now
    elif now - last_progress > 10 and not thread.is_alive():
        sys.exit(f"live_latency: {count - len(latencies)} of {count} lines not visible 10 s after the last write")
thread.join()
log.close()

elapsed = time.perf_counter() - started
dump = os.environ.get("LIVE_LATENCY_DUMP")
if dump:
    with open(dump, "w") as f:
        f.writelines(f"{t - started:.4f} {ms:.2f}\n" for t, ms in zip(written, latencies))
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"live_latency: {count} lines in {elapsed:.1f} s, {polls} scrapes ({elapsed / polls * 1000:.2f} ms each), "
      f"min {latencies[0]:.1f} ms, mean {sum(latencies) / count:.1f} ms", file=sys.stderr)
print(f"{p(0.50):.1f} {p(0.99):.1f} {latencies[-1]:.1f}")
