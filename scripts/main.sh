#!/usr/bin/env bash
# main.sh - sets up a fresh machine and runs the main job: installs the tools the runbooks call
# (idempotent), builds the runbook CLI and publishes the build the storage runbook installs on its machine, and executes every runbook that
# nbconfig.json marks "ci": true with its ciProfile. The README's main command.
# Executed notebooks go to artifacts/notebooks/ (the "artifacts" key of nbconfig.json), with
# a JUnit report at artifacts/notebooks/junit.xml. Extra arguments go to `runbook run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh tools
# The CLI as built, not the composite ReadyToRun publish (scripts/publish.sh cli): that takes ~3 minutes on 2 cores
# and saves a few seconds of cold start per notebook. The machine build is what the storage runbook installs.
dotnet build lib/Runbooks.Cli/Runbooks.Cli.csproj -c Release --nologo -v quiet -clp:NoSummary
scripts/publish.sh machine
# The runbooks build their twins themselves (profile "twin"); take them down afterwards so nothing of them
# outlives the job. KEEP_LABS=1 leaves them up for a look (runbook lab exec network client -- …).
runbook=artifacts/bin/Runbooks.Cli/release/runbook
status=0
"$runbook" run --ci --junit artifacts/notebooks/junit.xml "$@" || status=$?
if [ "${KEEP_LABS:-0}" != 1 ]; then
  "$runbook" lab down network || status=1
  "$runbook" lab down storage || status=1
fi
exit "$status"
