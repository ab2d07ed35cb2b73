"""How GraphQL requests are executed: cached parsing and validation, and the HTTP handler."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from ariadne.asgi.handlers import GraphQLHTTPHandler
from ariadne.exceptions import HttpError
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    TypeInfo,
    parse,
    validate,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import ErrorCode, error_body
from .files import MAX_UPLOAD_BYTES
from .request_id import request_info

__all__ = ["DocumentCache", "LabelkitHTTPHandler"]

# Room for the multipart envelope and the `operations` part beside the largest file.
MAX_MULTIPART_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024


class DocumentCache:
    """Parsed and validated documents keyed by query text (bounded LRU).

    graphql-core is pure Python: parsing and validating a small document costs milliseconds,
    more than the rest of a simple request. Clients send the same few documents every time.
    """

    def __init__(self, max_size: int = 512) -> None:
        self._max_size = max_size
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()
        # (id(document), rules) -> (document, errors); holding the document keeps its id unique.
        self._validated: OrderedDict[
            tuple[int, tuple[type[ASTValidationRule], ...] | None],
            tuple[DocumentNode, list[GraphQLError]],
        ] = OrderedDict()

    def parse(self, _context: Any, data: dict[str, Any]) -> DocumentNode:
        query = data["query"]
        document = self._documents.get(query)
        if document is not None:
            self._documents.move_to_end(query)
            return document
        document = parse(query)
        self._documents[query] = document
        if len(self._documents) > self._max_size:
            self._documents.popitem(last=False)
        return document

    def validate(
        self,
        schema: GraphQLSchema,
        document_ast: DocumentNode,
        rules: Collection[type[ASTValidationRule]] | None = None,
        max_errors: int | None = None,
        type_info: TypeInfo | None = None,
    ) -> list[GraphQLError]:
        if max_errors is not None or type_info is not None:
            return validate(schema, document_ast, rules, max_errors, type_info)
        # ariadne passes graphql-core's `specified_rules` (plus any custom rules) every time.
        key = (id(document_ast), tuple(rules) if rules is not None else None)
        cached = self._validated.get(key)
        if cached is not None and cached[0] is document_ast:
            self._validated.move_to_end(key)
            return cached[1]
        errors = validate(schema, document_ast, rules)
        self._validated[key] = (document_ast, errors)
        if len(self._validated) > self._max_size:
            self._validated.popitem(last=False)
        return errors


def _error_response(request: Request, status: int, message: str) -> Response:
    request_id = request_info(request.scope).request_id
    body = error_body(ErrorCode.VALIDATION, message, request_id)
    return Response(body, status_code=status, media_type="application/json")


class LabelkitHTTPHandler(GraphQLHTTPHandler):
    """ariadne's handler, with GraphQL-shaped errors for malformed requests and a size cap."""

    async def graphql_http_server(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            length = request.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > MAX_MULTIPART_BYTES:
                return _error_response(
                    request, 413, f"Files may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
                )
        try:
            data = await self.extract_data_from_request(request)
        except HttpError as error:
            return _error_response(request, 400, error.message or "Bad request")
        success, result = await self.execute_graphql_query(request, data)
        return await self.create_json_response(request, result, success)

    async def create_json_response(
        self, request: Request, result: dict[str, Any], success: bool
    ) -> Response:
        return _CompactJSONResponse(result, status_code=200 if success else 400)


class _CompactJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
