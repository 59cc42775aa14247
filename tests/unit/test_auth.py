from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.auth import (
    InvalidToken,
    Principal,
    Role,
    TokenIssuer,
    TokenVerifier,
    ensure_inside,
    ensure_keypair,
    scope_filter,
    sees,
)
from shared.commands import Forbidden
from shared.http import status_of
from shared.jurisdiction import Jurisdiction

NOW = datetime(2026, 9, 1, tzinfo=UTC)
ALICE = Principal(
    user_id="u1",
    name="张督学",
    roles=frozenset({Role.inspector}),
    jurisdiction=Jurisdiction(province="510000", city="510700", county="510704"),
)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[bytes, bytes]:
    private, public = ensure_keypair(tmp_path)
    return private.read_bytes(), public.read_bytes()


def test_a_minted_token_verifies_to_the_same_principal(keys: tuple[bytes, bytes]) -> None:
    token = TokenIssuer(keys[0], "iss", "aud").mint(ALICE, datetime.now(UTC), timedelta(hours=1))
    assert TokenVerifier(keys[1], "iss", "aud").verify(token) == ALICE


@pytest.mark.parametrize(
    ("issuer", "audience", "minted_at"),
    [
        ("other", "aud", None),
        ("iss", "other", None),
        ("iss", "aud", NOW - timedelta(days=2)),
    ],
)
def test_wrong_issuer_audience_or_expiry_is_rejected(
    keys: tuple[bytes, bytes], issuer: str, audience: str, minted_at: datetime | None
) -> None:
    token = TokenIssuer(keys[0], issuer, audience).mint(
        ALICE, minted_at or datetime.now(UTC), timedelta(hours=1)
    )
    with pytest.raises(InvalidToken):
        TokenVerifier(keys[1], "iss", "aud").verify(token)


def test_a_token_signed_by_another_key_is_rejected(
    keys: tuple[bytes, bytes], tmp_path: Path
) -> None:
    other_private, _ = ensure_keypair(tmp_path / "other")
    token = TokenIssuer(other_private.read_bytes(), "iss", "aud").mint(
        ALICE, datetime.now(UTC), timedelta(hours=1)
    )
    with pytest.raises(InvalidToken):
        TokenVerifier(keys[1], "iss", "aud").verify(token)


def test_garbage_is_rejected(keys: tuple[bytes, bytes]) -> None:
    with pytest.raises(InvalidToken):
        TokenVerifier(keys[1], "iss", "aud").verify("not.a.jwt")


COUNTY = Jurisdiction(province="510000", city="510700", county="510704")
ZONE_1_SCHOOL = Jurisdiction(
    province="510000", city="510700", county="510704", zone="z1", school="s1"
)


def _as(*roles: Role, **where: str) -> Principal:
    return Principal(
        user_id="u", name="u", roles=frozenset(roles), jurisdiction=Jurisdiction(**where)
    )


def test_zones_never_narrow_a_read_but_a_school_does() -> None:
    other_zone = _as(Role.inspector, province="510000", city="510700", county="510704", zone="z2")
    assert sees(other_zone, ZONE_1_SCHOOL)
    assert scope_filter(other_zone) == {"province": "510000", "city": "510700", "county": "510704"}
    assert scope_filter(other_zone, zone="z1")["zone"] == "z1"  # narrowed only when asked
    principal = _as(
        Role.principal, **{**ZONE_1_SCHOOL.model_dump(exclude_none=True), "school": "s2"}
    )
    assert not sees(principal, ZONE_1_SCHOOL)


def test_an_id_named_by_a_command_must_lie_inside_its_owner() -> None:
    ensure_inside(COUNTY, ZONE_1_SCHOOL, "学校 ")
    with pytest.raises(Forbidden) as raised:
        ensure_inside(COUNTY.model_copy(update={"county": "510703"}), ZONE_1_SCHOOL, "学校 ")
    assert status_of(raised.value) == 403
