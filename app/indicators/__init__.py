"""Indicators: their values and trajectories (``indicators.py``, ``trajectory.py``) and routes.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
