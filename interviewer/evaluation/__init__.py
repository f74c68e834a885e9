"""Replay, re-grade and labelled-dataset evaluation: is the interviewer any good, measured against people."""
