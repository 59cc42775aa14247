"""``python -m services.reporting`` runs the reporting service."""

import uvicorn

from services.reporting.bootstrap import create_app
from services.reporting.settings import ReportingSettings

if __name__ == "__main__":
    settings = ReportingSettings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=settings.port, log_config=None)
