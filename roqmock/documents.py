"""The GraphQL documents roqmock's Python client sends: the same operations and selections as ROQ's SDK."""

from __future__ import annotations

CONVERSATION_FIELDS = "id title active archived isGroup ownerId createdAt updatedAt"
TAG_FIELDS = "id conversationId tag"
CONVERSATION_USER_FIELDS = "id conversationId createdAt updatedAt"
MESSAGE_FIELDS = "id body conversationId fileId messageStatusId authorId createdAt updatedAt"
FILE_FIELDS = "id createdAt updatedAt contentType createdByUserId fileCategoryId isPublic name status url"
USER_FIELDS = (
    "id reference firstName lastName active email phone locale isOptedIn synced tenantId customData "
    "timezone avatarUrl createdAt updatedAt"
)
ROLE_FIELDS = "id reference description isSystemManaged key name"
TENANT_FIELDS = "id reference isDefault name createdAt updatedAt"

LIST_VARIABLES = "$limit: Int, $offset: Int"
LIST_ARGUMENTS = "filter: $filter, limit: $limit, offset: $offset, order: $order, search: $search"

CONVERSATIONS = f"""
query conversations($filter: ConversationFilterArgType, {LIST_VARIABLES}, $order: ConversationOrderArgType,
  $search: ConversationSearchArgType, $withUsers: Boolean = false, $withTags: Boolean = false) {{
  conversations({LIST_ARGUMENTS}) {{
    data {{
      {CONVERSATION_FIELDS}
      users @include(if: $withUsers) {{ data {{ {CONVERSATION_USER_FIELDS} }} totalCount }}
      tags @include(if: $withTags) {{ data {{ {TAG_FIELDS} }} totalCount }}
    }}
    totalCount
  }}
}}
"""

MESSAGES = f"""
query messages($filter: MessageFilterArgType, {LIST_VARIABLES}, $order: MessageOrderArgType,
  $search: MessageSearchArgType, $withFile: Boolean = false) {{
  messages({LIST_ARGUMENTS}) {{
    data {{
      {MESSAGE_FIELDS}
      file @include(if: $withFile) {{ {FILE_FIELDS} }}
    }}
    totalCount
  }}
}}
"""

MESSAGE_FILE_URL = """
query messageFileUrl($id: ID!, $fileId: ID!) { messageFileUrl(id: $id, fileId: $fileId) }
"""

CREATE_CONVERSATION = f"""
mutation createConversation($conversation: ConversationCreateDto!) {{
  createConversation(conversation: $conversation) {{ {CONVERSATION_FIELDS} }}
}}
"""

DELETE_CONVERSATION = "mutation deleteConversation($id: ID!) { deleteConversation(id: $id) }"

ASSIGN_TAGS = """
mutation assignTagsToConversation($tags: [String!]!, $conversationId: ID!) {
  assignTagsToConversation(conversationId: $conversationId, tags: $tags)
}
"""

UNASSIGN_TAGS = """
mutation unassignTagsFromConversation($tags: [String!]!, $conversationId: ID!) {
  unassignTagsFromConversation(conversationId: $conversationId, tags: $tags)
}
"""

CREATE_MESSAGE = "mutation createMessage($message: MessageCreateDto!) { createMessage(message: $message) }"

_USER_EXTRAS = f"""
      tenant @include(if: $withTenant) {{ {TENANT_FIELDS} }}
      roles @include(if: $withRoles) {{ data {{ {ROLE_FIELDS} }} totalCount }}
"""

USERS = f"""
query users($filter: UserFilterArgType, {LIST_VARIABLES}, $order: UserOrderArgType,
  $search: UserSearchArgType, $withTenant: Boolean = false, $withRoles: Boolean = false) {{
  users({LIST_ARGUMENTS}) {{
    data {{
      {USER_FIELDS}
      {_USER_EXTRAS}
    }}
    totalCount
  }}
}}
"""

USER = f"""
query user($id: ID!, $withTenant: Boolean = false, $withRoles: Boolean = false) {{
  user(id: $id) {{
    {USER_FIELDS}
    {_USER_EXTRAS}
  }}
}}
"""

CREATE_USER = f"mutation createUser($user: UserCreateDto!) {{ createUser(user: $user) {{ {USER_FIELDS} }} }}"

ASSIGN_ROLES = """
mutation assignRolesToUser($roleKeys: [String!]!, $userId: ID!) {
  assignRolesToUser(roleKeys: $roleKeys, userId: $userId)
}
"""

UNASSIGN_ROLES = """
mutation unassignRolesFromUser($roleKeys: [String!]!, $userId: ID!) {
  unassignRolesFromUser(roleKeys: $roleKeys, userId: $userId)
}
"""

FILES = f"""
query files($filter: FileFilterArgType, {LIST_VARIABLES}, $order: FileOrderArgType,
  $search: FileSearchArgType) {{
  files({LIST_ARGUMENTS}) {{ data {{ {FILE_FIELDS} }} totalCount }}
}}
"""

FILE = f"query file($id: ID!) {{ file(id: $id) {{ {FILE_FIELDS} }} }}"

FILE_CATEGORY_FIELDS = "id createdAt updatedAt key name maxSize isPublicByDefault"
FILE_ASSOCIATION_FIELDS = "id createdAt updatedAt entityReference entityName fileId"

CREATE_FILE_UPLOAD = """
mutation createFileUpload($createFileDto: FileCreateDto!) {
  createFileUpload(createFileDto: $createFileDto) {
    contentType createdAt createdByUserId fileCategoryId formFields id isPublic name status updatedAt
    uploadUrl
  }
}
"""

UPDATE_FILE_STATUS = f"""
mutation updateFileStatus($id: ID!, $status: FileStatusEnum!) {{
  updateFileStatus(id: $id, status: $status) {{ {FILE_FIELDS} }}
}}
"""

UPDATE_FILE = f"""
mutation updateFile($id: ID!, $updateFileDto: FileUpdateDto!) {{
  updateFile(id: $id, updateFileDto: $updateFileDto) {{ {FILE_FIELDS} }}
}}
"""

MAKE_FILE_PUBLIC = f"mutation makeFilePublic($id: ID!) {{ makeFilePublic(id: $id) {{ {FILE_FIELDS} }} }}"
MAKE_FILE_PRIVATE = f"mutation makeFilePrivate($id: ID!) {{ makeFilePrivate(id: $id) {{ {FILE_FIELDS} }} }}"
DELETE_FILES = "mutation deleteFiles($filter: DeleteFilterArgType!) { deleteFiles(filter: $filter) }"

CREATE_FILE_ASSOCIATION = f"""
mutation createFileAssociation($createFileAssociationDto: FileAssociationCreateDto!) {{
  createFileAssociation(createFileAssociationDto: $createFileAssociationDto) {{ {FILE_ASSOCIATION_FIELDS} }}
}}
"""

DELETE_FILE_ASSOCIATIONS = """
mutation deleteFileAssociations($filter: FileAssociationBulkFilterArgType!) {
  deleteFileAssociations(filter: $filter)
}
"""

FILE_CATEGORIES = f"""
query fileCategories($filter: FileCategoryFilterArgType, {LIST_VARIABLES}, $order: FileCategoryOrderArgType,
  $search: FileCategorySearchArgType) {{
  fileCategories({LIST_ARGUMENTS}) {{ data {{ {FILE_CATEGORY_FIELDS} }} totalCount }}
}}
"""
