"""Worker processes that end when the process that started them ends."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

__all__ = ["exit_with_parent"]

log = logging.getLogger(__name__)


def exit_with_parent(parent_pid: int, on_parent_signal: bool) -> None:
    """Make this worker process end when the process that started it does.

    loky's workers outlive a driver killed by SIGKILL (a scheduler's timeout, the
    OOM killer): they wait for work that never comes, each holding hundreds of MB.
    On Linux the kernel kills the worker as its parent goes (PR_SET_PDEATHSIG),
    when the driver spawned it from its main thread: the signal follows the
    spawning *thread*, and one that ends early would take live workers with it.
    Everywhere, a daemon thread also checks every half second that the parent is
    still the driver; it may wait seconds for the GIL while a fit holds it.

    Args:
        parent_pid: The driver's pid.
        on_parent_signal: Ask the kernel for SIGKILL when the parent ends (Linux).
    """
    if on_parent_signal and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl here: the thread still watches
            log.debug("prctl(PR_SET_PDEATHSIG) is not available")
    if os.getppid() != parent_pid:  # the driver died before this worker started
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)  # the driver is gone: nobody will read this worker's results

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
