"""Reading the user's mailbox for answers (`followup-cal inbox`).

``matching`` decides which messages are answers and knows nothing of IMAP; ``imap``
talks to the server, read-only; ``inbox`` wires them together and keeps the marker of
the last run. None of them imports click.
"""
