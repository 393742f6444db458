"""The tooling apart from the domain: the seed (the plan as adopted), the demo data, backups.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
