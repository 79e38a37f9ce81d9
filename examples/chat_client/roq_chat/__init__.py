"""roq-chat-client: a small synchronous client for ROQ's chat API."""

from roq_chat.client import ChatClient, ChatError, Conversation, Message

__all__ = ["ChatClient", "ChatError", "Conversation", "Message"]
