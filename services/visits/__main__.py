"""``python -m services.visits`` runs the visits service."""

import uvicorn

from services.visits.bootstrap import create_app
from services.visits.settings import VisitsSettings

if __name__ == "__main__":
    settings = VisitsSettings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=settings.port, log_config=None)
