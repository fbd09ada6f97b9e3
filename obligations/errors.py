class DomainError(Exception):
    """A refusal of the domain, worded for the user (the message is translated)."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message)
