"""``python -m services.visits`` runs the visits service."""

from services.visits.bootstrap import create_app
from services.visits.settings import VisitsSettings
from shared.service import run

if __name__ == "__main__":
    settings = VisitsSettings()
    run(create_app(settings), settings.port)
