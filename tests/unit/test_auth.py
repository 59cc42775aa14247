from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.auth import InvalidToken, Principal, Role, TokenIssuer, TokenVerifier, ensure_keypair
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
