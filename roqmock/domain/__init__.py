"""ROQ's chat domain in plain Python: no GraphQL, no HTTP."""
