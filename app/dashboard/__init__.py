"""The dashboard's figures (``dashboard.py``) and routes.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
