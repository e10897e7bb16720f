"""French date formats of the newsroom: « 1er décembre 2026 à 18 h 05 » in the admin and the emails.

Django's own French formats print « 1 décembre »; French writes the first of the month as an
ordinal. "S" is made French by newsroom.apps (« er » on the 1st, nothing otherwise).
"""

from django.conf.locale.fr.formats import *  # noqa: F403

DATE_FORMAT = "jS F Y"
DATETIME_FORMAT = r"jS F Y \à G \h i"
MONTH_DAY_FORMAT = "jS F"
