"""The OpenAPI document says which problem+json errors each operation can answer.

Derived once, from each route's dependencies, so no route lists them by hand: a caller
who must sign in can get 401 and 429, a role guard 403, an id in the path 404, any input
422, a body 413, an ``Idempotency-Key`` 409 (its first request is still running) and an
``If-Match`` 412. A route adds what its handler alone knows with ``problems(...)``.
FastAPI's ``HTTPValidationError`` gives way to the ``Problem`` every 422 really is.

``/docs`` is Swagger UI from the npm package ``swagger-ui-dist`` (package.json), served
under ``/static/vendor`` like the web app's libraries: it works with no internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from freight.deps import ROLE_GUARDS, current_actor
from freight.errors import PROBLEM_JSON, Problem

PROBLEM_STATUSES = frozenset({401, 403, 404, 409, 412, 413, 422, 428, 429})
WHY = {
    401: "not signed in, or the credentials are not valid",
    403: "the caller's role may not do this",
    404: "no such object, or not one the caller may see",
    409: "the object's state does not allow this",
    412: "the If-Match version is not the current one",
    413: "the request body is larger than this route accepts",
    422: "the request is not valid; errors names each bad input",
    428: "staff edits must send If-Match with the version they read",
    429: "too many requests; retry after Retry-After seconds",
}
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")
SWAGGER_UI = "/static/vendor/swagger-ui-dist"


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for errors a handler raises that its dependencies do not show."""
    return {status: {"description": WHY[status]} for status in statuses}


def _tree(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _tree(sub)


def derived_statuses(route: Any) -> set[int]:
    """The problem statuses an operation can answer, read from its dependencies."""
    tree = list(_tree(route.dependant))
    calls = {d.call for d in tree if d.call is not None}
    path = [p for d in tree for p in d.path_params]
    query = [p for d in tree for p in d.query_params]
    body = [p for d in tree for p in d.body_params]
    headers = {(p.alias or p.name).lower() for d in tree for p in d.header_params}
    found: set[int] = set()
    if current_actor in calls:
        found |= {401, 429}
    if calls & ROLE_GUARDS:
        found.add(403)
    if path:
        found.add(404)
    if path or query or headers or body:
        found.add(422)
    if body:
        found.add(413)
    if "idempotency-key" in headers:
        found |= {409, 422}  # still running, or the key was used for another request
    if "if-match" in headers:
        found.add(412)
    return found


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": WHY.get(status, HTTPStatus(status).phrase),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def api_routes(routes: list[Any]) -> Iterator[Any]:
    """Each documented API route with its effective path, dependencies and responses.

    FastAPI 0.16x keeps included routers as one entry each and resolves their routes
    (prefix, router dependencies) in ``iter_route_contexts``; older versions list them.
    """
    contexts = getattr(routing, "iter_route_contexts", None)
    for route in contexts(routes) if contexts else routes:
        api = isinstance(getattr(route, "original_route", route), APIRoute)
        if api and route.include_in_schema:
            yield route


def document_problems(schema: dict[str, Any], routes: list[Any]) -> None:
    """Give every operation its problem responses, and drop FastAPI's validation schemas."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    for route in api_routes(routes):
        item = schema["paths"].get(route.path_format, {})
        declared = {int(s) for s in route.responses if str(s).isdigit()}
        statuses = derived_statuses(route) | (declared & PROBLEM_STATUSES)
        for method in route.methods:
            operation = item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in sorted(statuses):
                responses[str(status)] = _problem_response(status)
    for name in _FASTAPI_422:
        components.pop(name, None)


def install_openapi(app: FastAPI) -> None:
    """Serve the document with the problem responses filled in (built once, on first use)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_problems(build(), app.routes)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    async def docs() -> HTMLResponse:
        """Swagger UI over the document, every asset from this origin."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no calls to swagger.io
        )

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
