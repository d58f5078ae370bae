#!/usr/bin/env python3
"""The cost targets of the watcher, judged from the figures of one `make bench` run.

   targets.py COST_TXT SCRAPE_TXT LIVE_P99_MS

Reads the machine-readable lines of bench/cost/cost.py (COST, NGINX_RATE) and bench/scrape/scrape.py
(GUARANTEE, SCRAPE_TIME) and prints one line per target with its figure and PASS or MISS.
"""
import sys

cost_txt, scrape_txt, live_p99 = sys.argv[1], sys.argv[2], sys.argv[3]
cost, rate, guarantee, scrape = {}, None, None, {}
for line in open(cost_txt):
    f = line.split()
    if f[:1] == ["COST"]:
        cost[f[1]] = {"share": f[2], "mtail": f[3], "idle": f[4], "threads": (f[5], f[6]), "rss": float(f[7]), "exact": f[8] == "1"}
    elif f[:1] == ["NGINX_RATE"]:
        rate = (float(f[1]), float(f[2]))
for line in open(scrape_txt):
    f = line.split()
    if f[:1] == ["GUARANTEE"]:
        guarantee = (int(f[1]), int(f[2]), f[3])
    elif f[:1] == ["SCRAPE_TIME"]:
        scrape[f[1]] = (float(f[2]), float(f[3]))


def verdict(ok):
    return "PASS" if ok else "MISS"


def num(text):
    return float(text) if text not in ("-", "") else None


print("targets (issue: the watcher at a few percent of nginx at every rate):")
for phase, label in (("100", "100/s"), ("1000", "1,000/s"), ("5000", "5,000/s"), ("wrk", "wrk")):
    if phase not in cost:
        print(f"  {label}: no figure (the cost benchmark failed)")
        continue
    share, mtail = num(cost[phase]["share"]), num(cost[phase]["mtail"])
    limit = 5 if phase == "wrk" else 3
    print(f"  {label:>8}: watcher {share:.2f} % of nginx (target <= {limit} %: {verdict(share <= limit)}),"
          f" mtail {mtail:.2f} % (target: at most a fifth of it: {verdict(share * 5 <= mtail)})")
if "idle" in cost:
    idle = num(cost["idle"]["idle"])
    print(f"  idle: {idle:.3f} % of a core (target <= 0.05 %: {verdict(idle <= 0.05)})")
if guarantee:
    trials, misses, exact = guarantee
    print(f"  scrape guarantee: {misses} misses in {trials} trials, {exact} (target 0 in 10,000: {verdict(misses == 0 and trials >= 10000 and exact == 'exact')})")
if "paced" in scrape:
    print(f"  time to answer a scrape, 500 label sets, 5,000 lines/s: p99 {scrape['paced'][1]:.2f} ms paced, {scrape.get('b2b', (0, 0))[1]:.2f} ms back to back"
          f" (target p99 <= 10 ms: {verdict(scrape['paced'][1] <= 10)})")
print(f"  a lone back-to-back scraper sees a new line: p99 {live_p99} ms (target <= 2 ms: {verdict(num(live_p99) is not None and num(live_p99) <= 2)})")
if "wrk" in cost:
    rss = max(c["rss"] for c in cost.values())
    print(f"  peak RSS, live, up to and under wrk: {rss:.1f} MiB (target <= 24 MiB: {verdict(rss <= 24)})")
if rate:
    print(f"  nginx under wrk: {rate[1]:,.0f} req/s with the watcher, {rate[0]:,.0f} with no follower:"
          f" {100 * rate[1] / rate[0]:.1f} % (target >= 95 %: {verdict(rate[1] >= 0.95 * rate[0])})")
threads = {c["threads"] for c in cost.values()}
starts_ends = sorted({int(t) for pair in threads for t in pair})
print(f"  threads: {starts_ends[0]} to {starts_ends[-1]} across the phases (constant: {verdict(starts_ends[-1] - starts_ends[0] <= 1)})")
print(f"  every count exact: {verdict(all(c['exact'] for c in cost.values()))}")
