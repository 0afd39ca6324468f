#!/usr/bin/env bash
# publish.sh - builds the `runbook` CLI as a ReadyToRun app into artifacts/publish/runbook/.
# ReadyToRun precompiles Roslyn and the engine, which roughly halves a notebook's cold start
# (the JIT warm-up of the C# compiler dominates it). Incremental: a second run takes seconds.
#   scripts/publish.sh          then: artifacts/publish/runbook/runbook run ...
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/publish/runbook
dotnet publish lib/Runbooks.Cli/Runbooks.Cli.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -o "$out" --nologo -v quiet -clp:NoSummary
echo "publish: $out/runbook"
