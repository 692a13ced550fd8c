"""Logging filters of the catalogue's settings."""

import logging


class WithoutTraceback(logging.Filter):
    """Keeps a record's message and drops its traceback: for the refusals that are expected and
    frequent (a request naming another host), whose traceback says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
