"""Run a service as its own process (for kill-and-restart tests), configured like in tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from shared.settings import ServiceSettings
from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(
    module: str, settings: ServiceSettings, port: int, log: Path, **extra_env: str
) -> subprocess.Popen[bytes]:
    """``python -m <module>`` on ``port`` with the test's Kafka prefix and database."""
    env = {
        **os.environ,
        "PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "KAFKA_PARTITIONS": str(settings.kafka_partitions),
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DATABASE": settings.mongodb_database,
        "AUTH_PUBLIC_KEY_FILE": str(settings.auth_public_key_file),
        "AUTH_ISSUER": settings.auth_issuer,
        "AUTH_AUDIENCE": settings.auth_audience,
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
