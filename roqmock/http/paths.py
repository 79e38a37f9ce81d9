"""The paths roqmock answers on that more than one module needs to know."""

from __future__ import annotations

__all__ = ["AUTHORIZE_PATHS", "CONTROL_PREFIX", "GRAPH_PATHS", "HEALTH_PATH", "JSON_PATHS"]

SERVER_GRAPH = "/v01/server/graphql"
CLIENT_GRAPH = "/v01/graphql"
USER_TOKEN = "/v01/authorize"
SERVICE_ACCOUNT_TOKEN = "/v01/authorize/serviceAccount"

# The graphs answer errors in a GraphQL body; every other path as NestJS does.
GRAPH_PATHS = frozenset({SERVER_GRAPH, CLIENT_GRAPH})
AUTHORIZE_PATHS = frozenset({USER_TOKEN, SERVICE_ACCOUNT_TOKEN})
# ROQ's own endpoints read JSON bodies only (the control API is roqmock's, and lenient).
JSON_PATHS = GRAPH_PATHS | AUTHORIZE_PATHS

CONTROL_PREFIX = "/__roqmock"
HEALTH_PATH = f"{CONTROL_PREFIX}/health"
