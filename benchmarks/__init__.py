"""``python -m benchmarks``: roqmock's speed in process, over HTTP against Apollo's mocks, at scale, and
the cost of seeding and resetting a world. One table, medians over several runs, targets marked."""
