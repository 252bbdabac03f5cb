"""Domain errors raised by service functions; the app maps them to HTTP answers.

Messages are Simplified Chinese: they can reach a customer or an agent.
"""


class DeskError(Exception):
    status_code = 400

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(DeskError):
    status_code = 404


class Conflict(DeskError):
    status_code = 409
