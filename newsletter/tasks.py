"""The newsletter's background tasks, run by `manage.py db_worker` (django-tasks-db).

Each task lives beside its flow, so flows that queue work and the work they queue import one way only.
These names stay importable from here for tasks queued before the split (their stored path).
"""

from newsletter.confirmation import send_confirmation_task
from newsletter.editions import start_scheduled_edition
from newsletter.sending import send_edition_task

__all__ = ["send_confirmation_task", "send_edition_task", "start_scheduled_edition"]
