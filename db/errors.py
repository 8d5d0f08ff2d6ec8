"""Domain exceptions. Their messages are Chinese and meant for the user; pages show them."""

from __future__ import annotations


class DomainError(Exception):
    """An error the user caused; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class PermissionDenied(DomainError):
    pass


class ConflictError(DomainError):
    """Optimistic-lock failure: someone else saved the record first."""


class NotFound(DomainError):
    pass


class InvalidTransition(DomainError):
    pass
