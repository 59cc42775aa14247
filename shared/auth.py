"""Bearer-token authentication and jurisdiction scoping.

Tokens are JWTs signed with Ed25519 (``EdDSA``); services hold only the public key.
The issuer and audience are checked; the claims carry the user id (``sub``), display
name, roles and jurisdiction path (``jur``). A caller may act inside their jurisdiction
only (:func:`ensure_within`), which answers 403 otherwise.

The rules every route follows (docs/architecture.md, "Security"):

- **No role, no data.** A validly signed token without a role is 403 on every route
  that takes a caller (:func:`current_principal`), before any read or command.
- **Reads: one rule.** A read is in reach when the caller :func:`sees` it: the caller's
  path is a prefix of the document's with zones ignored (a principal stays on their
  school). Single documents use :func:`ensure_sees`, lists :func:`scope_filter`.
- **Commands** check :func:`ensure_within` on the stream they write *and* on every id
  they name (schools, zones, inspectors, visits, campaigns), read from the event store;
  an unknown id is 404/422, one outside the caller's jurisdiction 403 — and these come
  before any state-machine check, so a 409 never tells that another county's id exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from shared.commands import Forbidden
from shared.jurisdiction import Jurisdiction

ALGORITHM = "EdDSA"


class Role(StrEnum):
    inspector = "inspector"
    zone_leader = "zone_leader"
    county_office = "county_office"
    city_office = "city_office"
    province_office = "province_office"
    principal = "principal"
    integrator = "integrator"
    admin = "admin"


class Principal(BaseModel):
    """The authenticated caller."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    name: str
    roles: frozenset[Role]
    jurisdiction: Jurisdiction

    def has_any(self, *roles: Role) -> bool:
        return Role.admin in self.roles or bool(self.roles.intersection(roles))

    def can_access(self, where: Jurisdiction) -> bool:
        return self.jurisdiction.contains(where)

    @property
    def main_role(self) -> str:
        return sorted(r.value for r in self.roles)[0]


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not ours."""


class TokenVerifier:
    def __init__(self, public_key_pem: bytes, issuer: str, audience: str) -> None:
        self._key = serialization.load_pem_public_key(public_key_pem)
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            return Principal(
                user_id=claims["sub"],
                name=claims.get("name", claims["sub"]),
                roles=frozenset(Role(r) for r in claims["roles"]),
                jurisdiction=Jurisdiction.from_path(claims["jur"]),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise InvalidToken(str(exc)) from exc


class TokenIssuer:
    """Mints tokens; only the demo tooling and tests hold a private key."""

    def __init__(self, private_key_pem: bytes, issuer: str, audience: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("an Ed25519 private key is needed")
        self._key = key
        self._issuer = issuer
        self._audience = audience

    def mint(self, principal: Principal, now: datetime, ttl: timedelta) -> str:
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": principal.user_id,
            "name": principal.name,
            "roles": sorted(r.value for r in principal.roles),
            "jur": principal.jurisdiction.path,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


def ensure_keypair(directory: Path) -> tuple[Path, Path]:
    """Create an Ed25519 key pair in ``directory`` unless one is there; returns the paths."""
    private_path, public_path = directory / "jwt-private.pem", directory / "jwt-public.pem"
    if not private_path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        private_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        private_path.chmod(0o600)
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private_path, public_path


_bearer = HTTPBearer(auto_error=False)


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the verified caller, or 401."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "需要登录：缺少访问令牌 (missing bearer token)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = verifier.verify(credentials.credentials)
    except InvalidToken:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "访问令牌无效或已过期 (invalid or expired token)",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    if not principal.roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NO_ROLE)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


FORBIDDEN = "超出您的管辖范围 (outside your jurisdiction)"
NO_ROLE = "您的账号没有任何角色，无权访问 (no role: no access)"


def ensure_within(principal: Principal, where: Jurisdiction) -> None:
    """403 unless ``where`` lies inside the caller's jurisdiction."""
    if not principal.can_access(where):
        raise Forbidden(FORBIDDEN)


def ensure_inside(outer: Jurisdiction, inner: Jurisdiction, what: str) -> None:
    """403 unless ``inner`` lies inside ``outer`` (zones ignored): an id a command names
    (``what``, e.g. a campaign or a team member) must belong to the place it acts on."""
    if not without_zone(outer).contains(without_zone(inner)):
        raise Forbidden(f"{what}不属于该辖区 ({FORBIDDEN})")


def without_zone(where: Jurisdiction) -> Jurisdiction:
    return where.model_copy(update={"zone": None})


def sees(principal: Principal, where: Jurisdiction) -> bool:
    """``where`` lies in the caller's jurisdiction with zones ignored: schools move between
    zones and inspectors work across them, so zones never narrow a read."""
    return without_zone(principal.jurisdiction).contains(without_zone(where))


def ensure_sees(principal: Principal, where: Jurisdiction) -> None:
    """403 unless the caller :func:`sees` ``where``."""
    if not sees(principal, where):
        raise Forbidden(FORBIDDEN)


def scope_filter(principal: Principal, **wanted: str | None) -> dict[str, Any]:
    """A read-model filter for the caller's jurisdiction, narrowed to what was asked.

    The list form of :func:`sees` (zones ignored). Documents carry
    ``province``/``city``/``county`` and ``school_id``. ``wanted`` maps such a field (or
    any other, e.g. ``zone``) to a requested value (``None``: not asked); a request
    outside the caller's jurisdiction is 403, not an empty answer.
    """
    mine = principal.jurisdiction
    query: dict[str, Any] = {}
    for level in ("province", "city", "county"):
        value = getattr(mine, level)
        if value is not None:
            query[level] = value
    if mine.school is not None:
        query["school_id"] = mine.school
    for field, value in wanted.items():
        if value is None:
            continue
        if field in query and query[field] != value:
            raise Forbidden(FORBIDDEN)
        query[field] = value
    return query


def ensure_role(principal: Principal, *roles: Role) -> None:
    """403 unless the caller holds one of ``roles`` (admins hold all)."""
    if not principal.has_any(*roles):
        raise Forbidden(
            "您的角色无权执行此操作 (role not allowed: needs "
            + ", ".join(r.value for r in roles)
            + ")",
        )
