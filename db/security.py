"""Password hashing (bcrypt) and the password policy."""

from __future__ import annotations

import os

import bcrypt

from db.config import PASSWORD_MAX_BYTES, PASSWORD_MIN_LEN
from db.errors import ValidationError


def check_password_policy(password: str) -> None:
    """Raise ValidationError (Chinese message) unless the password is acceptable."""
    if len(password) < PASSWORD_MIN_LEN:
        raise ValidationError(f"密码至少需要{PASSWORD_MIN_LEN}个字符。", field="password")
    if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise ValidationError(
            "密码过长："
            f"最多{PASSWORD_MAX_BYTES}字节（约{PASSWORD_MAX_BYTES // 3}个汉字或{PASSWORD_MAX_BYTES}个英文字符）。",
            field="password",
        )
    if password.strip() != password:
        raise ValidationError("密码首尾不能有空格。", field="password")
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        raise ValidationError("密码须同时包含字母和数字。", field="password")


def bcrypt_rounds() -> int:
    """bcrypt cost: 12 by default; GOV_BCRYPT_ROUNDS may lower it (the tests use 4), never below 4."""
    try:
        return max(4, min(15, int(os.environ.get("GOV_BCRYPT_ROUNDS", "12"))))
    except ValueError:
        return 12


def hash_password(password: str, rounds: int | None = None) -> str:
    salt = bcrypt.gensalt(rounds or bcrypt_rounds())
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > PASSWORD_MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(data, hashed.encode("ascii"))
    except ValueError:
        return False
