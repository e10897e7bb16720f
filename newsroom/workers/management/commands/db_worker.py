"""`manage.py db_worker`: django-tasks-db's worker, made to outlive a database restart.

The `newsroom.workers` app comes before django-tasks-db in INSTALLED_APPS, so this command replaces
the package's one (same options). The package's worker exits for good on the first lost connection,
leaving queued tasks to wait forever. This one waits for the database to come back and carries on:

- lost while looking for a task: wait, reconnect, look again;
- lost under a running task (its own queries fail while the database is down): the task goes back to
  the queue, to run again once the database is back; an `OperationalError` while the database is up is
  an ordinary failure, recorded as such;
- lost while recording a task's result: wait, then record it (the task does not run twice).
"""

import logging
from functools import partial

from django.tasks import TaskResultStatus
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from newsroom.workers.database import CONNECTION_ERRORS, database_is_up, wait_for_database

logger = logging.getLogger("django_tasks_db")


class Worker(db_worker.Worker):
    def run(self):
        while self.running:
            try:
                return super().run()
            except CONNECTION_ERRORS as error:
                wait_for_database(reason=str(error).strip(), running=lambda: self.running)

    def record(self, write):
        while True:
            try:
                return write()
            except CONNECTION_ERRORS as error:
                wait_for_database(reason=str(error).strip())

    def run_task(self, db_task_result):
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend = task.get_backend()
            task_started.send(sender=backend, task_result=task_result)
            args, kwargs = task_result.args, task_result.kwargs
            try:
                if task.takes_context:
                    value = task.call(TaskContext(task_result=task_result), *args, **kwargs)
                else:
                    value = task.call(*args, **kwargs)
            except CONNECTION_ERRORS as error:
                if database_is_up():
                    self.record(partial(db_task_result.set_failed, error))
                else:
                    wait_for_database(reason=f"during task {db_task_result.id}: {error}".strip())
                    self.record(partial(self.requeue, db_task_result))
                    return
            except BaseException as error:
                self.record(partial(db_task_result.set_failed, error))
            else:
                self.record(partial(db_task_result.set_successful, value))
            task_finished.send(sender=type(backend), task_result=db_task_result.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def requeue(self, db_task_result):
        logger.warning("Task id=%s interrupted by the database outage: queued again", db_task_result.id)
        running = DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.RUNNING)
        running.update(status=TaskResultStatus.READY, started_at=None)


class Command(db_worker.Command):
    help = "Run a database background worker that waits out database restarts (see newsroom/workers)."

    def handle(self, *args, **options):
        original = db_worker.Worker
        db_worker.Worker = Worker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
