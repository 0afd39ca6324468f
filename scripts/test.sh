#!/usr/bin/env bash
# test.sh - sets up a fresh machine and runs every test: installs the Debian packages the tests
# use (idempotent), restores, builds, runs the xunit suites. The README's test command.
# Prints the counts last, as "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh tools bench jupyter parity
mkdir -p artifacts
log=artifacts/test-output.log
status=0
# One test project after the other, not in parallel: the storage twin is an emulated guest, and a CPU-heavy suite
# running beside it slows it enough to turn the repair's zero-downtime check into timeouts.
: > "$log"
dotnet build Runbooks.sln -c Release --nologo 2>&1 | tee -a "$log" || status=$?
# The build `runbook autoextend install` copies to the storage twin in the lab tests.
[ "$status" -ne 0 ] || scripts/publish.sh machine 2>&1 | tee -a "$log" || status=$?
if [ "$status" -eq 0 ]; then
  for project in tests/*/*.csproj; do
    # Normal verbosity: each test with its duration, so a slow CI run shows where the time went.
    # The runbooks' parity with VS Code's kernel compares with what scripts/main.sh executes: scripts/parity.sh runs it after.
    dotnet test "$project" -c Release --nologo --no-build --filter "Parity!=runbooks" --logger "console;verbosity=normal" 2>&1 | tee -a "$log" || status=$?
  done
fi
# Normal verbosity prints "Failed: N" only when a test failed: a grep that finds nothing must not end the script.
passed=$( { grep -Eo 'Passed: +[0-9]+' "$log" || true; } | awk '{s += $2} END {print s + 0}')
failed=$( { grep -Eo 'Failed: +[0-9]+' "$log" || true; } | awk '{s += $2} END {print s + 0}')
printf '%s %s\n' "$passed" "$failed" > artifacts/test-counts
# Each failed test with its message and the top of its stack, kept apart and printed last: CI shows a log's tail, and
# a failure 900 passing lines above it is otherwise lost.
awk '/^  Failed [^ ]/ {keep = 1; lines = 0}
     /^  (Passed|Skipped) [^ ]/ || /^Test Run / || /^Results File:/ {keep = 0}
     keep && !/^\[xUnit.net/ && lines++ < 25' "$log" > artifacts/test-failures.txt
if [ -s artifacts/test-failures.txt ]; then
  echo "failed tests (also in artifacts/test-failures.txt):"
  cat artifacts/test-failures.txt
fi
echo "tests: $passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "test: no test ran; that is a failure" >&2
  exit 1
fi
exit "$status"
