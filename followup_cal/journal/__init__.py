"""The journal: the files beside the interviews file, and the facts written back into it.

Recording a fact (a note sent, a reply, an outcome, a round) edits the user's YAML in
place, keeping comments and layout; atomic writes and the small files kept beside the
YAML (export state, the UID secret) live here too. Builds on the plan, never on the
calendar, sync, mail or command-line layers.
"""
