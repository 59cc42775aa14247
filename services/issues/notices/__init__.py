"""Notices (《督导整改通知书》): issued, numbered and printed, with their receipts."""
