"""The reference routes, one module per router."""
