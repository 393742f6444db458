"""OpenID Connect: the provider's side of a sign-in (authorization code flow with PKCE).

``OidcClient`` (one per application, ``app.state.oidc``) reads the provider's discovery document
and keys (cached for the process, ``METADATA_LIFETIME``), builds the authorization URL, exchanges
the code at the token endpoint with Authlib's client (client_secret_basic or _post, as the
discovery document allows) and verifies the ID token with joserfc: signature against the
provider's JWKS (never ``none`` nor a shared-secret algorithm), ``iss`` equal to the configured
issuer, ``aud`` naming the client (and ``azp`` when there are several), ``exp``, ``iat`` and the
``nonce`` of the sign-in. Every call to the provider is asynchronous and bounded by
``BOUSSOLE_OIDC_TIMEOUT``: an unreachable provider is a 503, never a hang.

What a browser brings back (state, browser cookie) and which account signs in live in
``app.auth.oidc_sign_in``. Nothing here logs a code, a token or a claim.
"""

import asyncio
import json
import logging
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import OAuthError
from joserfc import jwt
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from app.core.config import Settings
from app.core.errors import (
    BadGatewayError,
    BadRequestError,
    ServiceUnavailableError,
    UnauthorizedError,
)

with warnings.catch_warnings():
    # Authlib 1.x prefers httpx2 and warns when it falls back on httpx, which the project uses
    # (installing httpx2 would switch Starlette's TestClient too). Authlib 2 may drop the
    # fallback: pyproject.toml keeps it below 2.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

logger = logging.getLogger(__name__)

#: Seconds the discovery document and the keys are kept before they are read again.
METADATA_LIFETIME = 3600.0
#: Seconds of clock difference tolerated with the provider (``exp``, ``iat``).
CLOCK_LEEWAY = 60
#: Signature algorithms accepted for ID tokens: public-key ones only (no ``none``, no HS*).
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
#: Largest answer read from the provider (discovery, keys, tokens).
MAX_ANSWER_BYTES = 512 * 1024

UNREACHABLE = (
    "Le fournisseur d'identité ne répond pas. Réessayez dans quelques minutes, ou connectez-vous "
    "avec votre mot de passe."
)
MISCONFIGURED = (
    "Le fournisseur d'identité a donné une réponse inattendue : la connexion n'est pas possible "
    "pour l'instant. Prévenez l'équipe qui administre Boussole."
)
REFUSED_IDENTITY = (
    "Le jeton d'identité reçu du fournisseur n'est pas valable ({reason}) : la connexion est "
    "refusée. Recommencez ; si cela se reproduit, prévenez l'équipe qui administre Boussole."
)


@dataclass(frozen=True)
class ProviderMetadata:
    """What Boussole uses of the discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_endpoint_auth_method: str
    algorithms: frozenset[str]


def _endpoint(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} is missing")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} is not an http(s) URL")
    return value


def parse_metadata(document: object, *, issuer: str) -> ProviderMetadata:
    """The discovery document's endpoints, checked (OpenID Connect Discovery 1.0, §4.3: its
    ``issuer`` must be the configured one). ``ValueError`` names what is wrong."""
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    if document.get("issuer") != issuer:
        raise ValueError("its issuer is not the configured BOUSSOLE_OIDC_ISSUER")
    methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    if not isinstance(methods, list):
        raise ValueError("token_endpoint_auth_methods_supported is not a list")
    method = next((m for m in ("client_secret_basic", "client_secret_post") if m in methods), None)
    if method is None:
        raise ValueError("neither client_secret_basic nor client_secret_post is supported")
    offered = document.get("id_token_signing_alg_values_supported", ["RS256"])
    if not isinstance(offered, list):
        raise ValueError("id_token_signing_alg_values_supported is not a list")
    algorithms = frozenset(a for a in offered if isinstance(a, str)) & ASYMMETRIC_ALGORITHMS
    if not algorithms:
        raise ValueError("no public-key algorithm for ID tokens")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_endpoint(document, "authorization_endpoint"),
        token_endpoint=_endpoint(document, "token_endpoint"),
        jwks_uri=_endpoint(document, "jwks_uri"),
        token_endpoint_auth_method=method,
        algorithms=algorithms,
    )


async def _read_json(response: httpx.Response) -> object:
    """The JSON body of a 200, read up to ``MAX_ANSWER_BYTES``. ``OSError`` when the provider
    fails (5xx: unavailable), ``ValueError`` for any other answer."""
    if response.status_code >= 500:
        raise OSError(f"HTTP {response.status_code}")
    if response.status_code != 200:
        raise ValueError(f"HTTP {response.status_code}")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise ValueError("answer too large")
    return json.loads(body)


class OidcClient:
    """The configured provider: its discovery document and keys, kept for the process."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        self._client_secret = settings.oidc_client_secret
        self.scopes = settings.oidc_scopes
        #: Each call to the provider, whole (connection, request, answer), takes at most this.
        self.seconds = settings.oidc_timeout
        self.timeout = httpx.Timeout(settings.oidc_timeout)
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    async def _get(self, url: str, what: str) -> object:
        """GET ``url`` as JSON: 503 when the provider cannot be reached or fails, 502 when it
        answers something else than what OpenID Connect says."""
        try:
            async with (
                asyncio.timeout(self.seconds),
                httpx.AsyncClient(timeout=self.timeout) as client,
                client.stream("GET", url, headers={"Accept": "application/json"}) as response,
            ):
                return await _read_json(response)
        except (httpx.TransportError, OSError, TimeoutError) as error:
            logger.warning("OpenID provider unreachable (%s): %s", what, type(error).__name__)
            raise ServiceUnavailableError(UNREACHABLE, retry_after=30) from error
        except (httpx.HTTPError, ValueError) as error:
            logger.warning("OpenID provider's %s unusable: %s", what, error)
            raise BadGatewayError(MISCONFIGURED) from error

    async def metadata(self) -> ProviderMetadata:
        now = time.monotonic()
        if self._metadata is not None and now - self._metadata[0] < METADATA_LIFETIME:
            return self._metadata[1]
        document = await self._get(self.discovery_url, "discovery document")
        try:
            metadata = parse_metadata(document, issuer=self.issuer)
        except ValueError as error:
            logger.warning("OpenID provider's discovery document unusable: %s", error)
            raise BadGatewayError(MISCONFIGURED) from error
        self._metadata = (now, metadata)
        return metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        """The provider's public keys; ``refresh`` reads them again (a key rotated since)."""
        now = time.monotonic()
        if not refresh and self._keys is not None and now - self._keys[0] < METADATA_LIFETIME:
            return self._keys[1]
        document = await self._get((await self.metadata()).jwks_uri, "keys")
        try:
            if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                raise ValueError("not a JWK set")
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (ValueError, JoseError) as error:
            logger.warning("OpenID provider's keys unusable: %s", error)
            raise BadGatewayError(MISCONFIGURED) from error
        self._keys = (now, keys)
        return keys

    def _oauth(self, metadata: ProviderMetadata, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self._client_secret.get_secret_value(),
            token_endpoint_auth_method=metadata.token_endpoint_auth_method,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self.timeout,
        )

    async def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        """Where the browser goes to sign in (the code challenge is the verifier's S256)."""
        metadata = await self.metadata()
        async with self._oauth(metadata, redirect_uri) as oauth:
            url, _ = oauth.create_authorization_url(
                metadata.authorization_endpoint,
                state=state,
                nonce=nonce,
                code_verifier=code_verifier,
            )
        return str(url)

    async def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The ID token the token endpoint gives for ``code``. 400 when the provider refuses
        the code, 503 when it cannot be reached, 502 when its answer has no ID token."""
        metadata = await self.metadata()
        try:
            async with asyncio.timeout(self.seconds), self._oauth(metadata, redirect_uri) as oauth:
                token = await oauth.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
        except OAuthError as error:
            # The provider's own error code (invalid_grant…), never the code sent.
            logger.warning("OpenID token endpoint refused the code: %s", error.error)
            raise BadRequestError(
                "Le fournisseur d'identité a refusé de confirmer cette connexion "
                f"({error.error}) : recommencez."
            ) from error
        except (httpx.TransportError, OSError, TimeoutError) as error:
            logger.warning("OpenID token endpoint unreachable: %s", type(error).__name__)
            raise ServiceUnavailableError(UNREACHABLE, retry_after=30) from error
        except (httpx.HTTPStatusError, ValueError) as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            if status is not None and status >= 500:
                logger.warning("OpenID token endpoint failed: HTTP %s", status)
                raise ServiceUnavailableError(UNREACHABLE, retry_after=30) from error
            logger.warning("OpenID token endpoint answer unusable: %s", type(error).__name__)
            raise BadGatewayError(MISCONFIGURED) from error
        id_token = token.get("id_token") if isinstance(token, dict) else None
        if not isinstance(id_token, str) or len(id_token) > MAX_ANSWER_BYTES:
            logger.warning("OpenID token endpoint answered without an ID token")
            raise BadGatewayError(MISCONFIGURED)
        return id_token

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature and claims are checked (OpenID Connect
        Core 1.0, §3.1.3.7). 401 with the reason otherwise."""
        metadata = await self.metadata()
        keys = await self.keys()
        try:
            try:
                decoded = jwt.decode(id_token, keys, algorithms=sorted(metadata.algorithms))
            except InvalidKeyIdError:
                # A key the cached set does not have: the provider may have rotated its keys.
                keys = await self.keys(refresh=True)
                decoded = jwt.decode(id_token, keys, algorithms=sorted(metadata.algorithms))
        except (JoseError, ValueError) as error:
            logger.warning("OpenID ID token refused: bad signature (%s)", type(error).__name__)
            raise UnauthorizedError(REFUSED_IDENTITY.format(reason="signature")) from error
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
            audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
            if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.client_id:
                raise InvalidClaimError("azp")
        except ExpiredTokenError as error:
            logger.warning("OpenID ID token refused: expired")
            raise UnauthorizedError(REFUSED_IDENTITY.format(reason="expiré")) from error
        except ClaimError as error:
            claim = error.claim.split(",")[0]
            logger.warning("OpenID ID token refused: claim %s (%s)", claim, error.error)
            reason = _REASONS.get(claim, f"« {claim} » invalide")
            if isinstance(error, MissingClaimError):
                reason = f"« {claim} » manquant"
            raise UnauthorizedError(REFUSED_IDENTITY.format(reason=reason)) from error
        return claims


_REASONS = {
    "iss": "émis par un autre fournisseur",
    "aud": "destiné à une autre application",
    "azp": "destiné à une autre application",
    "nonce": "il ne correspond pas à cette demande de connexion",
    "iat": "date d'émission invalide",
    "exp": "expiré",
    "sub": "sans identifiant",
}


def client_for(settings: Settings) -> OidcClient | None:
    """The application's client, or None when OpenID Connect is not configured."""
    return OidcClient(settings) if settings.oidc_enabled else None
