"""``python -m services.issues`` runs the issues service."""

import uvicorn

from services.issues.bootstrap import create_app
from services.issues.settings import IssuesSettings

if __name__ == "__main__":
    settings = IssuesSettings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=settings.port, log_config=None)
