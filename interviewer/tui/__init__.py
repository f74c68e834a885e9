"""The Textual front end: setup, interview, feedback and history screens over the same engine."""
