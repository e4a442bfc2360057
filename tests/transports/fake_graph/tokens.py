"""A fake Microsoft Entra ID (AAD) v2.0 token endpoint, enough for real ``msal``.

Routes (``{tenant}`` is the tenant id or its domain; anything else is AADSTS90002):

* ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (msal's tenant discovery);
* ``POST /{tenant}/oauth2/v2.0/token``: ``client_credentials`` (client secret, or a
  certificate ``client_assertion`` whose claims are checked but whose signature is not),
  ``urn:ietf:params:oauth:grant-type:device_code`` and ``refresh_token``;
* ``POST /{tenant}/oauth2/v2.0/devicecode`` (device code flow for a delegated mailbox).

msal's instance discovery goes to ``login.microsoftonline.com`` whatever the authority, so
the client must turn it off (``instance_discovery=False``); there is no route for it here.

Errors carry AAD's JSON shape (``error``, ``error_description`` starting ``AADSTS<code>:``,
``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``). Access
tokens are JWTs (unsigned: a random signature) with Graph's claims: ``roles`` for an app
token, ``scp`` for a delegated one; :meth:`TokenService.lookup` is how the Graph fake
checks them. Expiry follows :attr:`TokenService.now`, which tests can move on with
:meth:`TokenService.advance`.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.transports.fake_graph.wire import Reply, Request, json_reply

GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_DEFAULT_SCOPE = f"{GRAPH_RESOURCE}/.default"
APP_ROLES = ("Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite")
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})

# AADSTS code -> (HTTP status, OAuth "error", description template).
AAD_ERRORS: dict[int, tuple[int, str, str]] = {
    90002: (
        400,
        "invalid_request",
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud. Check with your subscription administrator, this "
        "may happen if there are no active subscriptions for the tenant.",
    ),
    700016: (
        400,
        "unauthorized_client",
        "Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of "
        "the tenant or consented to by any user in the tenant. You may have sent your "
        "authentication request to the wrong tenant.",
    ),
    7000215: (
        401,
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, not the client secret ID, for a secret added to app "
        "'{client_id}'.",
    ),
    7000218: (
        401,
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'.",
    ),
    65001: (
        400,
        "invalid_grant",
        "The user or administrator has not consented to use the application with ID "
        "'{client_id}' named '{app_name}'. Send an interactive authorization request for this "
        "user and resource.",
    ),
    1002012: (
        400,
        "invalid_scope",
        "The provided value for scope {scope} is not valid. Client credential flows must have "
        "a scope value with /.default suffixed to the resource identifier (application ID URI).",
    ),
    500011: (
        400,
        "invalid_resource",
        "The resource principal named {resource} was not found in the tenant named {tenant}. "
        "This can happen if the application has not been installed by the administrator of "
        "the tenant or consented to by any user in the tenant.",
    ),
    90055: (
        429,
        "temporarily_unavailable",
        "TenantThrottlingThreshold - The number of requests from the tenant has exceeded the "
        "limit. Try again later.",
    ),
    90033: (503, "temporarily_unavailable", "A transient error has occurred. Please try again."),
    50027: (400, "invalid_request", "JWT token is invalid or malformed: {detail}."),
    700021: (
        400,
        "invalid_client",
        "Client assertion application identifier doesn't match 'client_id' parameter.",
    ),
    700024: (400, "invalid_client", "Client assertion is not within its valid time range."),
    700027: (400, "invalid_client", "Client assertion failed signature validation."),
    70016: (
        400,
        "authorization_pending",
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    ),
    70019: (400, "expired_token", "Verification code expired."),
    70000: (400, "invalid_grant", "The provided value for the 'device_code' is not valid."),
    54005: (400, "invalid_grant", "OAuth2 Authorization code was already redeemed."),
    700082: (400, "invalid_grant", "The refresh token has expired due to inactivity."),
    70003: (
        400,
        "unsupported_grant_type",
        "The app requested an unsupported grant type '{grant_type}'.",
    ),
    900144: (
        400,
        "invalid_request",
        "The request body must contain the following parameter: '{parameter}'.",
    ),
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_json(obj: Any) -> str:
    return _b64url(json.dumps(obj, separators=(",", ":")).encode())


def unverified_jwt(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A JWT with the given header and claims and a random (meaningless) signature."""
    return f"{_b64url_json(header)}.{_b64url_json(claims)}.{_b64url(secrets.token_bytes(32))}"


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, without any verification (raises ``ValueError`` if malformed)."""
    header, claims = (_decode_part(part) for part in token.split(".")[:2])
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("not a JWT")
    return claims


def _decode_part(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@dataclass
class TokenConfig:
    """The app registration and tenant the fake knows; change fields at any time."""

    tenant_id: str = "3f2a8c1e-5b7d-4e90-a1c2-6d8e9f0a1b2c"
    tenant_domain: str = "contoso.onmicrosoft.com"
    client_id: str = "9d4e7b21-0c3a-4f58-b6e2-1a7c9d3e5f80"
    client_secret: str = "fake~graph-client-secret-value"
    app_name: str = "meetingd"
    #: False: every token request answers AADSTS65001 (admin consent not granted).
    admin_consent: bool = True
    #: App roles (client credentials) or delegated scopes (device code) that were granted.
    roles: set[str] = field(default_factory=lambda: set(APP_ROLES))
    #: Lifetime of issued access tokens, seconds (msal re-fetches any under 5 minutes).
    expires_in: int = 3599
    #: SHA-1 or SHA-256 certificate thumbprints (base64url, as in ``x5t``/``x5t#S256``) an
    #: assertion may name; None accepts any certificate.
    certificate_thumbprints: set[str] | None = None
    #: The signed-in user for device code flow (set by the server to its first mailbox).
    device_user: str = "meetingd@contoso.test"
    device_interval: int = 1
    device_expires_in: int = 900
    #: Polls answered ``authorization_pending`` before the code is granted; None: wait for
    #: :meth:`TokenService.approve_device`.
    device_pending_polls: int | None = 1


@dataclass
class Grant:
    """An issued access token and what it allows."""

    token: str
    client_id: str
    roles: frozenset[str]
    expires_at: float
    user: str | None = None  # the mailbox of a delegated token

    @property
    def delegated(self) -> bool:
        """True for a device-code (user) token."""
        return self.user is not None


@dataclass
class _DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    pending_left: int | None
    approved: bool = False
    redeemed: bool = False


@dataclass
class _Refresh:
    client_id: str
    user: str
    scopes: frozenset[str]


class TokenError(Exception):
    """An AAD error answer, raised inside the token service."""

    def __init__(self, code: int, error: str | None = None, **fields: str) -> None:
        super().__init__(code)
        self.code, self.error, self.fields = code, error, fields


class TokenService:
    """The token endpoint's state and HTTP handling (thread-safe)."""

    def __init__(self, config: TokenConfig | None = None) -> None:
        self.config = config or TokenConfig()
        self.grants: dict[str, Grant] = {}
        #: Every token request, as ``(grant_type, form fields)``, for assertions in tests.
        self.requests: list[tuple[str, dict[str, str]]] = []
        #: Called with every grant as it is issued, before the answer leaves (e.g. to let a
        #: test IMAP server accept the token).
        self.on_issue: list[Callable[[Grant], None]] = []
        self._devices: dict[str, _DeviceCode] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._offset = 0.0
        self._lock = threading.Lock()

    # -- clock and helpers for tests ---------------------------------------------------------

    def now(self) -> float:
        """The fake's clock (wall clock plus :meth:`advance`)."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on (tokens issued before may now be expired)."""
        self._offset += seconds

    def expire_all(self) -> None:
        """Expire every access token issued so far."""
        with self._lock:
            for grant in self.grants.values():
                grant.expires_at = min(grant.expires_at, self.now() - 1)

    def lookup(self, token: str) -> Grant | None:
        """The grant behind an access token, or None when this fake never issued it."""
        with self._lock:
            return self.grants.get(token)

    def approve_device(self, user_code: str | None = None) -> None:
        """Let the user sign in for a pending device code (the newest when not named)."""
        with self._lock:
            codes = [d for d in self._devices.values() if user_code in (None, d.user_code)]
            if not codes:
                raise KeyError(f"no device code {user_code!r}")
            codes[-1].approved = True

    def issued(self) -> list[Grant]:
        """The grants issued so far, oldest first."""
        with self._lock:
            return list(self.grants.values())

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, request: Request, origin: str) -> Reply:
        """Answer one request to the token endpoint; ``origin`` is ``https://host:port``."""
        parts = request.path.strip("/").split("/")
        tenant, rest = parts[0], "/".join(parts[1:])
        routes = {
            ("GET", "v2.0/.well-known/openid-configuration"): self._openid_configuration,
            ("POST", "oauth2/v2.0/token"): self._token,
            ("POST", "oauth2/v2.0/devicecode"): self._devicecode,
        }
        route = routes.get((request.method, rest))
        if route is None:
            return json_reply(404, {"error": "not_found", "error_description": request.path})
        try:
            if not self._tenant_ok(tenant):
                error = "invalid_tenant" if request.method == "GET" else None
                raise TokenError(90002, error, tenant=tenant)
            with self._lock:
                return route(request, origin, tenant)
        except TokenError as exc:
            return self._error_reply(exc, request)

    def _tenant_ok(self, tenant: str) -> bool:
        return tenant.lower() in {self.config.tenant_id.lower(), self.config.tenant_domain.lower()}

    def error_reply(self, code: int, request: Request, headers: dict[str, str]) -> Reply:
        """An AAD error answer for an injected fault (e.g. 90055 for 429, 90033 for 503)."""
        reply = self._error_reply(TokenError(code), request)
        reply.headers.update(headers)
        return reply

    def _error_reply(self, exc: TokenError, request: Request) -> Reply:
        status, error, template = AAD_ERRORS[exc.code]
        values = {
            "client_id": "",
            "tenant": self.config.tenant_id,
            "app_name": self.config.app_name,
            **exc.fields,
        }
        trace_id = str(uuid.uuid4())
        correlation_id = request.header("client-request-id") or str(uuid.uuid4())
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        description = (
            f"AADSTS{exc.code}: {template.format(**values)}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}"
        )
        payload = {
            "error": exc.error or error,
            "error_description": description,
            "error_codes": [exc.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={exc.code}",
        }
        return json_reply(status, payload)

    def _openid_configuration(self, request: Request, origin: str, tenant: str) -> Reply:
        base = f"{origin}/{self.config.tenant_id}"
        return json_reply(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{origin}/{self.config.tenant_id}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "ver"],
                "kerberos_endpoint": f"{base}/kerberos",
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
                "rbac_url": "https://pas.windows.net",
            },
        )

    def _token(self, request: Request, origin: str, tenant: str) -> Reply:
        form = request.form()
        grant_type = form.get("grant_type", "")
        self.requests.append((grant_type, form))
        if not grant_type:
            raise TokenError(900144, parameter="grant_type")
        client_id = form.get("client_id", "")
        if client_id != self.config.client_id:
            raise TokenError(700016, client_id=client_id, tenant=tenant)
        if grant_type == "client_credentials":
            return self._client_credentials(form, origin)
        if grant_type == DEVICE_GRANT:
            return self._device_poll(form, origin)
        if grant_type == "refresh_token":
            refresh = self._refresh.get(form.get("refresh_token", ""))
            if refresh is None:
                raise TokenError(700082)
            return self._delegated_tokens(refresh.user, refresh.scopes, origin)
        raise TokenError(70003, grant_type=grant_type)

    def _client_credentials(self, form: dict[str, str], origin: str) -> Reply:
        cfg = self.config
        if form.get("client_assertion_type") == JWT_BEARER and form.get("client_assertion"):
            self._check_assertion(form["client_assertion"], origin)
        elif "client_secret" in form:
            if form["client_secret"] != cfg.client_secret:
                raise TokenError(7000215, client_id=cfg.client_id)
        else:
            raise TokenError(7000218)
        scope = form.get("scope", "")
        scopes = scope.split()
        graph = [s for s in scopes if s not in _OIDC_SCOPES]
        if len(graph) != 1 or not graph[0].endswith("/.default"):
            raise TokenError(1002012, scope=scope)
        resource = graph[0].removesuffix("/.default").rstrip("/")
        if resource.lower() != GRAPH_RESOURCE:
            raise TokenError(500011, resource=resource)
        if not cfg.admin_consent:
            raise TokenError(65001, client_id=cfg.client_id)
        grant = self._issue(frozenset(cfg.roles), user=None)
        return json_reply(
            200,
            {
                "token_type": "Bearer",
                "expires_in": cfg.expires_in,
                "ext_expires_in": cfg.expires_in,
                "access_token": grant.token,
            },
        )

    def _check_assertion(self, assertion: str, origin: str) -> None:
        cfg = self.config
        try:
            header = _decode_part(assertion.split(".")[0])
            claims = jwt_claims(assertion)
        except (ValueError, IndexError) as exc:
            raise TokenError(50027, detail="not a JWT") from exc
        audiences = {
            f"{origin}/{tenant}/oauth2/v2.0/token" for tenant in (cfg.tenant_id, cfg.tenant_domain)
        }
        missing = [c for c in ("aud", "iss", "sub", "exp", "jti") if c not in claims]
        if missing or not header.get("alg"):
            raise TokenError(50027, detail=f"missing claims {missing or ['alg']}")
        if claims["aud"] not in audiences:
            raise TokenError(50027, detail=f"invalid audience {claims['aud']!r}")
        if claims["iss"] != cfg.client_id or claims["sub"] != cfg.client_id:
            raise TokenError(700021)
        now = self.now()
        if not (claims.get("nbf", now) - 300 <= now < claims["exp"] + 300):
            raise TokenError(700024)
        thumbprint = header.get("x5t#S256") or header.get("x5t")
        if cfg.certificate_thumbprints is not None and (
            thumbprint not in cfg.certificate_thumbprints
        ):
            raise TokenError(700027)

    def _issue(self, roles: frozenset[str], user: str | None) -> Grant:
        cfg = self.config
        now = int(self.now())
        claims: dict[str, Any] = {
            "aud": GRAPH_RESOURCE,
            "iss": f"https://sts.windows.net/{cfg.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + cfg.expires_in,
            "app_displayname": cfg.app_name,
            "appid": cfg.client_id,
            "idtyp": "user" if user else "app",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, user or cfg.client_id)),
            "tid": cfg.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        if user:
            claims |= {"scp": " ".join(sorted(roles)), "upn": user, "unique_name": user}
        else:
            claims["roles"] = sorted(roles)
        token = unverified_jwt({"typ": "JWT", "alg": "RS256", "kid": "fake-graph"}, claims)
        grant = Grant(token, cfg.client_id, roles, now + cfg.expires_in, user)
        self.grants[token] = grant
        for callback in self.on_issue:
            callback(grant)
        return grant

    # -- device code flow --------------------------------------------------------------------

    def _devicecode(self, request: Request, origin: str, tenant: str) -> Reply:
        cfg = self.config
        form = request.form()
        client_id = form.get("client_id", "")
        if client_id != cfg.client_id:
            raise TokenError(700016, client_id=client_id, tenant=tenant)
        user_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        device = _DeviceCode(
            device_code=secrets.token_urlsafe(32),
            user_code=user_code,
            client_id=client_id,
            scopes=frozenset(form.get("scope", "").split()),
            expires_at=self.now() + cfg.device_expires_in,
            pending_left=cfg.device_pending_polls,
        )
        self._devices[device.device_code] = device
        uri = f"{origin}/devicelogin"
        return json_reply(
            200,
            {
                "user_code": user_code,
                "device_code": device.device_code,
                "verification_uri": uri,
                "expires_in": cfg.device_expires_in,
                "interval": cfg.device_interval,
                "message": f"To sign in, use a web browser to open the page {uri} and enter "
                f"the code {user_code} to authenticate.",
            },
        )

    def _device_poll(self, form: dict[str, str], origin: str) -> Reply:
        device = self._devices.get(form.get("device_code", ""))
        if device is None:
            raise TokenError(70000)
        if device.redeemed:
            raise TokenError(54005)
        if self.now() >= device.expires_at:
            raise TokenError(70019)
        if not device.approved:
            if device.pending_left is None or device.pending_left > 0:
                if device.pending_left is not None:
                    device.pending_left -= 1
                raise TokenError(70016)
            device.approved = True
        if not self.config.admin_consent:
            raise TokenError(65001, client_id=self.config.client_id)
        device.redeemed = True
        return self._delegated_tokens(self.config.device_user, device.scopes, origin)

    def _delegated_tokens(self, user: str, requested: frozenset[str], origin: str) -> Reply:
        cfg = self.config
        names = {s.rsplit("/", 1)[-1] for s in requested if s not in _OIDC_SCOPES}
        granted = frozenset(cfg.roles if ".default" in names or not names else names & cfg.roles)
        grant = self._issue(granted, user=user)
        refresh = secrets.token_urlsafe(48)
        self._refresh[refresh] = _Refresh(cfg.client_id, user, requested)
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, user))
        now = int(self.now())
        id_token = unverified_jwt(
            {"typ": "JWT", "alg": "RS256", "kid": "fake-graph"},
            {
                "aud": cfg.client_id,
                "iss": f"{origin}/{cfg.tenant_id}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "name": user.split("@")[0],
                "oid": oid,
                "preferred_username": user,
                "sub": secrets.token_urlsafe(16),
                "tid": cfg.tenant_id,
                "ver": "2.0",
            },
        )
        scope = " ".join(sorted(f"{GRAPH_RESOURCE}/{s}" for s in granted))
        return json_reply(
            200,
            {
                "token_type": "Bearer",
                "scope": " ".join([scope, *sorted(requested & _OIDC_SCOPES)]).strip(),
                "expires_in": cfg.expires_in,
                "ext_expires_in": cfg.expires_in,
                "access_token": grant.token,
                "refresh_token": refresh,
                "id_token": id_token,
                "client_info": _b64url_json({"uid": oid, "utid": cfg.tenant_id}),
            },
        )
