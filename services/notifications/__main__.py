"""``python -m services.notifications`` runs the notifications service."""

import uvicorn

from services.notifications.bootstrap import create_app
from services.notifications.settings import NotificationsSettings

if __name__ == "__main__":
    settings = NotificationsSettings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=settings.port, log_config=None)
