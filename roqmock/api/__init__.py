"""ROQ's GraphQL API over the domain: the schema's engine, execution plans, resolvers and errors.

:mod:`.engine` builds the schema from ``schema/`` and runs a request; :mod:`.plan` and :mod:`.variables`
compile execution plans for repeated documents; :mod:`.resolvers` are thin doors onto the domain's
service; :mod:`.errors` renders the domain's errors in ROQ's envelope; :mod:`.cost` bounds a document's
size; :mod:`.graphql_lines` and :mod:`.compat` hold what differs between graphql-core's lines and the
one work-around roqmock needs in Ariadne.
"""
