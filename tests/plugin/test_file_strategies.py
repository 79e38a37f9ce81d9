"""The file strategies: valid FileCreateDto inputs are accepted by createFileUpload, the bad ones refused with
ROQ's codes, and bad options are rejected at once."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from roqmock.client import RoqHttpError
from roqmock.strategies import (
    file_inputs,
    file_inputs_with_bad_content_types,
    file_inputs_with_unknown_categories,
)
from roqmock.testing import Roq

WITH_ROQ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@WITH_ROQ
@given(data=st.data(), category=st.sampled_from(["CHAT_FILES", "USER_FILES", "USER_AVATAR_FILES"]))
def test_file_inputs_are_accepted(roq: Roq, data: st.DataObject, category: str) -> None:
    dto = data.draw(file_inputs(category=category, world=roq.world), label="createFileDto")
    client = roq.as_user(roq.world.users[0])
    made = client.create_file_upload(dto["name"], dto["contentType"], dto["fileCategory"])["createFileUpload"]
    assert made["status"] == "upload_pending" and made["contentType"] == dto["contentType"]


@WITH_ROQ
@given(data=st.data())
def test_bad_content_types_and_unknown_categories_are_refused(roq: Roq, data: st.DataObject) -> None:
    client = roq.as_user(roq.world.users[0])
    for strategy, code in (
        (file_inputs_with_bad_content_types(world=roq.world), "INVALID_CONTENT_TYPE_FOR_FILE_CATEGORY"),
        (file_inputs_with_unknown_categories(roq.world), "FILE_CATEGORY_WITH_GIVEN_KEY_NOT_FOUND"),
    ):
        dto = data.draw(strategy)
        with pytest.raises(RoqHttpError) as refused:
            client.create_file_upload(dto["name"], dto["contentType"], dto["fileCategory"])
        assert refused.value.error_code == code


@pytest.mark.parametrize(
    "make",
    [
        lambda: file_inputs(category="NOPE"),
        lambda: file_inputs(world="not a world"),  # type: ignore[arg-type]
        lambda: file_inputs_with_bad_content_types(category="NOPE"),
        lambda: file_inputs_with_unknown_categories("not a world"),  # type: ignore[arg-type]
    ],
)
def test_bad_options_are_rejected_at_once(make: object) -> None:
    with pytest.raises(InvalidArgument):
        make()  # type: ignore[operator]
