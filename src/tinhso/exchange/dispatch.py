"""Running a platform API operation for a gateway call, inside the same process.

The call becomes an ordinary request to the platform's own URL (``/api/...``) resolved by Django's URL
configuration, so the operation runs with its validation, errors and scope rules exactly as for any other
client. What the caller sent as identity (cookies, ``Authorization``) is dropped: the only identity the
operation sees is the actor the gateway derived from the authenticated member (``request.exchange_actor``,
read by :class:`tinhso.exchange.registry.GatewayAuth`).
"""

from __future__ import annotations

import io
from urllib.parse import unquote

from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIRequest
from django.http import Http404
from django.urls import Resolver404, resolve

from tinhso.exchange.registry import GatewayRequest, GatewayResponse

# Never passed to the platform API: the caller's identity there is the member, nothing else.
_DROPPED = frozenset({"HTTP_COOKIE", "HTTP_AUTHORIZATION", "RAW_URI", "REQUEST_URI", "CONTENT_LENGTH",
                      "wsgi.input", "gunicorn.socket"})


def call_platform_api(django_request, path: str, call: GatewayRequest, actor) -> GatewayResponse:
    """Run the platform operation at ``path`` (percent-encoded, under ``/api/``) for ``call``."""
    environ = {key: value for key, value in django_request.META.items() if key not in _DROPPED}
    decoded = unquote(path)
    environ.update({
        "PATH_INFO": decoded,
        "SCRIPT_NAME": "",
        "QUERY_STRING": call.query,
        "REQUEST_METHOD": call.method,
        "CONTENT_LENGTH": str(len(call.body)),
        "wsgi.input": io.BytesIO(call.body),
    })
    if call.content_type:
        environ["CONTENT_TYPE"] = call.content_type
    internal = WSGIRequest(environ)
    internal.user = AnonymousUser()
    internal.exchange_actor = actor
    internal.exchange_client = call.client
    try:
        match = resolve(decoded)
    except Resolver404:
        return _not_found()
    try:
        response = match.func(internal, *match.args, **match.kwargs)
    except Http404:
        return _not_found()
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    headers = {name: value for name, value in response.items() if name.lower() not in ("content-type",
                                                                                          "content-length")}
    return GatewayResponse(response.status_code, body, response.get("Content-Type", ""), headers)


def _not_found() -> GatewayResponse:
    return GatewayResponse.of_json({"detail": "Không tìm thấy tài nguyên."}, status=404)
