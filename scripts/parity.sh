#!/usr/bin/env bash
# parity.sh - runs every runbook that nbconfig.json marks "ci": true in the real .NET Interactive kernel (the
# dotnet-interactive tool VS Code's Polyglot Notebooks extension starts) and compares it, cell for cell, with the
# executed copy scripts/main.sh wrote to artifacts/notebooks/. Run it after scripts/main.sh (CI does). The runbooks
# build their twins afresh in their first cells, so the real kernel starts from the same broken machines.
# Reports go to artifacts/parity/NAME.txt; the last line is "parity: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh parity
# The runbooks #r the library as VS Code users build it (dotnet build: Debug); the real kernel loads that copy.
dotnet build lib/Runbooks.Labs/Runbooks.Labs.csproj -c Debug --nologo -v quiet -clp:NoSummary
dotnet build tests/Runbooks.Parity.Tests/Runbooks.Parity.Tests.csproj -c Release --nologo -v quiet -clp:NoSummary
mkdir -p artifacts/parity
log=artifacts/parity/test-output.log
status=0
dotnet test tests/Runbooks.Parity.Tests -c Release --nologo --no-build --filter "Parity=runbooks" \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# The runbooks brought their twins up again: take them down, as scripts/main.sh does, unless KEEP_LABS=1.
if [ "${KEEP_LABS:-0}" != 1 ]; then
  artifacts/bin/Runbooks.Cli/release/runbook lab down network || status=1
  artifacts/bin/Runbooks.Cli/release/runbook lab down storage || status=1
fi
passed=$( { grep -Eo 'Passed: +[0-9]+' "$log" || true; } | awk '{s += $2} END {print s + 0}')
failed=$( { grep -Eo 'Failed: +[0-9]+' "$log" || true; } | awk '{s += $2} END {print s + 0}')
printf '%s %s\n' "$passed" "$failed" > artifacts/parity/counts
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "parity: no runbook was compared; that is a failure" >&2
  status=1
fi
echo "parity: $passed passed, $failed failed (reports: artifacts/parity/)"
exit "$status"
