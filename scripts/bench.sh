#!/usr/bin/env bash
# bench.sh - the benchmarks (figures, not tests). `scripts/bench.sh transport`: OpenSSH against SSH.NET on a
# loopback sshd (connect, a command, a 50 MiB SFTP upload), ratios from the same run. `scripts/bench.sh network [--runs N]`: the network
# runbook on its real twin (snapshot per host vs one ssh per command; the whole repair).
# `scripts/bench.sh storage [--runs N]`: the storage runbook on its real twin, a qemu guest (boot to
# SSH; snapshot in one round trip vs one ssh per section; the whole repair under a downtime probe).
# `scripts/bench.sh grower [--rate MB/s] [--bytes SIZE]`: the grower under a fixed-rate writer on the storage
# twin (ENOSPC, detection latency, grow duration, idle CPU) against a "df every 2 s, lvextend -r" loop.
# `scripts/bench.sh jupyter [RUNS]`: the runbook Jupyter kernel against ipykernel and the real .NET Interactive kernel
# over the Jupyter protocol.
# Otherwise the engine benchmark (figures, not a test): cold wall time, per-cell overhead and peak
# memory of `runbook run` on generated trivial C# notebooks, against Jupyter's nbclient running the
# equivalent Python notebooks, measured in the same run. See docs/benchmarks.md.
#   scripts/bench.sh [--runs N] [other options of: Runbooks.Benchmarks engine --help]
# Prints a table and the goals met / not met; writes artifacts/bench/engine.json.
# Exit code: 0 every run succeeded (goals met or not), 1 a run failed, 2 usage or set-up error.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == transport ]]; then
  shift
  scripts/install-deps.sh tools   # openssh-server: the loopback sshd both transports are measured against
  exec dotnet run -c Release --project bench/Runbooks.Benchmarks -- transport "$@"
fi
if [[ ${1:-} == network ]]; then
  shift
  scripts/install-deps.sh tools
  exec dotnet run -c Release --project bench/Runbooks.Benchmarks -- network "$@"
fi
if [[ ${1:-} == storage ]]; then
  shift
  scripts/install-deps.sh tools
  exec dotnet run -c Release --project bench/Runbooks.Benchmarks -- storage "$@"
fi
if [[ ${1:-} == grower ]]; then
  shift
  scripts/install-deps.sh tools
  # The build the benchmark installs on the twin, as `runbook autoextend install` would.
  scripts/publish.sh machine
  exec dotnet run -c Release --project bench/Runbooks.Benchmarks -- grower "$@"
fi
if [[ ${1:-} == jupyter ]]; then
  # The Jupyter kernel benchmark (bench/jupyter/kernel_bench.py): start to kernel_info, per-cell round trip and a
  # cold 10-cell nbclient run, runbook's kernel (the published build's kernelspec) against ipykernel and against
  # the real .NET Interactive kernel (the parity group's dotnet-interactive), interleaved in one run. Both C#
  # kernelspecs go to a scratch prefix, never into the user's Jupyter folders. `scripts/bench.sh jupyter [RUNS]` (default 5).
  scripts/install-deps.sh bench jupyter parity
  scripts/publish.sh cli
  prefix=$(mktemp -d /tmp/runbook-kernel-bench.XXXXXX)
  trap 'rm -rf "$prefix"' EXIT
  artifacts/publish/runbook/runbook kernel install --prefix "$prefix" >/dev/null
  # The version install-deps.sh pins, read from its one list so the two cannot drift apart.
  di_version=$(awk '$1 == "\"Microsoft.dotnet-interactive" { print $2 }' scripts/install-deps.sh)
  di_dir="${XDG_CACHE_HOME:-$HOME/.cache}/runbook/tools/dotnet-interactive/$di_version"
  [[ -x $di_dir/dotnet-interactive ]] || { echo "bench: dotnet-interactive $di_version not found in $di_dir" >&2; exit 2; }
  # Its kernelspecs as a user gets them (`.net-csharp` among them): their argv is `dotnet interactive jupyter ...`,
  # which the dotnet host resolves to the dotnet-interactive on the PATH, as for a global tool. One change: as
  # written, its HTTP API (--http-port-range) listens on every interface; --http-local-only keeps it on loopback.
  mkdir -p "$prefix/share/jupyter/kernels"
  "$di_dir/dotnet-interactive" jupyter install --path "$prefix/share/jupyter/kernels" >/dev/null
  /usr/bin/python3 - "$prefix/share/jupyter/kernels/.net-csharp/kernel.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["argv"].append("--http-local-only")
json.dump(spec, open(sys.argv[1], "w"), indent=1)
PY
  export PATH="$di_dir:$PATH"
  # Its telemetry would try to reach the internet; the benchmark stays on loopback.
  export DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  if [[ -n $(awk '$1 > 0.5 { print }' /proc/loadavg) ]]; then
    echo "bench: note: load average $(cut -d' ' -f1-3 /proc/loadavg); other work on this machine inflates the wall times"
  fi
  JUPYTER_PATH="$prefix/share/jupyter" /usr/bin/python3 bench/jupyter/kernel_bench.py "${2:-5}" \
    "runbook-csharp=runbook kernel (C#):csharp" "python3=ipykernel (Python):python" \
    ".net-csharp=.NET Interactive (C#):csharp"
  exit
fi
[[ ${1:-} == engine ]] && shift

# The baseline: Debian's /usr/bin/python3 with nbclient and ipykernel (not the python3 first on
# the PATH, which may be a pyenv one without them).
scripts/install-deps.sh bench npm   # npm: plotly.js, which the build embeds
if ! /usr/bin/python3 -c "from jupyter_client.kernelspec import KernelSpecManager as M; M().get_kernel_spec('python3')" 2>/dev/null; then
  echo "bench: no 'python3' kernelspec for /usr/bin/python3; installing one (ipykernel install --sys-prefix)"
  /usr/bin/python3 -m ipykernel install --sys-prefix
fi

# The measured CLI: the ReadyToRun build users get.
scripts/publish.sh

if [[ -n $(awk '$1 > 0.5 { print }' /proc/loadavg) ]]; then
  echo "bench: note: load average $(cut -d' ' -f1-3 /proc/loadavg); other work on this machine inflates the wall times"
fi
exec dotnet run -c Release --project bench/Runbooks.Benchmarks -- engine "$@"
