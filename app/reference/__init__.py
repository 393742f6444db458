"""Reference data: communes, directorates, partners (reads in ``reference.py``, directorate
writes in ``writes.py``) and their routes.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
