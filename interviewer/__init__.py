"""interviewer: mock technical interviews with follow-up questions and rubric feedback."""

__version__ = "0.1.0"
