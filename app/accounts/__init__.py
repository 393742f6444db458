"""The accounts of the people who sign in (``accounts.py``): invited by an admin, in the browser or
with ``boussole user``, every change recorded in the audit trail as the person who made it.

A domain package rather than a part of ``app.auth``: recording a change needs ``app.audit``, which
sits above ``app.auth`` (who is calling) in the layers. What signs a person in (passwords,
sessions, the brake) stays in ``app.auth``, which these services use.

Importing the package registers the revision contract's guard (app.revision)."""

import app.revision  # noqa: F401
