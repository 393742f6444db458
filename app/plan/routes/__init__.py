"""The plan routes, one module per router."""
