"""Long-running processes: the task worker (`db_worker`) and the periodic jobs (`run_periodic`).

An app of its own so that it can sit before django-tasks-db in INSTALLED_APPS (its `db_worker` wins).
"""
