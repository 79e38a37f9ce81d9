"""The cost limit: how many fields a document makes roqmock resolve, counted before it is validated.

Aliases let one short document ask for a field thousands of times, and fragments spreading each other
multiply that again (a "fragment bomb"); graphql-core's validation of such a document alone can take
seconds. The cost of an operation is the number of field selections it reaches, every alias counted and
every fragment spread expanded (each fragment's cost computed once), so even an exponential document is
priced in time linear in its size.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    visit,
)

# The SDK's documents select a few dozen fields and GraphiQL's introspection ~220; graphql-core's check
# that same-named fields merge is quadratic, so a few hundred repeats already cost it a second.
DEFAULT_MAX_COST = 500
# The deepest query, data levels not counted: the SDK's deepest document needs 4.
DEFAULT_MAX_DEPTH = 4


def document_cost(document: DocumentNode) -> tuple[str, int]:
    """The costliest operation of ``document``: its name (or "anonymous") and its cost."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    known: dict[str, int] = {}
    costliest = ("anonymous", 0)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            cost = _cost(definition.selection_set, fragments, known, set())
            if cost >= costliest[1]:
                costliest = (definition.name.value if definition.name else "anonymous", cost)
    # Everything is validated, fragments no operation uses included: the document's own size counts too.
    written = _written_fields(document)
    if written > costliest[1]:
        return ("document", written)
    return costliest


def _written_fields(document: DocumentNode) -> int:
    count = 0

    class CountFields(Visitor):
        def enter_field(self, *_: object) -> None:
            nonlocal count
            count += 1

    visit(document, CountFields())
    return count


def _cost(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    known: dict[str, int],
    visiting: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += 1 + _cost(selection.selection_set, fragments, known, visiting)
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(selection.selection_set, fragments, known, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in known:
                total += known[name]
            elif name in fragments and name not in visiting:
                # A cycle is a validation error graphql-core reports; here it only stops the count.
                cost = _cost(fragments[name].selection_set, fragments, known, visiting | {name})
                known[name] = cost
                total += cost
    return total
