"""Process-wide tuning, applied by every process that serves or exports (``create_app``, CLI)."""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Python's defaults (700, 10, 10) start a young-generation collection every 700 allocations:
#: building a large plan's tree (tens of thousands of rows, tuples and nodes) ran it thousands of
#: times, each one also walking the objects kept per revision, and that was more than half of the
#: build (scale 100: 440 ms -> 200 ms in-process for the tree after a write). Cycles are still
#: collected, only less often; objects without cycles are freed at once by reference counting.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_resumes = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a large piece of work that builds many
    objects it keeps until the end (a PDF's layout, the open-data export): the collector's
    passes, set off by the allocations, each walk that growing heap again for next to nothing
    (a third of the PDF's CPU, 40 % of the export's, at scale 100). Reference counting still
    frees everything else. Several at once (threads of the service) share one pause: the
    collector resumes when the last one ends, and only if it was enabled when the first began."""
    global _collector_pauses, _collector_resumes
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_resumes = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_resumes:
                gc.enable()
