"""Fixtures, options and markers of roqmock's pytest plugin."""
