"""The yearly bilan of the plan (``bilan.py``): what each year achieved, read from the
campaign's frozen snapshot (or, provisional, the published reports), for the page, the PDF, the
workbook and the API (``routes.py``).

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
