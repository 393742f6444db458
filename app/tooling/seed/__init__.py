"""The seed: the plan as reviewable YAML (``seed/plan.yaml``) plus the communes CSV, loaded into
the database idempotently.

The whole file is validated before anything is written; nodes are matched by their ``code``, so a
rerun after a title is corrected updates that node in place and keeps everything attached to it.
The seed never deletes: nodes added later through the API stay.

The package's modules: ``schema`` (the file's schema), ``parse`` (reading and validating),
``apply`` (writing).
"""

from app.tooling.seed.apply import SeedSummary, apply_seed
from app.tooling.seed.parse import SeedError, parse_communes, parse_plan
from app.tooling.seed.schema import (
    SeedAction,
    SeedAmbition,
    SeedAxis,
    SeedChronologyStep,
    SeedCommune,
    SeedDirectorate,
    SeedDocument,
    SeedEngagement,
    SeedFlagshipProject,
    SeedIndicator,
    SeedKeyPoint,
    SeedPlan,
    SeedSubAction,
    SeedValue,
    SeedYearValue,
)

__all__ = [
    "SeedAction",
    "SeedAmbition",
    "SeedAxis",
    "SeedChronologyStep",
    "SeedCommune",
    "SeedDirectorate",
    "SeedDocument",
    "SeedEngagement",
    "SeedError",
    "SeedFlagshipProject",
    "SeedIndicator",
    "SeedKeyPoint",
    "SeedPlan",
    "SeedSubAction",
    "SeedSummary",
    "SeedValue",
    "SeedYearValue",
    "apply_seed",
    "parse_communes",
    "parse_plan",
]
