#!/usr/bin/env bash
# publish.sh - publishes the two builds of `runbook`:
#   cli      artifacts/publish/runbook/: the full CLI, self-contained with one composite ReadyToRun image (the
#            runtime, Roslyn and the engine precompiled together). Why: a notebook's cold start is dominated by
#            JIT-compiling the C# compiler; the composite image cuts the methods compiled at run time from ~5,100
#            to ~1,500 and the cold start by about a third (docs/benchmarks.md). ~3 minutes on 2 cores, ~150 MB.
#   machine  artifacts/publish/runbook-machine/: what `runbook autoextend install` copies to a machine
#            (lib/Runbooks.Machine: autoextend and plot only), self-contained, framework trimmed, ~37 MB, ~30 s.
# Incremental: unchanged sources publish again in seconds.
#   scripts/publish.sh [cli|machine]...   (default: both)   then: artifacts/publish/runbook/runbook run ...
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cli machine)
for target in "${targets[@]}"; do
  case "$target" in
    cli)
      out=artifacts/publish/runbook
      # Its own intermediate folder: composite component assemblies carry no code of their own, and
      # must never be mixed into another build's output (that build would abort at start).
      dotnet publish lib/Runbooks.Cli/Runbooks.Cli.csproj -c Release -r linux-x64 --self-contained true \
        -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:ArtifactsPivots=composite_linux-x64 \
        -o "$out" --nologo -v quiet -clp:NoSummary
      echo "publish: $out/runbook" ;;
    machine)
      out=artifacts/publish/runbook-machine
      # Into a fresh folder, then swapped in: the installer hashes every file in the folder into the build's
      # version, so no file of an older build may linger.
      rm -rf "$out.new"
      dotnet publish lib/Runbooks.Machine/Runbooks.Machine.csproj -c Release -r linux-x64 --self-contained true \
        -o "$out.new" --nologo -v quiet -clp:NoSummary
      rm -rf "$out" && mv "$out.new" "$out"
      echo "publish: $out/runbook ($(du -sh "$out" | cut -f1), the build runbook autoextend install copies)" ;;
    *) echo "publish.sh: unknown target \"$target\": use cli, machine or nothing (both)" >&2; exit 2 ;;
  esac
done
