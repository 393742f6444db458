"""Process-wide tuning, applied by every process that serves or exports (``create_app``, CLI)."""

import gc

#: Python's defaults (700, 10, 10) start a young-generation collection every 700 allocations:
#: building a large plan's tree (tens of thousands of rows, tuples and nodes) ran it thousands of
#: times, each one also walking the objects kept per revision, and that was more than half of the
#: build (scale 100: 440 ms -> 200 ms in-process for the tree after a write). Cycles are still
#: collected, only less often; objects without cycles are freed at once by reference counting.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
