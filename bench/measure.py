#!/usr/bin/env python3
"""Runs a command, prints "<wall seconds> <peak RSS MiB>" to stderr's last line; its stdout goes to a file.

   measure.py OUT_FILE -- COMMAND ARGS...
"""
import resource
import subprocess
import sys
import time

out_file = sys.argv[1]
command = sys.argv[sys.argv.index("--") + 1:]
with open(out_file, "wb") as out:
    start = time.perf_counter()
    code = subprocess.call(command, stdout=out, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{seconds:.3f} {peak_kib / 1024:.1f} {code}")
