"""Plausible personal data for demo residents: names, mobile numbers, ID numbers.

Every function takes the generator's ``random.Random`` so the output is reproducible.
ID numbers follow GB 11643-1999: six-digit region code, birth date, three-digit sequence
(odd for men, even for women) and the ISO 7064 MOD 11-2 check digit.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import accumulate
from operator import mul

from db.demo import vocab

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# month+day of each day of a common year, "0101" ... "1231"
_MMDD = tuple(f"{d:%m%d}" for d in (date(2001, 1, 1) + timedelta(days=k) for k in range(365)))


def id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are ``first17``."""
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def is_valid_id_number(value: str) -> bool:
    return len(value) == 18 and value[:17].isdigit() and id_check_digit(value[:17]) == value[17]


class Identities:
    """Draws names, phones and unique ID numbers from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames = [s for s, _ in vocab.SURNAMES]
        self._surname_cum = list(accumulate(w for _, w in vocab.SURNAMES))
        self._regions = [r for r, _ in vocab.REGION_CODES]
        self._region_cum = list(accumulate(w for _, w in vocab.REGION_CODES))
        self._issued: set[str] = set()  # membership only, never iterated

    # names ------------------------------------------------------------------
    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._surname_cum)[0]

    def given_name(self, gender: str, birth_year: int) -> str:
        era = "old" if birth_year < 1970 else ("mid" if birth_year < 1992 else "young")
        return self.rng.choice(vocab.GIVEN_NAMES[(era, gender)])

    def full_name(self, gender: str, birth_year: int, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given_name(gender, birth_year)

    def person(self, now_year: int, min_age: int = 25, max_age: int = 60) -> tuple[str, str, int]:
        """(name, gender, birth_year) of an adult not tied to a household."""
        gender = "男" if self.rng.random() < 0.55 else "女"
        birth_year = now_year - self.rng.randint(min_age, max_age)
        return self.full_name(gender, birth_year), gender, birth_year

    # phones -----------------------------------------------------------------
    def mobile(self) -> str:
        return self.rng.choice(vocab.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    # ID numbers ---------------------------------------------------------------
    def id_number(self, gender: str, birth_year: int, region: str | None = None) -> str:
        """A unique, well-formed 18-digit resident ID number."""
        rng = self.rng
        while True:
            reg = region or rng.choices(self._regions, cum_weights=self._region_cum)[0]
            seq = rng.randrange(500) * 2 + (1 if gender == "男" else 0)
            first17 = f"{reg}{birth_year:04d}{rng.choice(_MMDD)}{seq:03d}"
            value = first17 + id_check_digit(first17)
            if value not in self._issued:
                self._issued.add(value)
                return value
