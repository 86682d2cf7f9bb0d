"""The domain part of every UID the planner makes (``step@followup-cal``).

Apart from the planner so that sync can tell its events by their UID without loading it.
"""

UID_DOMAIN = "followup-cal"
