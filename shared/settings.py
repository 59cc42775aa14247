"""Per-service settings, read from the environment and validated at start-up.

Each service composes its own settings class from these parts; nothing is built at
import time. ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` point a service at a real
cluster and replica set in production; their defaults are the local infrastructure
that ``deploy/local/infra.sh`` starts (on the ports ``DUXUE_KAFKA_PORT`` /
``DUXUE_FERRETDB_PORT`` name, when set).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _port(component: str, default: int) -> str:
    """The local server's port: ``DUXUE_<COMPONENT>_PORT`` as ``infra.sh`` reads it."""
    return os.environ.get(f"DUXUE_{component}_PORT", str(default))


class ServiceSettings(BaseSettings):
    """What every service needs: where Kafka, MongoDB and the token keys are."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default_factory=lambda: f"127.0.0.1:{_port('KAFKA', 9092)}"
    )
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_topic_prefix: str = Field(default="", pattern=r"^[a-z0-9._-]*$")
    mongodb_uri: str = Field(
        default_factory=lambda: (
            f"mongodb://127.0.0.1:{_port('FERRETDB', 27017)}/?directConnection=true"
        )
    )
    mongodb_database: str = "duxue"
    auth_public_key_file: Path = REPO_ROOT / ".state" / "keys" / "jwt-public.pem"
    auth_issuer: str = "duxue-auth"
    auth_audience: str = "duxue-platform"
    log_level: str = "INFO"
    trusted_proxies: str = ""
    """Comma-separated addresses or networks (``10.0.0.5,10.1.0.0/16``) of the reverse
    proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed. Empty (the
    default): none is, and the connecting peer is the client (the rate limits key on it)."""
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """A request body past this size is refused with 413 before it is read whole; the
    upload routes (evidence, roster import) keep their own, larger limits."""

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]
