"""The services this deployment offers to other members through the gateway, registered by the modules.

``exchange`` never imports a module: each module describes what it offers in its own ``gateway.py``
(discovered at start-up, as ``indicators.py`` is by the operations centre) and registers it here::

    # tinhso/directory/gateway.py
    from tinhso.exchange.registry import ApiService, Endpoint, offer

    offer(ApiService(
        code="agencies", title="Danh bạ cơ quan", title_en="Agency registry",
        description="Cơ quan, đơn vị với mã định danh QĐ 20/2020/QĐ-TTg.",
        api_prefix="/api/directory",
        endpoints=(Endpoint("GET", "/agencies"), Endpoint("GET", "/agencies/*")),
    ))

Two kinds of service:

* :class:`ApiService` exposes an ordinary platform API (a ninja router mounted under ``api_prefix``)
  through the gateway: ``GET /r1/<provider>/agencies/agencies/000.00.00.H41`` runs the very operation
  behind ``GET /api/directory/agencies/000.00.00.H41``, with its schemas, validation, errors and scope
  rules. Only the ``endpoints`` listed are reachable. When the router needs to know who calls (a scoped
  API), ``actor(client)`` turns the :class:`GatewayClient` into what the router's auth returns — the
  router lists :class:`GatewayAuth` first among its auth classes; a caller can never set it itself.
* :class:`HandlerService` runs a plain function ``handler(GatewayRequest) -> GatewayResponse`` (a document
  inbox taking edXML packages, say), with the OpenAPI description the module gives.

Who may call which service (and which endpoint) is decided by the access rights an administrator grants
(``exchange.models.AccessRight``); every call is logged by the gateway. ``getOpenAPI`` answers each
service's description, generated from the platform's own OpenAPI for an :class:`ApiService`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tinhso.exchange.identifiers import ClientId, check_part

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Endpoint:
    """A method and a path pattern of a service: ``*`` matches one path segment, ``**`` the rest of the
    path (X-Road's endpoint notation); method ``*`` matches every method."""

    method: str
    path: str

    def __post_init__(self):
        method = self.method.upper()
        if method != "*" and method not in _METHODS:
            raise ValueError(f"endpoint method {self.method!r}: expected one of {sorted(_METHODS)} or '*'")
        if not self.path.startswith("/"):
            raise ValueError(f"endpoint path {self.path!r} must start with '/'")
        object.__setattr__(self, "method", method)

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method != method.upper():
            return False
        return path_matches(self.path, path)


def path_matches(pattern: str, path: str) -> bool:
    """Whether ``path`` (decoded, starting with ``/``) fits ``pattern``."""
    if pattern in ("/**", "**"):
        return True
    wanted = pattern.strip("/").split("/") if pattern.strip("/") else []
    given = path.strip("/").split("/") if path.strip("/") else []
    for index, part in enumerate(wanted):
        if part == "**":
            return True
        if index >= len(given):
            return False
        if part != "*" and part != given[index]:
            return False
    return len(given) == len(wanted)


@dataclass(frozen=True)
class GatewayClient:
    """Who calls, as a service sees it: the authenticated member or subsystem and what it acts for.

    ``agency_id`` is the agency whose data the member may read (that agency and the units below it, by the
    platform's scope rules) — by default the agency whose identifier is the member code; None when the
    member is not one of this deployment's agencies and no administrator gave it a scope.
    """

    id: ClientId
    name: str = ""
    agency_id: int | None = None
    user_id: str = ""
    issue: str = ""
    message_id: str = ""
    request_id: str = ""

    @property
    def agency(self):
        if self.agency_id is None:
            return None
        from tinhso.directory.models import Agency

        return Agency.objects.filter(pk=self.agency_id).first()

    @property
    def label(self) -> str:
        """How the caller is named in event histories and the audit chain."""
        return f"X-Road {self.id}"[:255]


@dataclass
class GatewayRequest:
    """One call to a :class:`HandlerService`: the decoded service path, the raw query and the body."""

    client: GatewayClient
    service_code: str
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    content_type: str = ""

    def json(self) -> Any:
        return json.loads(self.body.decode() or "null")


@dataclass
class GatewayResponse:
    """What a service answers; passed to the caller as it is (the gateway adds the X-Road headers)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, data: Any, status: int = 200) -> GatewayResponse:
        return cls(status, json.dumps(data, ensure_ascii=False, default=str).encode())


@dataclass(frozen=True)
class OfferedService:
    """What every offered service declares. ``code`` is the X-Road service code (characters of §4.8)."""

    code: str
    title: str
    title_en: str
    description: str
    endpoints: tuple[Endpoint, ...]

    def __post_init__(self):
        check_part("service_code", self.code)
        if not self.endpoints:
            raise ValueError(f"service {self.code!r} offers no endpoint")
        object.__setattr__(self, "endpoints", tuple(self.endpoints))

    @property
    def kind(self) -> str:  # listMethods' service_type
        return "OPENAPI"

    def endpoint_for(self, method: str, path: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.matches(method, path or "/")), None)

    def openapi(self, server_url: str) -> dict:
        raise NotImplementedError

    def handle(self, request: GatewayRequest, django_request) -> GatewayResponse:
        raise NotImplementedError


@dataclass(frozen=True)
class ApiService(OfferedService):
    """A platform API exposed through the gateway (see the module docstring)."""

    api_prefix: str = ""
    actor: Callable[[GatewayClient], object] | None = None

    def __post_init__(self):
        super().__post_init__()
        if not self.api_prefix.startswith("/api/"):
            raise ValueError(f"service {self.code!r}: api_prefix must be a path under /api/")
        object.__setattr__(self, "api_prefix", self.api_prefix.rstrip("/"))

    def handle(self, request: GatewayRequest, django_request) -> GatewayResponse:
        from tinhso.exchange.dispatch import call_platform_api

        actor = self.actor(request.client) if self.actor is not None else None
        return call_platform_api(django_request, self.api_prefix + (request.path or "/"), request, actor)

    def openapi(self, server_url: str) -> dict:
        from tinhso.api import api

        return service_openapi(api.get_openapi_schema(), self, server_url)


@dataclass(frozen=True)
class HandlerService(OfferedService):
    """A service answered by ``handler``; ``openapi_paths`` (OpenAPI ``paths`` relative to the service, and
    optional ``components``) describe it for ``getOpenAPI``."""

    handler: Callable[[GatewayRequest], GatewayResponse] | None = None
    openapi_paths: dict | None = None
    openapi_components: dict | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.handler is None:
            raise ValueError(f"service {self.code!r} has no handler")

    @property
    def kind(self) -> str:
        return "OPENAPI" if self.openapi_paths else "REST"

    def handle(self, request: GatewayRequest, django_request) -> GatewayResponse:
        return self.handler(request)

    def openapi(self, server_url: str) -> dict:
        document = {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": "1", "description": self.description},
            "servers": [{"url": server_url}],
            "paths": copy.deepcopy(self.openapi_paths or {}),
        }
        if self.openapi_components:
            document["components"] = copy.deepcopy(self.openapi_components)
        return document


_REGISTRY: dict[str, OfferedService] = {}


def offer(service: OfferedService) -> OfferedService:
    """Register ``service`` (idempotent for the same definition; two modules offering one code is an error)."""
    known = _REGISTRY.get(service.code)
    if known is not None and known != service:
        raise ValueError(f"service code {service.code!r} is already offered by another module")
    _REGISTRY[service.code] = service
    return service


def offered() -> list[OfferedService]:
    """Every registered service, by code."""
    return [_REGISTRY[code] for code in sorted(_REGISTRY)]


def get(code: str) -> OfferedService | None:
    return _REGISTRY.get(code)


class GatewayAuth:
    """A ninja auth callable: the actor the gateway put on an internal request, and nothing otherwise.

    Put it first in a router's ``auth`` list to let an :class:`ApiService` reach the router as the calling
    member (``actor`` of the service). The attribute is set only by the gateway's internal dispatch after
    the member was authenticated and its access right checked; no header or cookie can set it.
    """

    def __call__(self, request):
        return getattr(request, "exchange_actor", None)


# -- OpenAPI of a service, cut from the platform's -------------------------------------------------------

_PARAMETER = re.compile(r"\{[^/}]+\}")


def _pattern_of(path: str) -> str:
    """An OpenAPI path ``/agencies/{identifier}`` as an endpoint pattern ``/agencies/*``."""
    return _PARAMETER.sub("*", path)


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
            found.add(reference.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def service_openapi(platform: Mapping, service: ApiService, server_url: str) -> dict:
    """The operations of ``platform`` (the platform's OpenAPI document) that ``service`` exposes, with their
    paths relative to the service, the schemas they use, and the gateway address as the server."""
    paths: dict[str, dict] = {}
    for full_path, operations in platform.get("paths", {}).items():
        if not full_path.startswith(service.api_prefix + "/") and full_path != service.api_prefix:
            continue
        relative = full_path[len(service.api_prefix):] or "/"
        kept = {
            method: copy.deepcopy(operation) for method, operation in operations.items()
            if method.upper() in _METHODS and service.endpoint_for(method.upper(), _pattern_of(relative))
        }
        for operation in kept.values():
            operation.pop("security", None)  # the gateway authenticates by certificate, not by token
        if kept:
            paths[relative] = kept
    schemas = platform.get("components", {}).get("schemas", {})
    wanted: set[str] = set()
    _refs(paths, wanted)
    pending = list(wanted)
    while pending:  # schemas referring to other schemas
        name = pending.pop()
        more: set[str] = set()
        _refs(schemas.get(name, {}), more)
        for extra in more - wanted:
            wanted.add(extra)
            pending.append(extra)
    document = {
        "openapi": platform.get("openapi", "3.1.0"),
        "info": {
            "title": service.title, "version": str(platform.get("info", {}).get("version", "1")),
            "description": service.description,
        },
        "servers": [{"url": server_url}],
        "paths": paths,
    }
    if wanted:
        document["components"] = {"schemas": {name: copy.deepcopy(schemas[name]) for name in sorted(wanted)
                                              if name in schemas}}
    return document
