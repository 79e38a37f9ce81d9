"""Properties of ChatClient over worlds and inputs that roqmock's Hypothesis strategies draw."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roqmock.strategies import forged_author_message_inputs, message_inputs, non_member_message_inputs
from roqmock.testing import Roq

from roq_chat import ChatClient, ChatError
from roq_chat.client import SEND

# The world (the `roq` fixture) is made once per test and shared by its examples: each example adds to it.
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def chat(roq: Roq) -> ChatClient:
    return ChatClient(roq.base_url, roq.environment_id, roq.api_key, transport=roq.transport)


@EXAMPLES
@given(data=st.data())
def test_a_sent_message_is_the_last_in_history(roq: Roq, chat: ChatClient, data: st.DataObject) -> None:
    message = data.draw(message_inputs(roq.world), label="message")
    author, conversation_id = message["authorId"], message["conversationId"]

    chat.send(author, conversation_id, message["body"])

    last = chat.history(author, conversation_id)[-1]
    assert (last.author_id, last.body, last.conversation_id) == (author, message["body"], conversation_id)


@EXAMPLES
@given(data=st.data())
def test_a_forged_author_is_refused(roq: Roq, chat: ChatClient, data: st.DataObject) -> None:
    caller, message = data.draw(forged_author_message_inputs(roq.world), label="caller, message")
    before = chat.history(caller.id, message["conversationId"], limit=1000)

    with pytest.raises(ChatError) as caught:
        chat.graphql(caller.id, SEND, {"message": message})

    assert (caught.value.status_code, caught.value.error_code) == (403, "FORBIDDEN")
    assert chat.history(caller.id, message["conversationId"], limit=1000) == before


@EXAMPLES
@given(data=st.data())
def test_an_outsider_cannot_write(roq: Roq, chat: ChatClient, data: st.DataObject) -> None:
    outsider, message = data.draw(non_member_message_inputs(roq.world), label="outsider, message")

    with pytest.raises(ChatError) as caught:
        chat.send(outsider.id, message["conversationId"], message["body"])

    assert (caught.value.status_code, caught.value.error_code) == (403, "FORBIDDEN")
    roq.assert_not_called("createMessage", as_user=outsider, ok=True)
