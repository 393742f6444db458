"""Domain services. Importing them registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
