"""roqmock's RoqStateMachine, driven through ChatClient: every view a user has must match the model."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from roqmock.domain.models import User
from roqmock.strategies import RoqStateMachine

from roq_chat import ChatClient


class ChatMachine(RoqStateMachine):
    def __init__(self) -> None:
        super().__init__()
        roq = self.roq
        self.chat = ChatClient(roq.base_url, roq.environment_id, roq.api_key, transport=roq.transport)

    def teardown(self) -> None:
        self.chat.close()

    # -- the client hooks, through ChatClient

    def create_conversation(self, user: User, conversation: dict[str, Any]) -> str:
        started = self.chat.start(
            user.id, conversation["title"], conversation["memberIds"], conversation.get("tags") or ()
        )
        return started.id

    def create_message(self, user: User, message: dict[str, Any]) -> None:
        self.chat.send(user.id, message["conversationId"], message["body"])

    def assign_tags(self, user: User, conversation_id: str, tag_list: list[str]) -> None:
        self.chat.tag(user.id, conversation_id, tag_list)

    def delete_conversation(self, user: User, conversation_id: str) -> None:
        self.chat.delete(user.id, conversation_id)

    def visible_conversation_ids(self, user: User) -> set[str]:
        return {conversation.id for conversation in self.chat.inbox(user.id, limit=1000)}

    def message_count(self, user: User, conversation_id: str) -> int:
        return len(self.chat.history(user.id, conversation_id, limit=1000))


TestChat = ChatMachine.TestCase
TestChat.settings = settings(max_examples=5, stateful_step_count=8, deadline=None)
