"""The newsletter admin, one module per area; importing them registers the model admins."""

from newsletter.admin import editions, subscribers  # noqa: F401
