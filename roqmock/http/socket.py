"""ROQ's message center: the Socket.IO channel ROQ's chat UI (``@roq/ui-react``) talks to.

A third door onto the same world: each event runs the chat service as the socket's user, under the same
rules (``roqmock.domain.permissions``) and list code (``roqmock.domain.lists``) as GraphQL. What a write did
comes back from the domain as events (:mod:`roqmock.domain.events`), from this door and from GraphQL alike;
this module decides who hears them: the connected members who may read the conversation.

Path ``/socket.io``, namespace ``/messageCenter``, the user token in the ``platformtoken`` query parameter
(or the ``PlatformToken`` header). docs/chat-api.md ("Live chat") says what roqmock decides where ROQ is
silent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

import socketio

from roqmock.api.errors import logger
from roqmock.domain.clock import is_uuid, parse_iso, to_iso
from roqmock.domain.errors import BadRequest, Forbidden, NotFound, RoqError, ValidationError
from roqmock.domain.events import Event, Kind
from roqmock.domain.lists import FilterField, ListArgs, ListSpec, run_list
from roqmock.domain.lists import Kind as FieldKind
from roqmock.domain.models import Conversation, Message, User
from roqmock.domain.permissions import Actor, Rules
from roqmock.domain.roles import Entity, Operation
from roqmock.domain.specs import conversation_spec
from roqmock.http.callers import check_user_token
from roqmock.http.socket_kit import CenterKit, session_of
from roqmock.http.socket_limits import BoundedPacket, FloodGuard, Frame, Outboxes, TransportQueue
from roqmock.mock import RoqMock

__all__ = ["NAMESPACE", "SOCKET_PATH", "MessageCenter"]

NAMESPACE = "/messageCenter"
SOCKET_PATH = "socket.io"
# The most a conversationList or messageList page holds, whatever the client asks.
MAX_PAGE = 100
# How long a refused event's error ack waits for its exception to leave (a socket that reads nothing).
ACK_WAIT_S = 5.0

Payload = dict[str, Any]
# The events about messages: heard by those who may read the conversation's messages.
_MESSAGE_KINDS = frozenset(
    {Kind.MESSAGE_CREATED, Kind.MESSAGES_READ, Kind.MESSAGE_UPDATED, Kind.MESSAGE_DELETED}
)
Handler = Callable[["Connection", Payload], Payload | None]


@dataclass(frozen=True, slots=True)
class Connection:
    """One connected socket: the world it acts in and its user."""

    sid: str
    world: RoqMock
    user_id: str


def _refuse(error: RoqError) -> socketio.exceptions.ConnectionRefusedError:
    return socketio.exceptions.ConnectionRefusedError(error.message, {"errorCode": error.error_code})


def exception_payload(error: RoqError) -> str:
    """ROQ's ``exception`` event: a JSON *string* (ROQ's UI ``JSON.parse``-s it)."""
    return json.dumps({"errorCode": error.error_code, "message": error.message, "variables": error.variables})


def socket_origins(mock: RoqMock) -> str | list[str] | None:
    """The origins a socket's page may have: ``--cors-origin``'s, else the same origin only (``None``:
    python-engineio checks ``Origin`` on websocket upgrades too)."""
    origins = mock.settings.cors_origins
    return "*" if "*" in origins else (list(origins) or None)


class MessageCenter:
    """The Socket.IO server of one roqmock (and its sessions)."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=socket_origins(mock),
            # A frame over the GraphQL body limit closes the connection instead of being buffered.
            max_http_buffer_size=mock.settings.max_body_bytes,
            serializer=BoundedPacket,
            logger=False,
            engineio_logger=False,
        )
        # Engine.IO's public hook for the queue each socket's writer drains (socket_limits.py says why).
        self.server.eio.create_queue = TransportQueue
        self.connections: dict[str, Connection] = {}
        self.kit = CenterKit()  # the record, faults and in-process sockets of tests (socket_kit.py)
        self._subscribed: set[int] = set()  # id() of the worlds whose events this center hears
        self.outboxes = Outboxes(self, self._drop, limit=mock.settings.socket_queue)
        self.flood = FloodGuard(mock.settings.socket_rate)
        self.server.on("connect", self._connect, namespace=NAMESPACE)
        self.server.on("disconnect", self._disconnect, namespace=NAMESPACE)
        for event, handler in self._handlers().items():
            self.server.on(event, self._wrap(event, handler), namespace=NAMESPACE)
        self.server.on("*", self._unserved, namespace=NAMESPACE)

    def asgi(self, other: Any) -> socketio.ASGIApp:
        """``other`` with the message center in front of it on ``/socket.io``."""
        return socketio.ASGIApp(self.server, other_asgi_app=other, socketio_path=SOCKET_PATH)

    # ------------------------------------------------------------ connecting

    async def _connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        token = query.get("platformtoken") or environ.get("HTTP_PLATFORMTOKEN")
        if isinstance(auth, dict) and not token:
            token = auth.get("platformtoken") or auth.get("token")
        try:
            connection = self._authenticate(sid, token, session_of(environ, query))
        except RoqError as error:
            raise _refuse(error) from None
        if len(self.connections) >= self.mock.settings.max_sockets:
            limit = self.mock.settings.max_sockets
            raise _refuse(
                RoqError(
                    f"The message center holds {limit} sockets already (roqmock serve --max-sockets)",
                    error_code="TOO_MANY_SOCKETS",
                )
            )
        self.outboxes.open(sid)
        with connection.world.store.lock:
            online_before = self._online(connection.world, connection.user_id)
            self.connections[sid] = connection
            self.kit.connected(connection, environ, query)
            if not online_before:
                self._presence(connection, online=True)

    def _authenticate(self, sid: str, token: Any, session: str | None = None) -> Connection:
        checked = check_user_token(
            self.mock,
            token,
            missing="Missing platformtoken: connect with ?platformtoken=<a user's token>",
            session=session,
        )
        world = checked.world
        if id(world) not in self._subscribed:
            self._subscribed.add(id(world))
            world.observers.append(self._hear)
            world.replaced.append(self._replaced)
        return Connection(sid, world, checked.user_id)

    async def _disconnect(self, sid: str, *args: Any) -> None:
        self.outboxes.close(sid)
        self.flood.forget(sid)
        connection = self.connections.pop(sid, None)
        if connection is not None:
            self.kit.disconnected(connection)
        if connection is not None and not self._online(connection.world, connection.user_id):
            with connection.world.store.lock:
                self._presence(connection, online=False)

    def _online(self, world: RoqMock, user_id: str) -> bool:
        return any(c.world is world and c.user_id == user_id for c in list(self.connections.values()))

    def _presence(self, connection: Connection, *, online: bool) -> None:
        """``userOnline``/``userOffline`` to the connected users who share a conversation with the user."""
        world = connection.world.store.world
        contacts = _contacts(world, connection.user_id)
        event = "userOnline" if online else "userOffline"
        for other in list(self.connections.values()):
            if other.world is connection.world and other.user_id in contacts:
                self._send(event, {"id": connection.user_id, "isOnline": online}, other.sid)

    # ------------------------------------------------------------ sending, in order

    def _send(self, event: str, data: Any, sid: str, frame: Frame | None = None) -> None:
        """The one sending point: an event for one socket, recorded and put through the socket faults
        (socket_kit.py), then queued. ``frame``: the same event already framed for other sockets."""
        size = frame.size if frame is not None else None
        if self.kit.outgoing(self.connections.get(sid), event, data, sid, self._queue, size):
            self.outboxes.put(sid, frame if frame is not None else Frame(event, data))

    def _queue(self, event: str, data: Any, sid: str) -> None:
        """Queue one event for one socket (from any thread); each socket's events leave in the order
        they were queued, through its own bounded outbox (:mod:`roqmock.http.socket_limits`)."""
        self.outboxes.put(sid, Frame(event, data))

    def hand(self, sid: str, frames: list[Frame]) -> None:
        """Put events in ``sid``'s Engine.IO queue (its writer sends them): what ``server.emit`` does,
        without a task per event, and with each frame encoded once for all its sockets."""
        self._put(self._transport(sid), frames)

    def offer(self, sid: str, frame: Frame) -> bool:
        """Hand ``frame`` over if ``sid``'s writer has taken everything before it (or ``sid`` is gone)."""
        transport = self._transport(sid)
        if transport is not None and not transport.closed and not transport.queue.empty():
            return False
        self._put(transport, [frame])
        return True

    def taken(self, sid: str) -> bool:
        """Whether ``sid``'s writer has taken what it was handed: engine.io's queue is unbounded, so what
        a socket that does not read has not taken waits in its outbox, where it is counted."""
        transport = self._transport(sid)
        return transport is None or transport.closed or bool(transport.queue.empty())

    def _put(self, transport: Any, frames: list[Frame]) -> None:
        if transport is None or transport.closed:
            return
        last_ping = transport.last_ping
        if last_ping and time.time() - last_ping > self.server.eio.ping_timeout:
            self.outboxes.later(partial(_ping_timed_out, transport))  # as engine.io's send would
            return
        put = transport.queue.put_nowait
        for frame in frames:
            for packet in frame.packets(NAMESPACE):
                put(packet)

    async def all_taken(self, sid: str) -> None:
        transport = self._transport(sid)
        if transport is not None and not transport.closed:
            await transport.queue.join()

    def _transport(self, sid: str) -> Any:
        eio_sid = self.server.manager.eio_sid_from_sid(sid, NAMESPACE)
        return self.server.eio.sockets.get(eio_sid) if eio_sid is not None else None

    async def _drop(self, sid: str) -> None:
        """Close ``sid``'s connection, so that its client reconnects and reloads: socket.io-client
        reconnects after a closed transport, never after a namespace disconnect ("io server disconnect")."""
        transport = self._transport(sid)
        if transport is None:
            await self.server.disconnect(sid, namespace=NAMESPACE)
            return
        await transport.close(wait=False, abort=False)  # the server's disconnect handlers run here
        transport.queue.put_nowait(None)  # ends its writer, which closes the WebSocket

    def _replaced(self, world: RoqMock) -> None:
        """A world's contents were replaced (reset, reseed, load_state) or its session ended: its sockets
        are dropped at once (from any thread, under its store's lock), so none keeps a user that may be
        gone; they reconnect to the new world and reload."""
        gone = [sid for sid, connection in list(self.connections.items()) if connection.world is world]
        for sid in gone:
            connection = self.connections.pop(sid)
            self.outboxes.close(sid)
            local = sid in self.kit.local
            self.kit.disconnected(connection)  # off the world's socket list now, not at the drop
            if not local:
                self.outboxes.later(partial(self._drop, sid))
        if world.name is not None and world.root.existing_session(world.name) is not world:
            self._subscribed.discard(id(world))  # an ended session: its id() may be reused

    # ------------------------------------------------------------ who hears what

    def _hear(self, world: RoqMock, events: list[Event]) -> None:
        """The observer of a world's writes (called under its store's lock)."""
        for event in events:
            try:
                self._tell(world, event)
            except Exception:
                logger.exception("could not tell the sockets about %s", event)

    def _tell(self, world: RoqMock, event: Event) -> None:
        state = world.store.world
        rules = Rules(state)
        listeners = [c for c in list(self.connections.values()) if c.world is world]
        if not listeners:
            return
        if event.kind is Kind.CONVERSATION_DELETED:
            # Gone: its members as they were, if they may read conversations at all.
            for connection in listeners:
                actor = _actor(world, connection.user_id)
                if (
                    actor is not None
                    and connection.user_id in event.member_ids
                    and rules.scope(actor, Entity.CONVERSATION, Operation.READ) is not None
                ):
                    self._send(
                        "conversationArchived", {"conversationId": event.conversation_id}, connection.sid
                    )
            return
        conversation = state.conversations.get(event.conversation_id)
        if conversation is None:
            return
        if event.kind is Kind.CONVERSATION_MEMBERS_CHANGED:
            self._tell_members_changed(world, rules, event, conversation, listeners)
            return
        entity = Entity.MESSAGE if event.kind in _MESSAGE_KINDS else Entity.CONVERSATION
        frames: dict[Hashable, Frame | None] = {}  # one payload, framed once, per distinct view of it
        hears = rules.member_reads(conversation.id, entity)
        for connection in listeners:
            if not hears(connection.user_id):
                continue
            if event.kind is Kind.CONVERSATION_UNREAD_CHANGED and connection.user_id != event.user_id:
                continue  # a user's own flag
            view = _view(world, event, connection.user_id)
            if view not in frames:
                payload = self._payload(world, event, conversation, connection.user_id)
                frames[view] = Frame(*payload) if payload is not None else None
            frame = frames[view]
            if frame is not None:
                self._send(frame.event, frame.data, connection.sid, frame)

    def _tell_members_changed(
        self,
        world: RoqMock,
        rules: Rules,
        event: Event,
        conversation: Conversation,
        listeners: list[Connection],
    ) -> None:
        """Who left or was removed hears ``memberQuitConversation`` (the UI drops the conversation), who
        joined ``conversationCreated`` (the UI lists it), who stayed ``conversationMembersChanged``."""
        member_ids = list(world.store.world.members_by_conversation.get(conversation.id, {}))
        hears = rules.member_reads(conversation.id, Entity.CONVERSATION)
        for connection in listeners:
            user_id = connection.user_id
            if user_id in event.removed_ids:
                actor = _actor(world, user_id)
                if actor is not None and rules.scope(actor, Entity.CONVERSATION, Operation.READ) is not None:
                    left = {"conversationId": conversation.id, "memberIds": list(event.removed_ids)}
                    self._send("memberQuitConversation", left, connection.sid)
                continue
            if not hears(user_id):
                continue
            shapes = Shapes(world, user_id)
            if user_id in event.added_ids:
                self._send("conversationCreated", shapes.conversation(conversation), connection.sid)
                continue
            members = [shape for shape in map(shapes.user, member_ids) if shape is not None]
            changed = {"conversationId": conversation.id, "memberIds": member_ids, "members": members}
            self._send("conversationMembersChanged", changed, connection.sid)

    def _payload(
        self, world: RoqMock, event: Event, conversation: Conversation, user_id: str
    ) -> tuple[str, Any] | None:
        shapes = Shapes(world, user_id)
        state = world.store.world
        if event.kind is Kind.MESSAGE_CREATED:
            message = state.messages.get(event.message_ids[0])
            if message is None:
                return None
            tags = sorted(state.tags_by_conversation.get(conversation.id, {}))
            return "messageReceived", {**shapes.message(message), "conversationTags": tags}
        if event.kind is Kind.CONVERSATION_CREATED:
            return "conversationCreated", shapes.conversation(conversation)
        if event.kind is Kind.CONVERSATION_TAGS_CHANGED:
            tags = sorted(state.tags_by_conversation.get(conversation.id, {}))
            return "conversationUpdated", {"conversationId": conversation.id, "tags": tags}
        if event.kind is Kind.MESSAGES_READ:
            read: Payload = {
                "messageIds": list(event.message_ids),
                "conversationId": conversation.id,
                "memberId": event.user_id,
            }
            if event.user_id == user_id:
                read["unreadCount"] = world.service.unread_count(user_id, conversation.id)
            return "messagesRead", read
        if event.kind in (Kind.MESSAGE_UPDATED, Kind.MESSAGE_DELETED):
            changed = state.messages.get(event.message_ids[0])
            if changed is None:
                return None
            if event.kind is Kind.MESSAGE_DELETED:
                assert changed.deleted_at is not None
                deleted = {"id": changed.id, "conversationId": conversation.id, "body": changed.body}
                return "messageDeleted", {**deleted, "deletedAt": to_iso(changed.deleted_at)}
            return "messageUpdated", {
                "id": changed.id,
                "conversationId": conversation.id,
                "body": changed.body,
                "bodyUpdatedAt": _iso(changed.body_updated_at),
            }
        if event.kind is Kind.CONVERSATION_UNREAD_CHANGED:
            unread = world.service.is_marked_unread(user_id, conversation.id)
            return "conversationUpdated", {"conversationId": conversation.id, "unread": unread}
        if event.kind is Kind.CONVERSATION_ARCHIVED:
            return "conversationArchived", {"conversationId": conversation.id}
        if event.kind is Kind.CONVERSATION_RENAMED:
            return "conversationTitleChanged", {
                "conversationId": conversation.id,
                "title": conversation.title,
            }
        return None

    # ------------------------------------------------------------ client events

    def _wrap(self, event: str, handler: Handler) -> Callable[..., Awaitable[Any]]:
        async def run(sid: str, data: Any = None, *rest: Any) -> Any:
            connection = self.connections.get(sid)
            if connection is None:  # dropped (a reset, a full outbox) while this event was on its way
                gone = BadRequest(f"{event}: this socket was disconnected", error_code="SOCKET_CLOSED")
                return {"error": json.loads(exception_payload(gone))}
            if not self.flood.admit(sid):
                return await self._flooded(sid, event)
            started = time.perf_counter()
            outcome: RoqError | None = None
            try:
                if not isinstance(data, dict):
                    raise BadRequest(f"{event} takes an object", error_code="BAD_REQUEST", event=event)
                await self.kit.incoming(connection, event)
                with connection.world.store.lock:
                    answer = handler(connection, data)
                    connection.world.publish()
                return answer
            except RoqError as error:
                outcome = error
            except Exception:
                logger.exception("unexpected error handling %s", event)
                outcome = RoqError("Internal server error")
            finally:
                self.kit.handled(connection, event, data, outcome, started)
            return await self._refused(sid, outcome)

        return run

    async def _refused(self, sid: str, error: RoqError) -> Payload:
        """Tell ``sid`` of a refused event (ROQ's ``exception``), and answer its error ack once the
        exception has left: a client that awaits the ack has heard the exception by then."""
        self._send("exception", exception_payload(error), sid)
        await self.outboxes.flushed(sid, ACK_WAIT_S)
        return {"error": json.loads(exception_payload(error))}

    async def _unserved(self, event: str, sid: str, *data: Any) -> Any:
        """An event roqmock does not serve: told, never silently dropped (an ack would never come)."""
        if not self.flood.admit(sid):
            return await self._flooded(sid, event)
        error = BadRequest(
            f"roqmock's message center does not serve {event!r} (see docs/chat-api.md, Live chat)",
            error_code="EVENT_NOT_SERVED",
            event=event,
        )
        connection = self.connections.get(sid)
        if connection is not None:
            self.kit.handled(connection, event, data[0] if data else None, error, time.perf_counter())
        return await self._refused(sid, error)

    async def _flooded(self, sid: str, event: str) -> Any:
        """An event past the socket's rate (roqmock serve --socket-rate): refused before it runs."""
        error = RoqError(
            f"More than {self.flood.rate} events a second from this socket: {event!r} was not run",
            error_code="TOO_MANY_EVENTS",
            event=event,
        ).with_status(429)
        return await self._refused(sid, error)

    def _handlers(self) -> dict[str, Handler]:
        return {
            "userConnected": self._user_connected,
            "userList": self._user_list,
            "conversationList": self._conversation_list,
            "conversationUnreadCount": self._conversation_unread_count,
            "conversationDetails": self._conversation_details,
            "messageList": self._message_list,
            "sendMessage": self._send_message,
            "markAsReadUnreadMessages": self._mark_read,
            "createConversation": self._create_conversation,
            "userTyping": self._user_typing,
            "editMessage": self._edit_message,
            "deleteMessage": self._delete_message,
            "markConversationAsReadUnread": self._mark_conversation,
            "archiveConversation": self._archive_conversation,
            "renameConversation": self._rename_conversation,
            "leaveConversation": self._leave_conversation,
            "updateConversationMembers": self._update_members,
        }

    def _user_connected(self, connection: Connection, data: Payload) -> Payload:
        user_id = data.get("userId")
        if user_id is not None and (not isinstance(user_id, str) or user_id.lower() != connection.user_id):
            raise Forbidden("userId must be the token's user", userId=str(user_id))
        tags = _tags(data)
        return {"unreadCount": self._unread_total(connection, tags)}

    def _user_list(self, connection: Connection, data: Payload) -> Payload:
        _own_user_id(connection, data)
        world = connection.world.store.world
        contacts = sorted(_contacts(world, connection.user_id) | {connection.user_id})
        return {"users": [{"id": u, "isOnline": self._online(connection.world, u)} for u in contacts]}

    def _conversation_list(self, connection: Connection, data: Payload) -> Payload:
        limit = _page_number(data, "limit", default=6)
        offset = _page_number(data, "offset", default=0)
        text = data.get("filter")
        if text is not None and not isinstance(text, str):
            raise _invalid("filter", text, "filter must be a string")
        world = connection.world
        _flag(data, "withDeactivatedUsers")  # deactivated members are always listed, with active: false
        conversations = self._listed(connection, _tags(data), archived=_flag(data, "includeArchived"))
        if not _flag(data, "includeDeactivated"):
            conversations = [c for c in conversations if c.active]
        spec = _live_conversation_spec(world)
        args = ListArgs(
            filter={"text": text} if text else None,
            limit=limit or MAX_PAGE,
            offset=offset,
            order={"sort": "lastMessageAt", "order": "DESC"},
        )
        page = run_list(conversations, spec, args, max_limit=MAX_PAGE)
        shapes = Shapes(world, connection.user_id)
        return {"data": [shapes.conversation(c) for c in page.data], "totalCount": page.total_count}

    def _conversation_unread_count(self, connection: Connection, data: Payload) -> Payload:
        return {"unreadCount": self._unread_total(connection, _tags(data))}

    def _conversation_details(self, connection: Connection, data: Payload) -> Payload:
        conversation = self._readable(connection, data.get("conversationId"), Entity.CONVERSATION)
        return {"conversation": Shapes(connection.world, connection.user_id).conversation(conversation)}

    def _message_list(self, connection: Connection, data: Payload) -> Payload:
        conversation = self._readable(connection, data.get("conversationId"), Entity.MESSAGE)
        limit = _page_number(data, "limit", default=20)
        offset = _page_number(data, "offset", default=0)
        text = data.get("filter")
        if text is not None and not isinstance(text, str):
            raise _invalid("filter", text, "filter must be a string")
        _flag(data, "reset")  # the UI's own paging hint: nothing to reset here
        filters: dict[str, Any] = {"conversationId": {"equalTo": conversation.id}}
        if isinstance(text, str) and text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            filters["body"] = {"iLike": f"%{escaped}%"}
        world = connection.world
        actor = world.service.actor_for(connection.user_id)
        page = world.service.messages(actor, ListArgs(filter=filters, limit=limit or MAX_PAGE, offset=offset))
        shapes = Shapes(world, connection.user_id)
        return {"data": [shapes.message(m) for m in page.data[:MAX_PAGE]], "totalCount": page.total_count}

    def _send_message(self, connection: Connection, data: Payload) -> None:
        world = connection.world
        conversation_id = _uuid(data, "conversationId")
        body = data.get("body")
        if not isinstance(body, str):
            raise _invalid("body", body, "body must be a string")
        _not_empty("body", body)  # as an edit's; ROQ's UI sends no message without one
        file_id = data.get("fileId")
        if file_id is not None and not isinstance(file_id, str):
            raise _invalid("fileId", file_id, "fileId must be a UUID")
        kind = data.get("type")
        if kind is None:
            kind = "text" if file_id is None else "file"
        if kind not in ("text", "file"):
            raise _invalid("type", kind, "type must be one of the following values: text, file")
        if kind == "file" and file_id is None:
            raise _invalid("fileId", file_id, "a file message needs a fileId")
        if kind == "text" and file_id is not None:
            raise _invalid("fileId", file_id, 'a text message has no fileId: send type "file"')
        if _flag(data, "isSystem"):
            raise Forbidden("System messages are for the server's service account (GraphQL createMessage)")
        author = data.get("authorId")
        if author is None:
            author = connection.user_id
        if not isinstance(author, str):
            raise _invalid("authorId", author, "authorId must be a UUID")
        mentioned = data.get("mentionedIds")
        if mentioned is None:
            mentioned = []
        if not isinstance(mentioned, list) or not all(isinstance(m, str) and is_uuid(m) for m in mentioned):
            raise _invalid("mentionedIds", mentioned, "mentionedIds must be an array of UUIDs")
        reply_id = _optional_uuid(data, "replyId")
        forward_id = _optional_uuid(data, "forwardFromId")
        forwarded = world.store.world.messages.get(forward_id or "")
        if forwarded is not None and reply_id is not None and reply_id == forwarded.replied_to_id:
            reply_id = None  # ROQ's UI copies the forwarded message's own reply into a forward
        actor = world.service.actor_for(connection.user_id)
        world.service.create_message(
            actor,
            author_id=author.lower() if is_uuid(author) else author,
            body=body,
            conversation_id=conversation_id,
            is_system=False,
            file_id=file_id if kind == "file" else None,
            reply_id=reply_id,
            forward_from_id=forward_id,
            mentioned_ids=mentioned,
        )
        return None

    def _edit_message(self, connection: Connection, data: Payload) -> None:
        message_id = _uuid(data, "id")
        body = data.get("body")
        if not isinstance(body, str):
            raise _invalid("body", body, "body must be a string")
        service = connection.world.service
        service.edit_message(service.actor_for(connection.user_id), message_id, body)
        return None

    def _delete_message(self, connection: Connection, data: Payload) -> None:
        message_id = _uuid(data, "id")
        service = connection.world.service
        service.delete_message(service.actor_for(connection.user_id), message_id)
        return None

    def _mark_conversation(self, connection: Connection, data: Payload) -> None:
        conversation = self._readable(connection, data.get("conversationId"), Entity.CONVERSATION)
        user_id = data.get("userId")
        if user_id is not None and (not isinstance(user_id, str) or user_id.lower() != connection.user_id):
            raise Forbidden("userId must be the token's user", userId=str(user_id))
        unread = data.get("unread")
        if not isinstance(unread, bool):
            raise _invalid("unread", unread, "unread must be a boolean")
        service = connection.world.service
        service.mark_conversation_unread(service.actor_for(connection.user_id), conversation.id, unread)
        return None

    def _archive_conversation(self, connection: Connection, data: Payload) -> None:
        conversation_id = _uuid(data, "conversationId")
        service = connection.world.service
        service.archive_conversation(service.actor_for(connection.user_id), conversation_id)
        return None

    def _rename_conversation(self, connection: Connection, data: Payload) -> None:
        conversation_id = _uuid(data, "conversationId")
        title = data.get("title")
        if not isinstance(title, str):
            raise _invalid("title", title, "title must be a string")
        service = connection.world.service
        service.rename_conversation(service.actor_for(connection.user_id), conversation_id, title)
        return None

    def _leave_conversation(self, connection: Connection, data: Payload) -> None:
        conversation_id = _uuid(data, "conversationId")
        service = connection.world.service
        service.leave_conversation(service.actor_for(connection.user_id), conversation_id)
        return None

    def _update_members(self, connection: Connection, data: Payload) -> None:
        conversation_id = _uuid(data, "conversationId")
        members = data.get("memberIds")
        if not isinstance(members, list) or not all(isinstance(m, str) and is_uuid(m) for m in members):
            raise _invalid("memberIds", members, "memberIds must be an array of UUIDs")
        service = connection.world.service
        service.update_conversation_members(service.actor_for(connection.user_id), conversation_id, members)
        return None

    def _mark_read(self, connection: Connection, data: Payload) -> None:
        conversation = self._readable(connection, data.get("conversationId"), Entity.MESSAGE)
        stamp = data.get("lastTimestamp")
        try:
            until = parse_iso(stamp) if isinstance(stamp, str) else None
        except ValueError:
            until = None
        if until is None:
            raise _invalid("lastTimestamp", stamp, "lastTimestamp must be a valid ISO 8601 date string")
        world = connection.world
        world.service.mark_read(world.service.actor_for(connection.user_id), conversation.id, until)
        return None

    def _create_conversation(self, connection: Connection, data: Payload) -> None:
        world = connection.world
        title = data.get("title")
        if not isinstance(title, str):
            raise _invalid("title", title, "title must be a string")
        _not_empty("title", title)  # as a rename's
        members = data.get("memberIds")
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise _invalid("memberIds", members, "memberIds must be an array of UUIDs")
        is_group = data.get("isGroup")
        if is_group is not None and not isinstance(is_group, bool):
            raise _invalid("isGroup", is_group, "isGroup must be a boolean")
        tags = _tags(data)
        first = data.get("firstMessage")
        if first is not None and not isinstance(first, str):
            raise _invalid("firstMessage", first, "firstMessage must be a string")
        me = connection.user_id
        member_ids = list(dict.fromkeys([*(m.lower() if is_uuid(m) else m for m in members), me]))
        if len(member_ids) < 2:
            # ROQ's UI shows a conversation by its other members (a one-to-one by members[0]).
            raise _invalid("memberIds", members, "memberIds must name at least one other user")
        actor = world.service.actor_for(me)
        if not is_group and len(member_ids) == 2:
            existing = _one_to_one(world, member_ids)
            if existing is not None and Rules(world.store.world).can_read_conversation(
                actor, existing.id, Entity.CONVERSATION
            ):
                shape = Shapes(world, me).conversation(existing)
                self._send("conversationExists", {"id": existing.id, "conversation": shape}, connection.sid)
                return None
        conversation = world.service.create_conversation(
            actor,
            title=title,
            owner_id=me,
            member_ids=member_ids,
            is_group=is_group,
            tags=tags,
        )
        if first:
            world.publish()  # conversationCreated first, then its first message
            world.service.create_message(
                actor, author_id=me, body=first, conversation_id=conversation.id, is_system=False
            )
        return None

    def _user_typing(self, connection: Connection, data: Payload) -> None:
        conversation = self._readable(connection, data.get("conversationId"), Entity.MESSAGE)
        world = connection.world
        if connection.user_id not in world.store.world.members_by_conversation[conversation.id]:
            raise Forbidden("Only members of a conversation may type in it", conversationId=conversation.id)
        _own_user_id(connection, data)
        typing = _flag(data, "typing")
        rules = Rules(world.store.world)
        relay = {
            "conversationId": conversation.id,
            "userId": connection.user_id,
            "typing": typing,
            "timestamp": to_iso(datetime.now().astimezone()),
        }
        hears = rules.member_reads(conversation.id, Entity.MESSAGE)
        for other in list(self.connections.values()):
            if other.world is world and other.user_id != connection.user_id and hears(other.user_id):
                self._send("userTyping", relay, other.sid)
        return None

    # ------------------------------------------------------------ reads

    def _readable(self, connection: Connection, conversation_id: Any, entity: Entity) -> Conversation:
        """The conversation, if the user is a member who may read it; 404 otherwise, as GraphQL hides it."""
        if not isinstance(conversation_id, str) or not is_uuid(conversation_id):
            raise _invalid("conversationId", conversation_id, "conversationId must be a UUID")
        world = connection.world
        conversation = world.store.world.conversations.get(conversation_id.lower())
        if conversation is None or not world.service.rules.member_reads(conversation.id, entity)(
            connection.user_id
        ):
            raise NotFound.entity("Conversation", conversation_id)
        return conversation

    def _listed(self, connection: Connection, tags: list[str], *, archived: bool) -> list[Conversation]:
        """The user's conversations: those it is a member of and may read, with every tag in ``tags``."""
        world = connection.world
        state = world.store.world
        actor = world.service.actor_for(connection.user_id)
        readable = world.service.rules.readable_conversation_ids(actor)
        mine = state.conversations_by_user.get(connection.user_id, set())
        chosen = []
        for conversation_id in mine:
            conversation = state.conversations.get(conversation_id)
            if conversation is None or (readable is not None and conversation_id not in readable):
                continue
            if conversation.archived and not archived:
                continue
            if tags and not set(tags) <= set(state.tags_by_conversation.get(conversation_id, {})):
                continue
            chosen.append(conversation)
        return chosen

    def _unread_total(self, connection: Connection, tags: list[str]) -> int:
        service = connection.world.service
        return sum(
            service.unread_count(connection.user_id, c.id)
            + service.is_marked_unread(connection.user_id, c.id)
            for c in self._listed(connection, tags, archived=False)
        )


# ---------------------------------------------------------------- shapes


class Shapes:
    """The socket's wire objects (ROQ's UI: ``ChatConversationSchemaInterface`` and friends), as one user
    sees them."""

    def __init__(self, world: RoqMock, user_id: str) -> None:
        self.mock = world
        self.world = world.store.world
        self.user_id = user_id

    def user(self, user_id: str | None) -> Payload | None:
        user = self.world.users.get(user_id or "")
        return _user(user) if user is not None else None

    def message(self, message: Message, *, nested: bool = False) -> Payload:
        file = self.world.files.get(message.file_id) if message.file_id is not None else None
        replied = forwarded = None
        if not nested:
            replied = self._linked(message.replied_to_id)
            forwarded = self._linked(message.forward_from_id)
        return {
            "id": message.id,
            "body": message.body,
            "conversationId": message.conversation_id,
            "readBy": self.mock.service.readers(message),
            "authorId": message.author_id,
            "author": self.user(message.author_id),
            "createdAt": to_iso(message.created_at),
            "updatedAt": to_iso(message.updated_at),
            "deletedAt": _iso(message.deleted_at),
            "bodyUpdatedAt": _iso(message.body_updated_at),
            "isSystem": message.is_system,
            "repliedToId": message.replied_to_id,
            "repliedTo": replied,
            "forwardFromId": message.forward_from_id,
            "forwardFrom": forwarded,
            "mentionedIds": list(message.mentioned_ids),
            "type": "file" if message.file_id is not None else "text",
            "fileId": message.file_id,
            "file": {"id": file.id, "name": file.name} if file is not None else None,
        }

    def _linked(self, message_id: str | None) -> Payload | None:
        """A replied-to or forwarded message, nested, when this user may read its conversation (a
        forward may come from a conversation the reader is not in: then only its id is shown)."""
        linked = self.world.messages.get(message_id or "")
        return self.message(linked, nested=True) if linked is not None and self.sees(linked) else None

    def sees(self, linked: Message) -> bool:
        """Whether this user may read a linked message's conversation (so sees it nested)."""
        actor = _actor(self.mock, self.user_id)
        return actor is not None and Rules(self.world).can_read_conversation(
            actor, linked.conversation_id, Entity.MESSAGE
        )

    def conversation(self, conversation: Conversation) -> Payload:
        world = self.world
        member_ids = list(world.members_by_conversation.get(conversation.id, {}))
        messages = world.messages_by_conversation.get(conversation.id, [])
        last = messages[-1] if messages else None
        actor = _actor(self.mock, self.user_id) or Actor(self.user_id)
        rules = Rules(world)
        return {
            "id": conversation.id,
            "environmentId": self.mock.name or self.mock.settings.environment_id,
            "title": conversation.title,
            "message": last.body if last is not None else None,
            "memberIds": member_ids,
            "members": [shape for shape in map(self.user, member_ids) if shape is not None],
            "lastMessage": self.message(last) if last is not None else None,
            "lastMessageTimestamp": to_iso(last.created_at if last is not None else conversation.created_at),
            "ownerId": conversation.owner_id,
            "owner": self.user(conversation.owner_id),
            "isGroup": conversation.is_group,
            "unreadCount": self.mock.service.unread_count(self.user_id, conversation.id),
            "unread": self.mock.service.is_marked_unread(self.user_id, conversation.id),
            "createdAt": to_iso(conversation.created_at),
            "updatedAt": to_iso(conversation.updated_at),
            "deletedAt": None,
            "archived": conversation.archived,
            "canDelete": _may_manage(rules, actor, conversation, Operation.DELETE),
            "canUpdate": _may_manage(rules, actor, conversation, Operation.UPDATE),
            "active": conversation.active,
            "tags": sorted(world.tags_by_conversation.get(conversation.id, {})),
        }


def _user(user: User) -> Payload:
    first, last = user.first_name or "", user.last_name or ""
    full = " ".join(part for part in (first, last) if part) or user.email
    initials = "".join(part[0] for part in (first, last) if part).upper() or user.email[:1].upper()
    return {
        "id": user.id,
        "reference": user.reference,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "avatarUrl": user.avatar_url,
        "fullName": full,
        "initials": initials,
        "active": user.active,
        "createdAt": to_iso(user.created_at),
        "updatedAt": to_iso(user.updated_at),
    }


# ---------------------------------------------------------------- helpers


async def _ping_timed_out(transport: Any) -> None:
    """Close a transport whose client stopped answering pings (engine.io's own check, which closes it)."""
    if not transport.closed:
        await transport.check_ping_timeout()


def _view(world: RoqMock, event: Event, user_id: str) -> Hashable:
    """What, of ``event``'s payload, depends on who hears it (MessageCenter._payload): listeners with
    the same view get the same payload, built and encoded once."""
    if event.kind is Kind.MESSAGE_CREATED:
        state = world.store.world
        message = state.messages.get(event.message_ids[0])
        if message is None or (message.replied_to_id is None and message.forward_from_id is None):
            return ()
        shapes = Shapes(world, user_id)
        links = (state.messages.get(i or "") for i in (message.replied_to_id, message.forward_from_id))
        return tuple(linked is not None and shapes.sees(linked) for linked in links)
    if event.kind is Kind.MESSAGES_READ:
        return event.user_id == user_id  # the reader's own event carries its unread count
    if event.kind in (Kind.CONVERSATION_CREATED, Kind.CONVERSATION_UNREAD_CHANGED):
        return user_id  # the user's own unread count, flag and rights
    return ()


def _actor(world: RoqMock, user_id: str) -> Actor | None:
    user = world.store.world.users.get(user_id)
    return Actor(user.id, user.tenant_id) if user is not None else None


def _may_manage(rules: Rules, actor: Actor, conversation: Conversation, operation: Operation) -> bool:
    try:
        rules.check_manage_conversation(actor, conversation, operation)
    except Forbidden:
        return False
    return True


def _contacts(world: Any, user_id: str) -> set[str]:
    """The users who share a conversation with ``user_id``."""
    contacts: set[str] = set()
    for conversation_id in world.conversations_by_user.get(user_id, ()):
        contacts.update(world.members_by_conversation.get(conversation_id, {}))
    contacts.discard(user_id)
    return contacts


def _one_to_one(world: RoqMock, member_ids: list[str]) -> Conversation | None:
    """The oldest one-to-one (not a group) conversation of exactly these two members."""
    state = world.store.world
    pair = set(member_ids)
    candidates = state.conversations_by_user.get(member_ids[0], set()) & state.conversations_by_user.get(
        member_ids[1], set()
    )
    found = [
        state.conversations[cid]
        for cid in candidates
        if not state.conversations[cid].is_group and set(state.members_by_conversation[cid]) == pair
    ]
    return min(found, key=lambda c: (c.created_at, c.id)) if found else None


def _live_conversation_spec(world: RoqMock) -> ListSpec[Conversation]:
    """GraphQL's conversation list, plus what the chat list needs: its free-text filter (title and
    members' names) and its order (the latest activity first)."""
    state = world.store.world
    spec = conversation_spec(state)

    def last_activity(conversation: Conversation) -> datetime:
        messages = state.messages_by_conversation.get(conversation.id)
        return messages[-1].created_at if messages else conversation.created_at

    def texts(conversation: Conversation) -> Iterable[str | None]:
        yield conversation.title
        for user_id in state.members_by_conversation.get(conversation.id, {}):
            user = state.users.get(user_id)
            if user is not None:
                yield _user(user)["fullName"]

    return replace(
        spec,
        filters={**spec.filters, "text": FilterField(FieldKind.TEXT, texts)},
        sorts={**spec.sorts, "lastMessageAt": last_activity},
    )


def _tags(data: Payload) -> list[str]:
    tags = data.get("tags")
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise _invalid("tags", tags, "tags must be an array of strings")
    return list(dict.fromkeys(tags))


def _flag(data: Payload, name: str) -> bool:
    """An optional boolean field (absent or null: false); any other type is refused, never ignored."""
    value = data.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _invalid(name, value, f"{name} must be a boolean")
    return value


def _not_empty(name: str, value: str) -> None:
    if not value.strip():
        raise ValidationError(
            f"{name} should not be empty", error_code="IS_NOT_EMPTY", property=name, value=value
        )


def _own_user_id(connection: Connection, data: Payload) -> None:
    """An optional ``userId`` that must name the socket's own user."""
    user_id = data.get("userId")
    if user_id is not None and (not isinstance(user_id, str) or user_id.lower() != connection.user_id):
        raise Forbidden("userId must be the token's user", userId=str(user_id))


def _page_number(data: Payload, name: str, *, default: int) -> int:
    value = data.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(name, value, f"{name} must be a whole number, not less than 0")
    return value


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment is not None else None


def _optional_uuid(data: Payload, name: str) -> str | None:
    return _uuid(data, name) if data.get(name) is not None else None


def _uuid(data: Payload, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not is_uuid(value):
        raise _invalid(name, value, f"{name} must be a UUID")
    return value.lower()


def _invalid(name: str, value: Any, message: str) -> ValidationError:
    shown = value if isinstance(value, str | int | float | bool) or value is None else repr(value)[:100]
    return ValidationError(message, error_code="VALIDATION_ERROR", property=name, value=shown)
