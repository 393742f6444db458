"""Demo data: the real plan repeated ``scale`` times, with twenty years of made-up tracking.

``boussole demo --scale N`` loads the seed (the real plan, copy 1) and adds N - 1 copies of its
engagements under new codes (``E4``… ``E{3N}``, ``PP10``…), titled ``[Démo] …``; then, for every
action and flagship project, made-up tracking: status, lead directorate (the ``DEMO-…``
directorates, named ``Démo — …``), priority, dates, communes, values, partners, a progress
report for each year 2024–2043, milestones and audit entries; and ten indicators per copy with 21
yearly values (2024–2044) and commune breakdowns. The plan's title and source say it is demo data.

Everything is drawn from ``random.Random`` instances seeded from ``seed``, and every timestamp is
simulated (the plan as if it had run from 2024), so the same seed writes the same rows. Rows go in
with bulk inserts (``session.execute(insert(table), rows)`` in chunks), never one ORM object at a
time: scale 100 (about 6,800 trackables, 136,000 reports) takes seconds.

A database holding real tracking data (reports, values, milestones, directorates, writes in the
audit trail other than the seed's) is refused, and so is one that already holds demo data.

The package's modules: ``constants`` (marks, sizes, the lists drawn from), ``refusals``
(``check``), ``structure`` (the copies of the plan, ``expected_rows``), ``tracking`` and
``indicators`` (the made-up rows), ``draws`` (random streams, the simulated clock), ``writer``
(bulk inserts), ``generator`` (``generate``).
"""

from app.tooling.demo.constants import (
    CHUNK,
    COMMUNES_PER_INDICATOR,
    DEFAULT_SEED,
    DEMO_ACTOR,
    DEMO_DIRECTORATE_PREFIX,
    DEMO_INDICATOR_PREFIX,
    DEMO_PREFIX,
    DEMO_START,
    DIRECTORATES,
    INDICATORS,
    INDICATORS_PER_COPY,
    MAX_SCALE,
    MILESTONES_PER_TRACKABLE,
    PARTNERS,
    PROGRESS_YEARS,
    STATUSES,
    VALUE_YEARS,
)
from app.tooling.demo.generator import generate
from app.tooling.demo.refusals import DemoRefusedError, check
from app.tooling.demo.structure import expected_rows
from app.tooling.demo.writer import DemoSummary

__all__ = [
    "CHUNK",
    "COMMUNES_PER_INDICATOR",
    "DEFAULT_SEED",
    "DEMO_ACTOR",
    "DEMO_DIRECTORATE_PREFIX",
    "DEMO_INDICATOR_PREFIX",
    "DEMO_PREFIX",
    "DEMO_START",
    "DIRECTORATES",
    "INDICATORS",
    "INDICATORS_PER_COPY",
    "MAX_SCALE",
    "MILESTONES_PER_TRACKABLE",
    "PARTNERS",
    "PROGRESS_YEARS",
    "STATUSES",
    "VALUE_YEARS",
    "DemoRefusedError",
    "DemoSummary",
    "check",
    "expected_rows",
    "generate",
]
