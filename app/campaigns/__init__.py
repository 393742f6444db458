"""The yearly reporting campaign: campaigns (``campaigns.py``: open, follow, close and freeze),
the reports waiting to be published (``pending.py``: draft, submit, send back, validate), and
their routes.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
