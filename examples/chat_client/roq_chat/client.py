"""A small synchronous client for ROQ's chat API, over httpx.

It talks to ROQ's server graph the way ROQ's own server SDK does: a service-account token first, then one
token per user, each fetched once and kept, and both authorization headers on every GraphQL call.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

SERVICE_ACCOUNT_EMAIL = "project-service-account@roq.tech"
TOKEN_HEADER = "roq-platform-authorization"
SERVER_HEADER = "roq-platform-server-authorization"

INBOX = """
query inbox($userId: ID!, $limit: Int, $offset: Int) {
  conversations(
    filter: {memberId: {equalTo: $userId}}, limit: $limit, offset: $offset,
    order: {order: DESC, sort: createdAt}
  ) {
    data { id title isGroup tags { data { tag } } }
    totalCount
  }
}
"""
HISTORY = """
query history($conversationId: ID!, $limit: Int) {
  messages(
    filter: {conversationId: {equalTo: $conversationId}}, limit: $limit,
    order: {order: "DESC", sort: "createdAt"}
  ) {
    data { id conversationId authorId body createdAt }
  }
}
"""
SEND = "mutation send($message: MessageCreateDto!) { createMessage(message: $message) }"
START = """
mutation start($conversation: ConversationCreateDto!) {
  createConversation(conversation: $conversation) { id title isGroup tags { data { tag } } }
}
"""
TAG = """
mutation tag($conversationId: ID!, $tags: [String!]!) {
  assignTagsToConversation(conversationId: $conversationId, tags: $tags)
}
"""
DELETE = "mutation delete($id: ID!) { deleteConversation(id: $id) }"


class ChatError(Exception):
    """An error answer from ROQ: its HTTP status, ROQ's error code and message."""

    def __init__(self, status_code: int, error_code: str, message: str) -> None:
        super().__init__(f"{status_code} {error_code}: {message}")
        self.status_code = status_code
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    is_group: bool
    tags: tuple[str, ...] = ()

    @classmethod
    def from_graph(cls, node: Mapping[str, Any]) -> Conversation:
        tags = tuple(row["tag"] for row in (node.get("tags") or {}).get("data", ()))
        return cls(id=node["id"], title=node["title"], is_group=node["isGroup"], tags=tags)


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    conversation_id: str
    author_id: str | None
    body: str
    created_at: datetime

    @classmethod
    def from_graph(cls, node: Mapping[str, Any]) -> Message:
        return cls(
            id=node["id"],
            conversation_id=node["conversationId"],
            author_id=node["authorId"],
            body=node["body"],
            created_at=datetime.fromisoformat(node["createdAt"]),
        )


def _raise_for_error(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of ``response``, or :class:`ChatError` for ROQ's error envelope (GraphQL or REST)."""
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        raise ChatError(response.status_code, "INVALID_RESPONSE", response.text[:200]) from None
    errors = body.get("errors")
    if errors:
        detail = errors[0].get("extensions", {}).get("response", {})
        raise ChatError(
            int(detail.get("statusCode", response.status_code)),
            str(detail.get("errorCode", "INTERNAL_ERROR")),
            str(detail.get("message", errors[0].get("message", ""))),
        )
    if response.status_code >= 400:
        raise ChatError(response.status_code, str(body.get("errorCode")), str(body.get("message")))
    return body


class ChatClient:
    """ROQ chat on behalf of the users of one environment."""

    def __init__(
        self,
        base_url: str,
        environment_id: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout)
        self._credentials = {"environmentId": environment_id, "apiKey": api_key}
        secret = base64.b64encode(f"{environment_id}:{api_key}".encode()).decode()
        self._server_header = f"Basic {secret}"
        self._service_token: str | None = None
        self._user_tokens: dict[str, str] = {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ tokens

    def _service(self) -> str:
        if self._service_token is None:
            response = self._http.post(
                "/v01/authorize/serviceAccount", json={"email": SERVICE_ACCOUNT_EMAIL, **self._credentials}
            )
            self._service_token = str(_raise_for_error(response)["accessToken"])
        return self._service_token

    def _token(self, user_id: str) -> str:
        if user_id not in self._user_tokens:
            response = self._http.post(
                "/v01/authorize",
                json={**self._credentials, "userId": user_id},
                headers={TOKEN_HEADER: f"Bearer {self._service()}"},
            )
            self._user_tokens[user_id] = str(_raise_for_error(response)["accessToken"])
        return self._user_tokens[user_id]

    def graphql(self, user_id: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Any operation on the server graph as ``user_id``: the answer's ``data``, or :class:`ChatError`."""
        response = self._http.post(
            "/v01/server/graphql",
            json={"query": query, "variables": dict(variables)},
            headers={TOKEN_HEADER: f"Bearer {self._token(user_id)}", SERVER_HEADER: self._server_header},
        )
        data: dict[str, Any] = _raise_for_error(response)["data"]
        return data

    # ------------------------------------------------------------ chat, as a user

    def inbox(self, user_id: str, *, limit: int = 20, offset: int = 0) -> list[Conversation]:
        """The conversations ``user_id`` is a member of, newest first."""
        data = self.graphql(user_id, INBOX, {"userId": user_id, "limit": limit, "offset": offset})
        return [Conversation.from_graph(node) for node in data["conversations"]["data"]]

    def history(self, user_id: str, conversation_id: str, *, limit: int = 50) -> list[Message]:
        """The last ``limit`` messages of a conversation, oldest first."""
        data = self.graphql(user_id, HISTORY, {"conversationId": conversation_id, "limit": limit})
        return [Message.from_graph(node) for node in reversed(data["messages"]["data"])]

    def send(self, user_id: str, conversation_id: str, body: str) -> None:
        message = {"authorId": user_id, "conversationId": conversation_id, "body": body, "isSystem": False}
        self.graphql(user_id, SEND, {"message": message})

    def start(
        self, user_id: str, title: str, member_ids: Sequence[str], tags: Iterable[str] = ()
    ) -> Conversation:
        """A new conversation owned by ``user_id``, with ``member_ids`` (the owner is always a member)."""
        members = [user_id, *(member for member in dict.fromkeys(member_ids) if member != user_id)]
        conversation = {"title": title, "ownerId": user_id, "memberIds": members, "tags": list(tags)}
        data = self.graphql(user_id, START, {"conversation": conversation})
        return Conversation.from_graph(data["createConversation"])

    def tag(self, user_id: str, conversation_id: str, tags: Iterable[str]) -> None:
        self.graphql(user_id, TAG, {"conversationId": conversation_id, "tags": list(tags)})

    def delete(self, user_id: str, conversation_id: str) -> None:
        self.graphql(user_id, DELETE, {"id": conversation_id})
