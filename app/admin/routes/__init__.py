"""The routers of the admin pages, one module per page (and its forms)."""
