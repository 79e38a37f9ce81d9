"""The demo sandbox: a page at ``GET /`` of ``roqmock serve`` to try ROQ's chat API by hand."""

from roqmock.http.sandbox.page import SANDBOX_ROUTES

__all__ = ["SANDBOX_ROUTES"]
