"""``python -m services.issues`` runs the issues service."""

from services.issues.bootstrap import create_app
from services.issues.settings import IssuesSettings
from shared.service import run

if __name__ == "__main__":
    settings = IssuesSettings()
    run(create_app(settings), settings.port)
