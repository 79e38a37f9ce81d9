"""A Python client for ROQ's chat API whose methods mirror ROQ's Node SDK, in process or over HTTP.

Each method sends the SDK's operation and returns what the SDK returns, the ``data`` of the answer
(``client.conversations()["conversations"]["totalCount"]``); an error answer raises :class:`RoqHttpError`
with ROQ's ``status_code`` and ``error_code``, as the SDK raises ``HttpException``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict, Unpack

import httpx

from roqmock import documents
from roqmock.auth import SERVER_HEADER, SESSION_HEADER, TOKEN_HEADER, server_header

Runner = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class RoqHttpError(Exception):
    """ROQ's error envelope, raised: the SDK's ``HttpException``."""

    def __init__(self, message: str, status_code: int, error_code: str, answer: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_code = error_code
        self.answer = answer

    def __str__(self) -> str:
        return f"{self.status_code} {self.error_code}: {self.message}"


class ListOptions(TypedDict, total=False):
    """The arguments every ROQ list takes."""

    filter: Mapping[str, Any] | None
    limit: int | None
    offset: int | None
    order: Mapping[str, str] | None
    search: Mapping[str, str] | None


def _drop_none(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class RoqClient:
    """One caller (a user, or the super admin) of ROQ's chat API."""

    def __init__(self, runner: Runner, *, user_id: str | None, http: httpx.Client | None = None) -> None:
        self._runner = runner
        self.user_id = user_id
        self._http = http  # what posts a file's bytes to its upload URL

    @property
    def is_super_admin(self) -> bool:
        return self.user_id is None

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The whole answer, exactly as the server graph's HTTP endpoint gives it; never raises."""
        return self._runner({"query": query, "variables": dict(variables or {})})[1]

    def _call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        answer = self.execute(query, variables)
        errors = answer.get("errors")
        if errors:
            response = errors[0].get("extensions", {}).get("response", {})
            raise RoqHttpError(
                str(response.get("message", errors[0].get("message"))),
                int(response.get("statusCode", 500)),
                str(response.get("errorCode", "INTERNAL_ERROR")),
                answer,
            )
        data: dict[str, Any] = answer["data"]
        return data

    # ------------------------------------------------------------ chat

    def conversations(
        self,
        *,
        with_users: bool = False,
        with_tags: bool = False,
        **options: Unpack[ListOptions],
    ) -> dict[str, Any]:
        variables = _drop_none(**options)
        return self._call(
            documents.CONVERSATIONS, {**variables, "withUsers": with_users, "withTags": with_tags}
        )

    def messages(
        self,
        *,
        with_file: bool = False,
        **options: Unpack[ListOptions],
    ) -> dict[str, Any]:
        variables = _drop_none(**options)
        return self._call(documents.MESSAGES, {**variables, "withFile": with_file})

    def message_file_url(self, id: str, file_id: str) -> dict[str, Any]:
        return self._call(documents.MESSAGE_FILE_URL, {"id": id, "fileId": file_id})

    def create_conversation(self, conversation: Mapping[str, Any]) -> dict[str, Any]:
        return self._call(documents.CREATE_CONVERSATION, {"conversation": dict(conversation)})

    def delete_conversation(self, id: str) -> dict[str, Any]:
        return self._call(documents.DELETE_CONVERSATION, {"id": id})

    def assign_tags_to_conversation(self, conversation_id: str, tags: Sequence[str]) -> dict[str, Any]:
        return self._call(documents.ASSIGN_TAGS, {"conversationId": conversation_id, "tags": list(tags)})

    def unassign_tags_from_conversation(self, conversation_id: str, tags: Sequence[str]) -> dict[str, Any]:
        return self._call(documents.UNASSIGN_TAGS, {"conversationId": conversation_id, "tags": list(tags)})

    def create_message(self, message: Mapping[str, Any]) -> dict[str, Any]:
        return self._call(documents.CREATE_MESSAGE, {"message": dict(message)})

    # ------------------------------------------------------------ users and files

    def users(
        self,
        *,
        with_tenant: bool = False,
        with_roles: bool = False,
        **options: Unpack[ListOptions],
    ) -> dict[str, Any]:
        variables = _drop_none(**options)
        return self._call(documents.USERS, {**variables, "withTenant": with_tenant, "withRoles": with_roles})

    def user(self, id: str, *, with_tenant: bool = False, with_roles: bool = False) -> dict[str, Any]:
        return self._call(documents.USER, {"id": id, "withTenant": with_tenant, "withRoles": with_roles})

    def create_user(self, user: Mapping[str, Any]) -> dict[str, Any]:
        return self._call(documents.CREATE_USER, {"user": dict(user)})

    def assign_roles_to_user(self, user_id: str, role_keys: Sequence[str]) -> dict[str, Any]:
        return self._call(documents.ASSIGN_ROLES, {"userId": user_id, "roleKeys": list(role_keys)})

    def unassign_roles_from_user(self, user_id: str, role_keys: Sequence[str]) -> dict[str, Any]:
        return self._call(documents.UNASSIGN_ROLES, {"userId": user_id, "roleKeys": list(role_keys)})

    def files(self, **options: Unpack[ListOptions]) -> dict[str, Any]:
        variables = _drop_none(**options)
        return self._call(documents.FILES, variables)

    def file(self, id: str) -> dict[str, Any]:
        return self._call(documents.FILE, {"id": id})

    def file_categories(self, **options: Unpack[ListOptions]) -> dict[str, Any]:
        return self._call(documents.FILE_CATEGORIES, _drop_none(**options))

    def create_file_upload(self, name: str, content_type: str, file_category: str) -> dict[str, Any]:
        dto = {"name": name, "contentType": content_type, "fileCategory": file_category}
        return self._call(documents.CREATE_FILE_UPLOAD, {"createFileDto": dto})

    def update_file_status(self, id: str, status: str) -> dict[str, Any]:
        return self._call(documents.UPDATE_FILE_STATUS, {"id": id, "status": status})

    def update_file(self, id: str, update_file_dto: Mapping[str, Any]) -> dict[str, Any]:
        return self._call(documents.UPDATE_FILE, {"id": id, "updateFileDto": dict(update_file_dto)})

    def make_file_public(self, id: str) -> dict[str, Any]:
        return self._call(documents.MAKE_FILE_PUBLIC, {"id": id})

    def make_file_private(self, id: str) -> dict[str, Any]:
        return self._call(documents.MAKE_FILE_PRIVATE, {"id": id})

    def delete_files(self, filter: Mapping[str, Any]) -> dict[str, Any]:
        return self._call(documents.DELETE_FILES, {"filter": dict(filter)})

    def create_file_association(
        self, file_id: str, entity_name: str, entity_reference: str
    ) -> dict[str, Any]:
        dto = {"fileId": file_id, "entityName": entity_name, "entityReference": entity_reference}
        return self._call(documents.CREATE_FILE_ASSOCIATION, {"createFileAssociationDto": dto})

    def delete_file_associations(self, filter: Mapping[str, Any]) -> dict[str, Any]:
        return self._call(documents.DELETE_FILE_ASSOCIATIONS, {"filter": dict(filter)})

    def upload_file(
        self,
        name: str,
        content_type: str,
        data: bytes,
        *,
        category: str = "CHAT_FILES",
        is_public: bool | None = None,
    ) -> dict[str, Any]:
        """The SDK's ``uploadFile``: ``createFileUpload``, the bytes posted to its presigned form (every
        field echoed, ``file`` last), ``updateFileStatus(ready)``, then public or private as asked.
        Returns the ready file (``FileModel``, with its download ``url``); a refused upload raises
        :class:`RoqHttpError` with S3's error code."""
        upload = self.create_file_upload(name, content_type, category)["createFileUpload"]
        if self._http is None:
            raise RuntimeError("this client cannot post file bytes: make it with an httpx client")
        fields = {key: str(value) for key, value in upload["formFields"].items()}
        response = self._http.post(
            upload["uploadUrl"], data=fields, files={"file": (name, data, content_type)}
        )
        if response.status_code != 204:
            code = re.search(r"<Code>(.*?)</Code>", response.text)
            raise RoqHttpError(
                f"File upload to bucket failed: {response.text}",
                response.status_code,
                code.group(1) if code else "UPLOAD_FAILED",
                {"body": response.text},
            )
        file: dict[str, Any] = self.update_file_status(upload["id"], "ready")["updateFileStatus"]
        if is_public is not None and is_public != file["isPublic"]:
            flip = self.make_file_public if is_public else self.make_file_private
            file = flip(upload["id"])["makeFilePublic" if is_public else "makeFilePrivate"]
        return file


# ---------------------------------------------------------------- over HTTP


class HttpSession:
    """Tokens and requests against a running roqmock (or ROQ) at ``url``, through httpx; in roqmock's
    session ``session`` when one is named (the ``x-roqmock-session`` header on every request)."""

    def __init__(
        self,
        url: str,
        *,
        environment_id: str,
        api_key: str,
        http: httpx.Client | None = None,
        session: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.environment_id = environment_id
        self.api_key = api_key
        self.session = session
        self.http = http or httpx.Client(timeout=30)
        self._tokens: dict[str | None, str] = {}

    @property
    def server_header(self) -> str:
        return server_header(self.environment_id, self.api_key)

    def headers(self, **more: str) -> dict[str, str]:
        """The session's header (if any) and ``more``."""
        return {**({SESSION_HEADER: self.session} if self.session is not None else {}), **more}

    def token(self, user_id: str | None, *, expires_in: str | None = None) -> str:
        """A service-account token (``None``) or a user token, fetched once and kept (a token with its
        own ``expires_in`` is fetched each time)."""
        if user_id in self._tokens and expires_in is None:
            return self._tokens[user_id]
        credentials = {"environmentId": self.environment_id, "apiKey": self.api_key}
        if user_id is None:
            response = self.http.post(
                f"{self.url}/v01/authorize/serviceAccount",
                json={"email": "project-service-account@roq.tech", **credentials},
                headers=self.headers(),
            )
        else:
            body = {**credentials, "userId": user_id}
            if expires_in is not None:
                body["expiresIn"] = expires_in
            response = self.http.post(
                f"{self.url}/v01/authorize",
                json=body,
                headers=self.headers(**{TOKEN_HEADER: f"Bearer {self.token(None)}"}),
            )
        answer = response.json()
        if response.status_code >= 400:
            raise RoqHttpError(
                str(answer.get("message")), response.status_code, str(answer.get("errorCode")), answer
            )
        token = str(answer["accessToken"])
        if expires_in is None:
            self._tokens[user_id] = token
        return token

    def forget_tokens(self) -> None:
        self._tokens.clear()

    def post_graphql(self, body: Mapping[str, Any], *, token: str) -> httpx.Response:
        """``body`` posted to the server graph with ``token`` and the server header, as the SDK does."""
        return self.http.post(
            f"{self.url}/v01/server/graphql",
            json=body,
            headers=self.headers(**{TOKEN_HEADER: f"Bearer {token}", SERVER_HEADER: self.server_header}),
        )

    def runner(self, user_id: str | None) -> Runner:
        def run(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            response = self.post_graphql(body, token=self.token(user_id))
            answer: dict[str, Any] = response.json()
            return response.status_code, answer

        return run

    def as_user(self, user_id: str) -> RoqClient:
        return RoqClient(self.runner(user_id), user_id=user_id, http=self.http)

    def as_super_admin(self) -> RoqClient:
        return RoqClient(self.runner(None), user_id=None, http=self.http)

    def close(self) -> None:
        self.http.close()
