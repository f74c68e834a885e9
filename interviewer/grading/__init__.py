"""Offline grading: small pure signals turn an answer's sentences into findings; combine.py judges."""
