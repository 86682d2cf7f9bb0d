"""The plan: the follow-up policy as data and the pure planner that applies it.

Nothing here reads a file, the network or the clock: the interviews, the user's business
calendar and ``today`` come in as arguments (the drafts' built-in templates are package
data, read as constants). Every other layer builds on this one; it imports none of them.
"""
