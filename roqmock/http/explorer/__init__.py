"""The GraphiQL explorer on ``GET`` of the graphs, with every asset served by roqmock itself (no CDN)."""

from roqmock.http.explorer.page import EXPLORER_ROUTES, explorer_page

__all__ = ["EXPLORER_ROUTES", "explorer_page"]
