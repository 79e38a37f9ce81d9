"""Everything that speaks HTTP: ROQ's endpoints, the control API, the explorer, the sandbox, the app.

One module per idea: :mod:`.exchange` (a request, its reply, their JSON), :mod:`.paths`, :mod:`.callers`
(credentials, and the world a request acts in), :mod:`.limits`, :mod:`.tokens` and :mod:`.graphs` (ROQ's
endpoints), :mod:`.control` (roqmock's own API), :mod:`.explorer` and :mod:`.sandbox` (pages),
:mod:`.routing` (every route, and every error in ROQ's shape), :mod:`.app` (the Starlette app) and
:mod:`.wire` (the socket writer). Importing the package imports none of them.
"""
