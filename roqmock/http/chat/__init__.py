"""ROQ's own chat UI (``@roq/ui-react``'s ``<Chat/>``) served by roqmock at ``/chat/``, with every asset from
roqmock itself, and the notification socket that UI opens beside the message center."""

from roqmock.http.chat.page import CHAT_ROUTES, chat_page

__all__ = ["CHAT_ROUTES", "chat_page"]
