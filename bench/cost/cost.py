#!/usr/bin/env python3
"""What the watcher costs beside a real nginx at the rates pods really see.

   cost.py WATCHER_BINARY OUT_DIR MTAIL_PROGS_DIR [SECONDS [FLOOR_BINARY]]

Starts Debian's nginx (one worker, the official image's `main` format, a small static page) on
127.0.0.1, the Native AOT watcher following its access log with `Watcher:StateDirectory`, and
mtail (Debian's `apache_combined.mtail`) following the same log. Then, for each phase:

  idle                nothing for SECONDS (default 10)
  100/s, 1000/s, 5000/s   paced by `hey -q` (at most 1,000 req/s per keep-alive connection)
  full                `wrk -t2 -c16`, unpaced
  wrk, watcher only   the same with mtail and the floor stopped (SIGSTOP; they catch up after)
  wrk, no follower    the same with every follower stopped: nginx's own rate on this machine

Each phase ends with one scrape of each exporter that shows every line (as Prometheus, which scrapes
every 15 to 60 s, would): the watcher reads when a scrape asks, so that scrape's read is part of the
phase's cost. The last two phases give nginx's requests/s with the watcher beside it as a share of its
rate with no follower at all, in the same run.

it reads each process's CPU time before the load starts and after both exporters show every line
(the sum of `/proc/PID/task/*/schedstat`, in ns: the tick-based utime/stime of /proc/PID/stat are too
coarse at 100 req/s), and prints per phase: the achieved rate, nginx's worker CPU, the watcher's CPU
as a share of it and in µs per line, the watcher's thread count at the start and the end, its peak
RSS, whether its count is exact, and mtail's CPU share and count beside it. With FLOOR_BINARY
(bench/cost/floor.c, built by bench/run.sh) a third follower runs on the same log: the least a
follower that wakes on each write can cost here (inotify, a read to the end, newlines counted,
nothing else). Its µs per line is the machine's price of a wake-up, and the watcher's µs per line
is printed as a multiple of it.

Figures are printed, not judged: the caller compares them with the targets.
"""
import os
import threading
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

watcher_bin, out, progs = (os.path.abspath(a) for a in sys.argv[1:4])
seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 10
floor_bin = os.path.abspath(sys.argv[5]) if len(sys.argv) > 5 else None
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

MAIN = ('\'$remote_addr - $remote_user [$time_local] "$request" \'\n'
        '      \'$status $body_bytes_sent "$http_referer" \'\n'
        '      \'"$http_user_agent" "$http_x_forwarded_for"\'')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_seen = {}  # (pid, tid) -> the thread's CPU in ns when last read: a thread that exits keeps its time
_seen_lock = threading.Lock()


def cpu_ns(pid):
    """CPU time of every thread pid has had since it was first looked at, in ns.

    The sum over the live threads alone goes down when a thread exits (the .NET thread pool retires idle
    workers), so each thread's last reading is kept; a sampler (sample_threads) reads every 50 ms, so an
    exiting thread loses at most what it ran in its last 50 ms.
    """
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                ns = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
        with _seen_lock:
            _seen[(pid, task)] = max(ns, _seen.get((pid, task), 0))
    with _seen_lock:
        return sum(ns for (p, _), ns in _seen.items() if p == pid)


def sample_threads(pids, stop):
    """Reads every thread of pids every 50 ms until stop is set (see cpu_ns)."""
    while not stop.wait(0.05):
        for pid in pids:
            try:
                cpu_ns(pid)
            except (FileNotFoundError, ProcessLookupError):
                pass


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def scrape_sum(url, metric):
    try:
        with opener.open(url, timeout=5) as response:
            text = response.read().decode("utf-8", "replace")
    except OSError:
        return -1
    total = 0.0
    for line in text.splitlines():
        if line.startswith(metric) and line[len(metric):len(metric) + 1] in (" ", "{"):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def log_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


os.makedirs(out, exist_ok=True)
for name in ("html", "tmp", "state", "logs"):
    os.makedirs(os.path.join(out, name), exist_ok=True)
for stale in os.listdir(os.path.join(out, "state")):
    os.remove(os.path.join(out, "state", stale))
log = os.path.join(out, "logs", "access.log")  # alone in its folder: other files' writes wake no follower
open(log, "wb").close()
with open(os.path.join(out, "html", "index.html"), "w") as f:
    f.write("<html><body>hello from the cost benchmark</body></html>\n" * 8)

nginx_port, watcher_port, mtail_port = free_port(), free_port(), free_port()
tmp = os.path.join(out, "tmp")
conf = os.path.join(out, "nginx.conf")
with open(conf, "w") as f:
    f.write(f"""daemon off;
master_process on;
worker_processes 1;
user root;
pid {out}/nginx.pid;
error_log {out}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  log_format main {MAIN};
  access_log {log} main;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{nginx_port};
    root {out}/html;
    location / {{ }}
  }}
}}
""")

procs = []


def start(command, **kwargs):
    p = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=open(kwargs.pop("log"), "wb"), **kwargs)
    procs.append(p)
    return p


def stop_all():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


try:
    nginx = start(["nginx", "-c", conf], log=os.path.join(out, "nginx.out"))
    url = f"http://127.0.0.1:{nginx_port}/"
    if not wait_for(lambda: subprocess.call(["curl", "-s", "-o", "/dev/null", url]) == 0, 10):
        sys.exit("cost: nginx did not start; see " + out)
    workers = [int(x) for x in subprocess.check_output(["pgrep", "-P", str(nginx.pid)]).split()]
    worker = workers[0]

    watcher = start([watcher_bin, f"--Watcher:Path={log}", f"--Watcher:StateDirectory={out}/state",
                     f"--Http:Port={watcher_port}", "--Watcher:SummaryInterval=00:00:00"],
                    log=os.path.join(out, "watcher.out"))
    mtail = start(["mtail", "--progs", progs, "--logs", log, "--port", str(mtail_port), "--address", "127.0.0.1",
                   "--logtostderr"], log=os.path.join(out, "mtail.out"))
    floor = start([floor_bin, os.path.dirname(log), log], log=os.path.join(out, "floor.out")) if floor_bin else None
    w_url = f"http://127.0.0.1:{watcher_port}/metrics"
    m_url = f"http://127.0.0.1:{mtail_port}/metrics"
    if not wait_for(lambda: scrape_sum(w_url, "watcher_lines_total") >= 0 and scrape_sum(m_url, "mtail_") >= 0, 20):
        sys.exit("cost: the watcher or mtail did not answer; see " + out)
    # One warm-up request, counted by both, so mtail has created its counter.
    subprocess.call(["curl", "-s", "-o", "/dev/null", url])
    wait_for(lambda: scrape_sum(w_url, "nginx_http_requests_total") == 1, 10)
    # Idle is what a quiet pod costs: past the start and the warm-up scrape (the thread pool lets go of the
    # workers they took after a few seconds without work).
    time.sleep(8)
    # mtail may start at the end of the file and miss the warm-up line: count it from here on.
    m_offset = log_lines(log) - scrape_sum(m_url, "apache_http_requests_total")

    sampling = threading.Event()
    threading.Thread(target=sample_threads, args=([watcher.pid, mtail.pid] + ([floor.pid] if floor else []), sampling),
                     daemon=True).start()
    phases = [("idle", None), ("100/s", (1, 100)), ("1000/s", (2, 500)), ("5000/s", (5, 1000)), ("full (wrk)", "wrk"),
              ("wrk, watcher only", "wrk-watcher"), ("wrk, no follower", "wrk-alone")]
    header = ("phase", "req/s", "nginx CPU", "watcher CPU", "share", "µs/line", "threads", "peak RSS", "exact",
              "mtail CPU", "mtail share", "mtail exact") + (("floor µs/line", "watcher ÷ floor") if floor else ())
    rows = []
    figures = []
    wrk_rates = {}
    for name, load in phases:
        stopped = {"wrk-watcher": [mtail] + ([floor] if floor else []),
                   "wrk-alone": [watcher, mtail] + ([floor] if floor else [])}.get(load, [])
        for p in stopped:
            p.send_signal(signal.SIGSTOP)
        before_lines = log_lines(log)
        w0, n0, m0 = cpu_ns(watcher.pid), cpu_ns(worker), cpu_ns(mtail.pid)
        f0 = cpu_ns(floor.pid) if floor else 0
        t_start = threads(watcher.pid)
        started = time.monotonic()
        if load is None:
            time.sleep(seconds)
        elif isinstance(load, str):
            subprocess.call(["wrk", "-t2", "-c16", f"-d{seconds}s", url], stdout=subprocess.DEVNULL)
        else:
            c, q = load
            subprocess.call(["hey", "-z", f"{seconds}s", "-c", str(c), "-q", str(q), url], stdout=subprocess.DEVNULL)
        elapsed = time.monotonic() - started
        lines = log_lines(log)
        if isinstance(load, str):
            wrk_rates[load] = (lines - before_lines) / elapsed
        n_stopped = cpu_ns(worker)
        # Idle is no request and no scrape: read before the phase's closing scrape (Prometheus scrapes every 15 to
        # 60 s; one scrape in a 10 s phase would be most of what an idle watcher costs). Loaded phases include it.
        idle_end = (cpu_ns(watcher.pid), cpu_ns(mtail.pid)) if load is None else None
        for p in stopped:
            p.send_signal(signal.SIGCONT)
        w_ok = wait_for(lambda: scrape_sum(w_url, "nginx_http_requests_total") == lines, 30)
        m_ok = wait_for(lambda: scrape_sum(m_url, "apache_http_requests_total") == lines - m_offset, 30)
        w1, n1, m1 = cpu_ns(watcher.pid), cpu_ns(worker) if not stopped else n_stopped, cpu_ns(mtail.pid)
        if idle_end is not None:
            w1, m1 = idle_end
        fc = (cpu_ns(floor.pid) - f0) / 1e9 if floor else 0
        new = lines - before_lines
        wc, nc, mc = (w1 - w0) / 1e9, (n1 - n0) / 1e9, (m1 - m0) / 1e9
        w_run, m_run, f_run = watcher not in stopped, mtail not in stopped, floor is not None and floor not in stopped
        off = "(stopped)"
        rows.append((
            name,
            f"{new / elapsed:,.0f}",
            f"{nc:.3f} s",
            (f"{wc:.3f} s" + (f" ({100 * wc / elapsed:.3f} % of a core)" if load is None else "")) if w_run else off,
            f"{100 * wc / nc:.1f} %" if new and w_run else "-",
            f"{1e6 * wc / new:.1f}" if new and w_run else "-",
            f"{t_start} -> {threads(watcher.pid)}",
            f"{peak_rss_mib(watcher.pid):.1f} MiB",
            ("yes" if w_ok else f"NO ({scrape_sum(w_url, 'nginx_http_requests_total')} of {lines})"),
            f"{mc:.3f} s" if m_run else off,
            f"{100 * mc / nc:.1f} %" if new and m_run else "-",
            ("yes" if m_ok else f"NO ({scrape_sum(m_url, 'apache_http_requests_total')} of {lines - m_offset})"),
        ) + ((f"{1e6 * fc / new:.1f}" if new and f_run else "-", f"{wc / fc:.1f}x" if new and fc and f_run and w_run else "-") if floor else ()))
        print(f"cost: {name} done", file=sys.stderr)
        # Machine-readable, for bench/run.sh's verdicts: phase, watcher share %, mtail share %, idle % of a core,
        # threads at start and end, peak RSS MiB, exact (1/0).
        figures.append(" ".join([
            "COST", "idle" if load is None else load if isinstance(load, str) else str(load[0] * load[1]),
            f"{100 * wc / nc:.3f}" if new and w_run else "-",
            f"{100 * mc / nc:.3f}" if new and m_run else "-",
            f"{100 * wc / elapsed:.4f}" if load is None else "-",
            str(t_start), str(threads(watcher.pid)), f"{peak_rss_mib(watcher.pid):.1f}", "1" if w_ok else "0"]))

    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  " + "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    for f in figures:
        print(f)
    if "wrk-alone" in wrk_rates and "wrk-watcher" in wrk_rates:
        print(f"NGINX_RATE {wrk_rates['wrk-alone']:.0f} {wrk_rates['wrk-watcher']:.0f}")
        print(f"  nginx under wrk: {wrk_rates['wrk-alone']:,.0f} req/s with no follower, {wrk_rates['wrk-watcher']:,.0f} with the watcher"
              f" beside it ({100 * wrk_rates['wrk-watcher'] / wrk_rates['wrk-alone']:.1f} %), {wrk_rates['wrk']:,.0f} with all three")
finally:
    stop_all()
