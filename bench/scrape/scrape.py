#!/usr/bin/env python3
"""What a scrape of the watcher shows, and how long it takes, while a writer appends to the log.

   scrape.py WATCHER_BINARY OUT_DIR [TRIALS]

1. The scrape guarantee: the Native AOT watcher (with Watcher:StateDirectory, default settings
   otherwise: it reads every second and when a scrape asks) follows a log that a writer thread appends
   to, one write per line in nginx's `main` format, at 100, then 1,000, then 5,000 lines/s. Each trial
   takes the number of lines flushed so far, then scrapes /metrics at once (one keep-alive connection)
   and sums nginx_http_requests_total: a trial misses when the scrape counts fewer lines than were
   flushed before it was sent. TRIALS (default 10,000) are split over the three rates. Prints the
   trials and misses per rate, and the scrape times (p50 / p99 / max).
2. Scrape time with 500 label sets: another watcher, with a route that gives 500 values
   (`/item/N`: 499 from the path and the route's name), so 500 label sets on every request family, follows a log written at 5,000 lines/s.
   A scraper like Prometheus (one scrape every 100 ms, each a new rendering since lines keep coming)
   and then one scraping back to back each measure 10 s: p50 / p99 / max of the time to answer.
The writer runs in a process of its own (a thread would hold Python's GIL while the scraper times).

Figures are printed, not judged: bench/run.sh compares them with the targets.
"""
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import multiprocessing
import time

watcher_bin, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
trials_total = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line(i, path):
    when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    return (f'10.0.{i % 250}.{i % 200} - - [{when}] "GET {path} HTTP/1.1" 200 {512 + i % 900} '
            f'"-" "Mozilla/5.0 (X11; Linux x86_64) bench/1.0" "-"\n').encode()


def write_lines(path, per_second, paths, flushed, stop):
    """Appends lines at a steady rate, one os.write each (O_APPEND); flushed counts those written."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    start = time.perf_counter()
    i = 0
    while not stop.value:
        due = int((time.perf_counter() - start) * per_second)
        while i < due and not stop.value:
            os.write(fd, line(i, random.choice(paths)))
            i += 1
            flushed.value = i  # after the write returned: the line is in the file
        time.sleep(0.0005)
    os.close(fd)


class Writer:
    """The writer in a process of its own, so the scraper's timings do not wait for it (Python's GIL)."""

    def __init__(self, path, per_second, paths):
        self._flushed = multiprocessing.Value("q", 0, lock=False)
        self._stop = multiprocessing.Value("b", 0, lock=False)
        self._process = multiprocessing.Process(target=write_lines, args=(path, per_second, paths, self._flushed, self._stop), daemon=True)

    @property
    def flushed(self):
        return self._flushed.value

    def start(self):
        self._process.start()

    def stop(self):
        self._stop.value = 1
        self._process.join()


class Scraper:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def requests(self):
        """(sum of nginx_http_requests_total, seconds the scrape took)."""
        started = time.perf_counter()
        self.conn.request("GET", "/metrics")
        body = self.conn.getresponse().read().decode("utf-8", "replace")
        took = time.perf_counter() - started
        total = 0
        for text in body.splitlines():
            if text.startswith("nginx_http_requests_total"):
                total += float(text.rsplit(" ", 1)[1])
        return int(total), took, len(body)


def start_watcher(log, state, extra, name):
    port = free_port()
    os.makedirs(state, exist_ok=True)
    for stale in os.listdir(state):
        os.remove(os.path.join(state, stale))
    process = subprocess.Popen(
        [watcher_bin, f"--Watcher:Path={log}", f"--Watcher:StateDirectory={state}", f"--Http:Port={port}",
         "--Watcher:SummaryInterval=00:00:00", *extra],
        stdout=open(os.path.join(out, f"{name}.out"), "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        try:
            Scraper(port).requests()
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"scrape: the watcher did not answer; see {out}/{name}.out")
            time.sleep(0.05)


def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return pick(0.5) * 1000, pick(0.99) * 1000, values[-1] * 1000


shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
processes = []
try:
    # 1. The guarantee.
    log = os.path.join(out, "guarantee.log")
    open(log, "wb").close()
    watcher, port = start_watcher(log, os.path.join(out, "state-guarantee"), [], "watcher-guarantee")
    processes.append(watcher)
    scraper = Scraper(port)
    print("the scrape guarantee (watcher with StateDirectory, reading every 1 s and when scraped):")
    all_trials = all_misses = 0
    rates = (100, 1000, 5000)
    for index, rate in enumerate(rates):
        writer = Writer(log, rate, ["/", "/index.html", "/api/items/1"])
        writer.start()
        time.sleep(0.2)
        trials = trials_total // len(rates) + (trials_total % len(rates) if index == len(rates) - 1 else 0)
        misses, times, first_miss = 0, [], ""
        for trial in range(trials):
            flushed = writer.flushed
            counted, took, _ = scraper.requests()
            times.append(took)
            if counted < flushed:
                misses += 1
                first_miss = first_miss or f"trial {trial}: {counted} counted, {flushed} flushed before the scrape"
        writer.stop()
        time.sleep(0.2)
        exact = scraper.requests()[0]
        p50, p99, top = percentiles(times)
        print(f"  {rate:>5} lines/s: {trials} trials, {misses} misses{' (' + first_miss + ')' if first_miss else ''};"
              f" scrape p50 / p99 / max {p50:.2f} / {p99:.2f} / {top:.2f} ms; after the writer stopped {exact} counted")
        all_trials += trials
        all_misses += misses
    lines_written = sum(1 for _ in open(log, "rb"))
    final = scraper.requests()[0]
    print(f"  in all: {all_trials} trials, {all_misses} misses; {final} of {lines_written} lines counted"
          f" ({'exact' if final == lines_written else 'NOT exact'})")
    print(f"GUARANTEE {all_trials} {all_misses} {'exact' if final == lines_written else 'inexact'}")
    watcher.send_signal(signal.SIGTERM)
    watcher.wait(10)

    # 2. Scrape time with 500 label sets, 5,000 lines/s.
    log = os.path.join(out, "labels.log")
    paths = [f"/item/{i}" for i in range(500)]
    with open(log, "wb") as f:
        f.writelines(line(i, p) for i, p in enumerate(paths))
    route = ["--Watcher:Routes:0:Name=item", "--Watcher:Routes:0:Regex=^/item/(?<id>[0-9]+)$",
             "--Watcher:Routes:0:Replacement=/item/${id}", "--Watcher:Routes:0:MaxValues=499"]
    watcher, port = start_watcher(log, os.path.join(out, "state-labels"), route, "watcher-labels")
    processes.append(watcher)
    writer = Writer(log, 5000, paths)
    writer.start()
    scraper = Scraper(port)
    _, _, size = scraper.requests()
    for name, pause in (("one scrape every 100 ms", 0.1), ("back to back", 0.0)):
        times, until = [], time.monotonic() + 10
        while time.monotonic() < until:
            _, took, size = scraper.requests()
            times.append(took)
            if pause:
                time.sleep(pause)
        p50, p99, top = percentiles(times)
        print(f"scrape time, 500 label sets ({size:,} bytes), 5,000 lines/s written, {name}: {len(times)} scrapes,"
              f" p50 / p99 / max {p50:.2f} / {p99:.2f} / {top:.2f} ms")
        print(f"SCRAPE_TIME {'paced' if pause else 'b2b'} {p50:.2f} {p99:.2f} {top:.2f}")
    writer.stop()
finally:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
