"""The plan: its text (``plan.py``), the public strategy tree (``tree.py``), the admin edits of
its frame (``structure.py``: engagements' axes) and their routes.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
