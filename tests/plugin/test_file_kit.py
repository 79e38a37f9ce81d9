"""The kit's ``upload_file`` on both fixtures, and the flow around it through the graphs: a ready file with a
download URL that serves its bytes, attached to a message, read back, in the world's state, on the client
graph; refusals in ROQ's envelope."""

from __future__ import annotations

import base64

import httpx
import pytest

from roqmock.client import RoqHttpError
from roqmock.testing import Roq, RoqKit, RoqServer

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def _get(kit: RoqKit, url: str) -> httpx.Response:
    if isinstance(kit, Roq):
        return kit._http.http.get(url)
    return httpx.get(url, timeout=30)


def _flow(kit: RoqKit) -> None:
    alice, bob = kit.world.users[0], kit.world.users[1]
    file = kit.as_user(alice).upload_file("dot.png", "image/png", PNG)
    assert (file["status"], file["name"], file["createdByUserId"]) == ("ready", "dot.png", alice.id)
    download = _get(kit, file["url"])
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert 'filename="dot.png"' in download.headers["content-disposition"]
    again = kit.as_user(alice).file(file["id"])["file"]
    assert again["status"] == "ready" and again["url"]

    # Attached to a message in a conversation bob reads, bob gets the same bytes through messageFileUrl.
    conversation = kit.as_user(alice).create_conversation(
        {"title": "files", "ownerId": alice.id, "memberIds": [alice.id, bob.id]}
    )["createConversation"]
    kit.as_user(alice).create_message(
        {
            "authorId": alice.id,
            "body": "dot",
            "conversationId": conversation["id"],
            "isSystem": False,
            "fileId": file["id"],
        }
    )
    messages = kit.as_user(bob).messages(
        filter={"conversationId": {"equalTo": conversation["id"]}}, with_file=True
    )
    message = messages["messages"]["data"][0]
    assert message["file"]["id"] == file["id"] and message["file"]["url"]
    url = kit.as_user(bob).message_file_url(message["id"], file["id"])["messageFileUrl"]
    assert _get(kit, url).content == PNG
    with pytest.raises(RoqHttpError) as refused:
        kit.as_user(bob).delete_files({"id": {"equalTo": file["id"]}})
    assert refused.value.error_code == "FORBIDDEN"

    # The state carries the bytes, and a reset takes them back.
    state = kit.state()
    [saved] = [f for f in state["files"] if f["id"] == file["id"]]
    assert base64.b64decode(saved["contentBase64"]) == PNG
    kit.reset()
    assert file["id"] not in {f["id"] for f in kit.state()["files"]}
    assert _get(kit, file["url"]).status_code == 404
    kit.load_state(state)
    assert _get(kit, file["url"]).content == PNG


def test_upload_file_in_process(roq: Roq) -> None:
    _flow(roq)


def test_upload_file_over_http(roq_server: RoqServer) -> None:
    _flow(roq_server)


@pytest.mark.parametrize("over_http", [False, True])
def test_upload_file_in_a_session_stays_there(roq: Roq, roq_server: RoqServer, over_http: bool) -> None:
    kit: RoqKit = roq_server if over_http else roq
    session = kit.session("uploads")
    user = session.world.users[0]
    file = session.as_user(user).upload_file("a.txt", "text/plain", b"in a session", is_public=True)
    assert file["isPublic"] is True
    assert _get(kit, file["url"]).content == b"in a session"
    assert file["id"] not in {f["id"] for f in kit.state()["files"]}


def test_refusals_on_the_way_up(roq: Roq) -> None:
    alice = roq.world.users[0]
    client = roq.as_user(alice)
    with pytest.raises(RoqHttpError) as unknown:
        client.upload_file("a.txt", "text/plain", b"x", category="NO_SUCH_CATEGORY")
    assert unknown.value.error_code == "FILE_CATEGORY_WITH_GIVEN_KEY_NOT_FOUND"
    with pytest.raises(RoqHttpError) as wrong_type:
        client.upload_file("a.txt", "text/plain", b"x", category="USER_AVATAR_FILES")
    assert wrong_type.value.error_code == "INVALID_CONTENT_TYPE_FOR_FILE_CATEGORY"
    pending = client.create_file_upload("a.txt", "text/plain", "CHAT_FILES")["createFileUpload"]
    assert pending["status"] == "upload_pending" and {"maxSize", "expiryTime"} <= set(pending["formFields"])
    assert client.file(pending["id"])["file"]["url"] is None
    with pytest.raises(RoqHttpError) as early:
        client.update_file_status(pending["id"], "ready")
    assert early.value.error_code == "FILE_NOT_COMPLETELY_UPLOADED_STATUS_UPDATE_FAILED"
    with pytest.raises(RoqHttpError) as oversize:
        client.upload_file("big.png", "image/png", b"x" * (2 * 1024 * 1024 + 1), category="USER_AVATAR_FILES")
    assert oversize.value.status_code == 400 and oversize.value.error_code == "EntityTooLarge"


def test_the_client_graph_takes_the_file_mutations_only(roq: Roq) -> None:
    alice = roq.world.users[0]
    token = roq.token(alice)
    http = roq._http.http
    headers = {"roq-platform-authorization": f"Bearer {token}"}

    def client_graph(query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
        response = http.post(
            "/v01/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        answer: dict[str, object] = response.json()
        return answer

    made = client_graph(
        'mutation { createFileUpload(createFileDto: {name: "a.txt", contentType: "text/plain", '
        'fileCategory: "CHAT_FILES"}) { id status } }'
    )
    file_id = made["data"]["createFileUpload"]["id"]  # type: ignore[index]
    renamed = client_graph(
        'mutation($id: ID!) { updateFile(id: $id, updateFileDto: {name: "b.txt"}) { name } '
        "makeFilePublic(id: $id) { isPublic } }",
        {"id": file_id},
    )
    assert renamed["data"] == {"updateFile": {"name": "b.txt"}, "makeFilePublic": {"isPublic": True}}
    assert client_graph(
        "mutation($id: ID!) { deleteFiles(filter: {id: {equalTo: $id}}) }", {"id": file_id}
    ) == {"data": {"deleteFiles": [file_id]}}
    before = roq.state()
    for refused in (
        'mutation { createUser(user: {reference: "x", email: "x@example.com"}) { id } }',
        "mutation($id: ID!) { makeFilePrivate(id: $id) { id } deleteConversation(id: $id) }",
        "mutation { __typename }",
    ):
        answer = client_graph(refused, {"id": file_id} if "$id" in refused else None)
        assert answer["errors"] and not answer.get("data"), refused  # type: ignore[truthy-bool]
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
    assert roq.state() == before
