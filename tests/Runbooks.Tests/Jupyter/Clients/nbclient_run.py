"""Executes a notebook with Debian's nbclient and writes the executed copy, as `runbook run` does.
Usage: nbclient_run.py IN.ipynb OUT.ipynb WORKDIR KERNEL_NAME. Stops at the first failing cell (exit 1)."""
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

source, target, workdir, kernel = sys.argv[1:5]
nb = nbformat.read(source, as_version=4)
client = NotebookClient(nb, timeout=600, kernel_name=kernel, resources={"metadata": {"path": workdir}})
status = 0
try:
    client.execute()
except CellExecutionError as error:
    print(error, file=sys.stderr)
    status = 1
nbformat.write(nb, target)
sys.exit(status)
