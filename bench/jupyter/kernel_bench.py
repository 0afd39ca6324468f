"""The Jupyter kernel benchmark (figures, not a test): for each kernel, in one run and interleaved,
  start:  kernel process started -> first kernel_info_reply (jupyter_client's start_new_kernel, which waits for it)
  cell:   one execute_request round trip (request -> execute_reply and iopub idle) for a trivial cell, warm kernel
  cold10: a fresh `python3 -c nbclient` process executing a 10-cell notebook, wall time
Usage: kernel_bench.py RUNS KERNEL[=LABEL:LANGUAGE]...   (JUPYTER_PATH finds the kernelspecs; LANGUAGE csharp|python)
Prints a table and the ratios against the first kernel; writes JSON to stdout's last line."""
import json
import statistics
import subprocess
import sys
import tempfile
import time

import nbformat
from jupyter_client.manager import start_new_kernel

CELLS = 10
ROUND_TRIPS = 50


def cell_code(language, i):
    return f"var x{i} = {i}; x{i}" if language == "csharp" else f"x{i} = {i}; x{i}"


def notebook(path, kernel, language):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": language}
    nb.cells = [nbformat.v4.new_code_cell(cell_code(language, i)) for i in range(CELLS)]
    nbformat.write(nb, path)


def run_cell(kc, code):
    msg_id = kc.execute(code)
    while kc.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != msg_id:
        pass
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return


def measure_kernel(kernel, language, workdir):
    started = time.perf_counter()
    km, kc = start_new_kernel(kernel_name=kernel, cwd=workdir, startup_timeout=120)
    start_ms = (time.perf_counter() - started) * 1000
    try:
        run_cell(kc, cell_code(language, 0))  # the first cell pays the compiler's first use
        trips = []
        for i in range(ROUND_TRIPS):
            t = time.perf_counter()
            run_cell(kc, cell_code(language, i + 1))
            trips.append((time.perf_counter() - t) * 1000)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    return start_ms, statistics.median(trips)


NBCLIENT = ("import sys, nbformat; from nbclient import NotebookClient; nb = nbformat.read(sys.argv[1], 4); "
            "NotebookClient(nb, kernel_name=sys.argv[2], timeout=60).execute(); nbformat.write(nb, sys.argv[3])")


def measure_cold(kernel, path, workdir):
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", NBCLIENT, path, kernel, path + ".out"], cwd=workdir, check=True, capture_output=True)
    return (time.perf_counter() - t) * 1000


def main():
    runs = int(sys.argv[1])
    kernels = []
    for arg in sys.argv[2:]:
        name, _, rest = arg.partition("=")
        label, _, language = rest.partition(":")
        kernels.append((name, label or name, language or "csharp"))
    figures = {name: {"start": [], "cell": [], "cold10": []} for name, _, _ in kernels}
    with tempfile.TemporaryDirectory(prefix="runbook-kernel-bench-") as workdir:
        for name, _, language in kernels:
            notebook(f"{workdir}/{name}.ipynb", name, language)
        for run in range(-1, runs):  # run -1 warms the file cache and is not recorded
            for name, label, language in kernels:
                start_ms, cell_ms = measure_kernel(name, language, workdir)
                cold_ms = measure_cold(name, f"{workdir}/{name}.ipynb", workdir)
                print(f"  {label:<24} {'warm-up' if run < 0 else f'run {run + 1}':<8} start {start_ms:8.1f} ms  cell {cell_ms:6.2f} ms  cold10 {cold_ms:8.1f} ms", flush=True)
                if run >= 0:
                    figures[name]["start"].append(start_ms)
                    figures[name]["cell"].append(cell_ms)
                    figures[name]["cold10"].append(cold_ms)
    medians = {name: {k: statistics.median(v) for k, v in f.items()} for name, f in figures.items()}
    first = kernels[0][0]
    print()
    print(f"  medians of {runs} runs    start->kernel_info   cell round trip   cold 10-cell nbclient")
    for name, label, _ in kernels:
        m = medians[name]
        print(f"  {label:<24} {m['start']:10.1f} ms {m['cell']:12.2f} ms {m['cold10']:14.1f} ms")
    for name, label, _ in kernels[1:]:
        m, f = medians[name], medians[first]
        print(f"  {label} / {kernels[0][1]}: start x{m['start'] / f['start']:.2f}, cell x{m['cell'] / f['cell']:.2f}, cold10 x{m['cold10'] / f['cold10']:.2f}")
    print(json.dumps({"runs": runs, "cells": CELLS, "roundTrips": ROUND_TRIPS, "medians": medians, "samples": figures}))


main()
