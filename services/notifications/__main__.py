"""``python -m services.notifications`` runs the notifications service."""

from services.notifications.bootstrap import create_app
from services.notifications.settings import NotificationsSettings
from shared.service import run

if __name__ == "__main__":
    settings = NotificationsSettings()
    run(create_app(settings), settings.port)
