"""The campaigns' routes, one module per router: ``campaigns`` (open, follow, close, the frozen
snapshot and its export), ``pending`` (the pending reports of the caller's directorates),
``reports`` (a yearly report's writes and its pending report, for each kind of trackable)."""
