"""Interviews from their calendar invitations: reading an .ics or a whole .eml (reading),
the people in it (people), and where it belongs in the file: a new interview, a next
round, a move or a cancellation (placing). Pure: bytes and the loaded file in, values
out; writing is the journal's, asking the CLI's. Nothing here ever answers the organizer.
"""
