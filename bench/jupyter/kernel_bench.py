"""The Jupyter kernel benchmark (figures, not a test): for each kernel, in one run and interleaved,
  start:  kernel process started -> first kernel_info_reply (jupyter_client's start_new_kernel, which waits for it)
  cell:   one execute_request round trip (request -> execute_reply and iopub idle) for a trivial cell, warm kernel
          (and the kernel's CPU time per cell)
  cold10: a fresh `python3 -c nbclient` process executing a 10-cell notebook, wall time (and its CPU time)
Usage: kernel_bench.py RUNS KERNEL[=LABEL:LANGUAGE]...   (JUPYTER_PATH finds the kernelspecs; LANGUAGE csharp|python)
Prints every run, the medians and the ratios against the first kernel; writes JSON as stdout's last line.
Exit code: 0 every measurement succeeded, 1 one failed (the others are still measured and printed)."""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

import nbformat
from jupyter_client.manager import start_new_kernel

CELLS = 10
ROUND_TRIPS = 50


def cell_code(language, i):
    # The same cell in each language: a declaration and the value as the cell's result (an execute_result),
    # so every kernel formats and sends one output per cell.
    return f"var x{i} = {i}; x{i}" if language == "csharp" else f"x{i} = {i}; x{i}"


def notebook(path, kernel, language):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": language}
    nb.cells = [nbformat.v4.new_code_cell(cell_code(language, i)) for i in range(CELLS)]
    nbformat.write(nb, path)


def run_cell(kc, code):
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    # A kernel that answers fast with an error would look fast: only a cell that ran counts.
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"cell {code!r}: execute_reply status {reply['content'].get('status')}: "
                           f"{reply['content'].get('ename')} {reply['content'].get('evalue')}")
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return


def measure_kernel(kernel, language, workdir):
    # The kernel's own output (.NET Interactive logs its web host, ipykernel its debugger's warnings) goes to a
    # file: it would bury the table, and a failure quotes its end.
    log_path = f"{workdir}/{kernel}.log"
    with open(log_path, "w") as log:
        try:
            return measure_started_kernel(kernel, language, workdir, log)
        except Exception as e:
            log.flush()
            with open(log_path, errors="replace") as written:
                raise RuntimeError(f"{e} (kernel output, last lines: {written.read()[-1500:]!r})") from e


def measure_started_kernel(kernel, language, workdir, log):
    started = time.perf_counter()
    km, kc = start_new_kernel(kernel_name=kernel, cwd=workdir, startup_timeout=120, stdout=log, stderr=log)
    start_ms = (time.perf_counter() - started) * 1000
    try:
        run_cell(kc, cell_code(language, 0))  # the first cell pays the compiler's first use
        pid = km.provisioner.process.pid
        trips = []
        cpu = tree_cpu(pid)
        for i in range(ROUND_TRIPS):
            t = time.perf_counter()
            run_cell(kc, cell_code(language, i + 1))
            trips.append((time.perf_counter() - t) * 1000)
        cell_cpu_ms = (tree_cpu(pid) - cpu) * 1000 / ROUND_TRIPS
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    return start_ms, statistics.median(trips), cell_cpu_ms


def tree_cpu(pid):
    """CPU seconds (user + system) of a live process and its live descendants, from /proc. The kernel's CPU per
    cell tells how much of a round trip is work and how much waiting, which on a shared machine is the steadier
    figure. A descendant: `dotnet interactive` is the dotnet host starting dotnet-interactive as its child."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except FileNotFoundError:
            pass  # it ended meanwhile
    return total


NBCLIENT = ("import sys, nbformat; from nbclient import NotebookClient; nb = nbformat.read(sys.argv[1], 4); "
            "NotebookClient(nb, kernel_name=sys.argv[2], timeout=60, startup_timeout=120).execute(); nbformat.write(nb, sys.argv[3])")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_cold(kernel, path, workdir):
    out = path + ".out"
    cpu = children_cpu()  # the nbclient process waits for its kernel, so the kernel's CPU is folded in
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", NBCLIENT, path, kernel, out], cwd=workdir, capture_output=True, text=True)
    wall_ms = (time.perf_counter() - t) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"nbclient exited {done.returncode}: {done.stderr.strip()[-1500:]}")
    # Each cell must have produced its value: an empty or failed run is not a fast one.
    nb = nbformat.read(out, 4)
    for i, cell in enumerate(nb.cells):
        if not any(o.get("output_type") == "execute_result" for o in cell.get("outputs", [])):
            raise RuntimeError(f"nbclient ran cell {i} without an execute_result: {cell.get('outputs')}")
    return wall_ms, children_cpu() - cpu


def busy_seconds():
    # /proc/stat's first line: the whole machine's CPU time by kind, in clock ticks; idle and iowait are not busy.
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + children_cpu()


def measure(name, language, workdir):
    """One kernel's three figures, and the CPU the rest of the machine used meanwhile (in cores)."""
    busy, mine, t = busy_seconds(), own_cpu(), time.perf_counter()
    start_ms, cell_ms, cell_cpu_ms = measure_kernel(name, language, workdir)
    cold_ms, cold_cpu = measure_cold(name, f"{workdir}/{name}.ipynb", workdir)
    # Kernels are waited for (jupyter_client reaps them, nbclient reaps its own), so their CPU is in own_cpu().
    other = max(0.0, (busy_seconds() - busy) - (own_cpu() - mine)) / (time.perf_counter() - t)
    return {"start": start_ms, "cell": cell_ms, "cellCpu": cell_cpu_ms, "cold10": cold_ms, "cold10Cpu": cold_cpu * 1000,
            "otherLoad": other}


def main():
    runs = int(sys.argv[1])
    kernels = []
    for arg in sys.argv[2:]:
        name, _, rest = arg.partition("=")
        label, _, language = rest.partition(":")
        kernels.append((name, label or name, language or "csharp"))
    keys = ("start", "cell", "cellCpu", "cold10", "cold10Cpu", "otherLoad")
    figures = {name: {k: [] for k in keys} for name, _, _ in kernels}
    failures = []
    with tempfile.TemporaryDirectory(prefix="runbook-kernel-bench-") as workdir:
        for name, _, language in kernels:
            notebook(f"{workdir}/{name}.ipynb", name, language)
        for run in range(-1, runs):  # run -1 warms the file cache and is not recorded
            # Each run starts with another kernel, so none is always measured right after the same neighbour.
            shift = max(run, 0) % len(kernels)
            for name, label, language in kernels[shift:] + kernels[:shift]:
                tag = "warm-up" if run < 0 else f"run {run + 1}"
                try:
                    f = measure(name, language, workdir)
                except Exception as e:  # noqa: BLE001 - one kernel failing must not hide the others' figures
                    failures.append({"kernel": name, "run": tag, "error": f"{type(e).__name__}: {e}"})
                    print(f"  {label:<24} {tag:<8} FAILED: {type(e).__name__}: {e}", flush=True)
                    traceback.print_exc(file=sys.stderr)
                    continue
                print(f"  {label:<24} {tag:<8} start {f['start']:8.1f} ms  cell {f['cell']:6.2f} ms (cpu {f['cellCpu']:5.2f} ms)  "
                      f"cold10 {f['cold10']:8.1f} ms (cpu {f['cold10Cpu']:7.1f} ms)  other load {f['otherLoad']:.2f} cores", flush=True)
                if run >= 0:
                    for k in keys:
                        figures[name][k].append(f[k])
    medians = {name: {k: statistics.median(v) if v else None for k, v in f.items()} for name, f in figures.items()}
    first = kernels[0][0]
    print()
    print(f"  medians of {runs} runs        ok  start->kernel_info  cell round trip (cpu)  cold 10-cell nbclient (cpu)")
    for name, label, _ in kernels:
        m, n = medians[name], len(figures[name]["start"])
        if n == 0:
            print(f"  {label:<24} {n}/{runs}  no successful run")
            continue
        print(f"  {label:<24} {n}/{runs} {m['start']:12.1f} ms {m['cell']:12.2f} ms ({m['cellCpu']:5.2f} ms) "
              f"{m['cold10']:12.1f} ms ({m['cold10Cpu']:.0f} ms)")
    if figures[first]["start"]:
        f = medians[first]
        for name, label, _ in kernels[1:]:
            m = medians[name]
            if figures[name]["start"]:
                print(f"  {label} / {kernels[0][1]}: start x{m['start'] / f['start']:.2f}, cell x{m['cell'] / f['cell']:.2f} "
                      f"(cpu x{m['cellCpu'] / f['cellCpu']:.2f}), "
                      f"cold10 x{m['cold10'] / f['cold10']:.2f} (cpu x{m['cold10Cpu'] / f['cold10Cpu']:.2f})")
    loads = [v for f in figures.values() for v in f["otherLoad"]]
    if loads:
        print(f"  other load while measuring: median {statistics.median(loads):.2f} cores, max {max(loads):.2f} "
              f"(CPU the rest of the machine used; above ~0.1 the wall times are inflated)")
    for failure in failures:
        print(f"  failed: {failure['kernel']} {failure['run']}: {failure['error'][:300]}")
    print(json.dumps({"runs": runs, "cells": CELLS, "roundTrips": ROUND_TRIPS, "medians": medians,
                      "samples": figures, "failures": failures}))
    return 1 if failures else 0


sys.exit(main())
