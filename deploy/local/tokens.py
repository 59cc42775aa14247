"""``python -m deploy.local.tokens``: mint bearer tokens for the demo users.

The key pair lives in ``.state/keys`` (created on first use); services verify with the
public half. ``--hours`` sets the lifetime (default 12).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from deploy.local.demo import USERS
from shared.auth import TokenIssuer, ensure_keypair
from shared.settings import REPO_ROOT, ServiceSettings


def mint_all(hours: float = 12) -> dict[str, str]:
    settings = ServiceSettings()
    private, _ = ensure_keypair(REPO_ROOT / ".state" / "keys")
    issuer = TokenIssuer(private.read_bytes(), settings.auth_issuer, settings.auth_audience)
    now = datetime.now(UTC)
    return {u.user_id: issuer.mint(u, now, timedelta(hours=hours)) for u in USERS}


def main() -> None:
    parser = argparse.ArgumentParser(description="Mint tokens for the demo users")
    parser.add_argument("--hours", type=float, default=12)
    parser.add_argument("--user", help="only this user id")
    args = parser.parse_args()
    names = {u.user_id: (u.name, u.main_role, u.jurisdiction.path) for u in USERS}
    for user_id, token in mint_all(args.hours).items():
        if args.user and user_id != args.user:
            continue
        name, role, where = names[user_id]
        print(f"# {name} ({role}, {where})\n{user_id}={token}\n")


if __name__ == "__main__":
    main()
