"""The calendar outputs: the .ics feed (whole, streamed, cached), the agenda, the HTML
timeline and the feed's HTTP server. Builds on the plan and the journal's state files;
sync and the command line build on it.
"""
