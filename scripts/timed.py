"""What the scripts that time whole `zkliq` processes share (crash-scale.py, report-scale.py)."""

import os
import subprocess
import sys
import time


def run(zkliq, args, env, quiet=False):
    """Runs `zkliq args`, returning (seconds, peak RSS in MiB, stdout); exits on failure.
    `quiet` discards its stderr (progress bars)."""
    started = time.monotonic()
    stderr = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen([str(zkliq), *args], stdout=subprocess.PIPE, stderr=stderr, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"zkliq {' '.join(args)} failed with {status}")
    return seconds, usage.ru_maxrss / 1024, out


def salt(i):
    """A distinct salt of full strength for account `i`."""
    return "0x1%015x%048x" % (i, ((i + 7) * 0x9E3779B97F4A7C15) % 16**48)
