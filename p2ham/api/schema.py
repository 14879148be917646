"""OpenAPI description of the bearer token scheme (imported by the app config)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "p2ham.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "Token from POST /api/v1/auth/token"}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every operation that needs a token documents the 401 (and 403) error body."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or operation.get("security") == [{}]:
                continue
            if any(requirement for requirement in operation.get("security", [])):
                responses = operation.setdefault("responses", {})
                responses.setdefault("401", {"description": "No, expired or revoked token", "content": error})
                responses.setdefault("403", {"description": "Seen but not allowed for your role", "content": error})
    return result
