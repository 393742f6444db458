"""The trackables routes, one module per router."""
