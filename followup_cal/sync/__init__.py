"""Pushing the plan to a CalDAV calendar.

``algorithm`` decides what to write and knows nothing of HTTP; ``caldav_remote`` talks
to the server (``followup_cal.credentials`` finds the password); ``run`` wires them
together. None of them imports click.
"""
