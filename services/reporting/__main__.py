"""``python -m services.reporting`` runs the reporting service."""

from services.reporting.bootstrap import create_app
from services.reporting.settings import ReportingSettings
from shared.service import run

if __name__ == "__main__":
    settings = ReportingSettings()
    run(create_app(settings), settings.port)
