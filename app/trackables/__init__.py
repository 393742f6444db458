"""Trackables (actions, flagship projects): queries (``trackables.py``), writes (``writes.py``),
yearly progress, milestones, the CSV import, the roll-ups and the tree kept per revision
(``rollups.py``, ``kept.py``), and their routes.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
