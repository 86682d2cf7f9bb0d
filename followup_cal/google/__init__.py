"""Google as a provider: OAuth 2.0 sign-in (``login google``), the tokens kept like
passwords, and what Google's CalDAV and Gmail's IMAP need on top of the generic code."""
