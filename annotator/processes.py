"""Other processes: whether one is alive, and pools of workers that end with the process that
started them (export validation, import validation)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether the process exists (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True  # no /proc: os.kill said it exists


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes started by a fork server (never forked from a process whose threads may
    hold locks), with the collector off, that end when the process that made them is gone:
    killed, it would leave them waiting on a queue forever, and they would keep the pool's
    server alive."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_worker_start,
        initargs=(os.getpid(),),
    )


def _worker_start(parent: int) -> None:
    # Each task makes thousands of short-lived models, freed by their reference counts.
    gc.disable()
    threading.Thread(target=_end_with, args=(parent,), name="watchdog", daemon=True).start()


def _end_with(pid: int) -> None:
    while alive(pid):
        time.sleep(0.5)
    os._exit(1)
