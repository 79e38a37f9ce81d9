"""roqmock: a faithful in-memory mock of ROQ's Chat API."""
