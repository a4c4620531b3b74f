"""A small OpenID Connect provider run by the tests on 127.0.0.1, standing in for VNeID.

Discovery document, JWKS with an RSA key made for the run, an authorization endpoint that redirects back
with a code, and a token endpoint that checks the client, the code, the redirect URI and PKCE, and returns
an id_token signed with RS256. ``tamper`` makes it misbehave the way a forger or a replay would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class LocalOidcProvider:
    client_id = "tinhso-test"
    client_secret = "bi-mat-cua-ung-dung"

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.claims = {"sub": "vneid-001", "name": "Lê Thị Hoa", "citizen_id": "040195001234",
                       "email": "hoa@example.vn", "phone_number": "+84933333333"}
        self.tamper: str | None = None
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/{name}"

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": nonce,
                  **self.claims}
        key, kid = self.key, self.kid
        if self.tamper == "foreign_key":  # a forger's key presented under the provider's key id
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif self.tamper == "wrong_nonce":
            claims["nonce"] = "replayed-" + nonce
        elif self.tamper == "wrong_issuer":
            claims["iss"] = "http://127.0.0.1:1/khac"
        elif self.tamper == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 600, now - 300
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
        if self.tamper == "altered_claims":  # a valid signature over other claims
            header, payload, signature = token.split(".")
            body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            body["citizen_id"] = "001099000001"
            payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
            token = f"{header}.{payload}.{signature}"
        return token

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, {
                        "issuer": provider.issuer,
                        "authorization_endpoint": provider.endpoint("authorize"),
                        "token_endpoint": provider.endpoint("token"),
                        "jwks_uri": provider.endpoint("jwks"),
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                    })
                if url.path == "/jwks":
                    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key(), as_dict=True)
                    return self._json(200, {"keys": [{**jwk, "kid": provider.kid, "alg": "RS256", "use": "sig"}]})
                if url.path == "/authorize":
                    if query.get("client_id") != provider.client_id or query.get("response_type") != "code":
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    self.send_response(302)
                    self.send_header("Location", query["redirect_uri"] + "?" + urlencode(
                        {"code": code, "state": query["state"]}))
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.token_requests.append(form)
                if urlsplit(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                request = provider.codes.pop(form.get("code", ""), None)  # a code is good once
                if (request is None or form.get("grant_type") != "authorization_code"
                        or form.get("client_id") != provider.client_id
                        or form.get("client_secret") != provider.client_secret
                        or form.get("redirect_uri") != request["redirect_uri"]):
                    return self._json(400, {"error": "invalid_grant"})
                if "code_challenge" in request:
                    digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != request["code_challenge"]:
                        return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                return self._json(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                        "expires_in": 300, "id_token": provider.id_token(request.get("nonce", ""))})

        return Handler
