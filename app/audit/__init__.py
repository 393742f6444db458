"""The audit trail (``audit.py``) and the change feed read from it (``changes.py``, ``routes.py``).

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
