"""Drives the runbook kernel with Debian's jupyter_client and prints what it answered, as JSON, for
JupyterKernelTests to assert on. Usage: protocol_check.py KERNEL_NAME WORKDIR (JUPYTER_PATH finds the kernelspec)."""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

name, workdir = sys.argv[1], sys.argv[2]
seen = {}
km, kc = start_new_kernel(kernel_name=name, cwd=workdir, startup_timeout=120)


def ask(request, *args, **kwargs):
    """Sends a shell request; returns its reply's content."""
    msg_id = request(*args, **kwargs)
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def run(code, silent=False, store_history=True, timeout=60):
    """Executes code; returns (reply content, iopub messages of that request but status)."""
    msg_id = kc.execute(code, silent=silent, store_history=store_history)
    reply = kc.get_shell_msg(timeout=timeout)
    assert reply["parent_header"]["msg_id"] == msg_id
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
            continue
        outputs.append({"type": msg["msg_type"], "content": msg["content"]})
    return reply["content"], outputs


def wait_for_output(msg_id, text):
    """Waits until the cell of msg_id has written text: it runs, and interrupting it now is meaningful."""
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream" and text in msg["content"]["text"]:
            return


try:
    seen["kernel_info"] = ask(kc.kernel_info)
    seen["is_complete"] = {code: ask(kc.is_complete, code)["status"]
                           for code in ["var x = 1;", "if (true) {", "var s = \"open"]}
    seen["first"] = run('var answer = 42; Console.WriteLine("hello");')
    seen["silent"] = run('Console.WriteLine("quiet"); answer', silent=True)
    seen["no_history"] = run('answer + 1', store_history=False)
    seen["value"] = run('answer')
    seen["complete"] = ask(kc.complete, "Console.Wri")
    seen["complete_variable"] = ask(kc.complete, "answer.CompareT")
    seen["inspect"] = ask(kc.inspect, "Console.WriteLine", cursor_pos=10)
    seen["comm_info"] = ask(kc.comm_info)
    # A cell waiting on a process it started: the interrupt stops the process, the kernel and its variables stay.
    waiting = kc.execute('var sleeper = System.Diagnostics.Process.Start("sleep", "60"); Console.WriteLine("started"); sleeper.WaitForExit();')
    wait_for_output(waiting, "started")
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=30)
    seen["interrupted"] = reply["content"]
    seen["after_interrupt"] = run('answer')
    # A cell that never gives its thread back: the kernel says it restarts, and exits.
    stuck = kc.execute('Console.WriteLine("looping"); while (true) { }')
    wait_for_output(stuck, "looping")
    km.interrupt_kernel()
    seen["stuck"] = kc.get_shell_msg(timeout=60)["content"]
    for _ in range(100):
        if not km.is_alive():
            break
        time.sleep(0.1)
    seen["stuck_kernel_alive"] = km.is_alive()
    if km.is_alive():
        km.shutdown_kernel(now=True)
    else:
        km.cleanup_resources()
    # A new kernel, shut down by the protocol.
    km, kc = start_new_kernel(kernel_name=name, cwd=workdir, startup_timeout=120)
    kc.shutdown()  # on the control channel
    seen["shutdown"] = kc.get_control_msg(timeout=30)["content"]
    for _ in range(100):
        if not km.is_alive():
            break
        time.sleep(0.1)
    seen["shutdown_kernel_alive"] = km.is_alive()
finally:
    if km.is_alive():
        km.shutdown_kernel(now=True)
    print(json.dumps(seen))
