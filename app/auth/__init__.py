"""Who is calling: API tokens and their ``Actor`` (``tokens.py``), the authentication
middleware (``authentication.py``).

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
