#!/usr/bin/env bash
# publish.sh - builds the `runbook` CLI into artifacts/publish/runbook/ as a self-contained app with
# one composite ReadyToRun image (the runtime, Roslyn and the engine precompiled together).
# Why: a notebook's cold start is dominated by JIT-compiling the C# compiler; the composite image
# cuts the methods compiled at run time from ~5,100 to ~1,500 and the cold start by about a third
# (docs/benchmarks.md). Cost: ~3 minutes to publish on 2 cores, ~150 MB of output. Incremental:
# unchanged sources publish again in seconds.
#   scripts/publish.sh          then: artifacts/publish/runbook/runbook run ...
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/publish/runbook
# Its own intermediate folder: composite component assemblies carry no code of their own, and
# must never be mixed into another build's output (that build would abort at start).
dotnet publish lib/Runbooks.Cli/Runbooks.Cli.csproj -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:ArtifactsPivots=composite_linux-x64 \
  -o "$out" --nologo -v quiet -clp:NoSummary
echo "publish: $out/runbook"
