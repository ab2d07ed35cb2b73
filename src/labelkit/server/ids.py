"""Primary keys: short type prefix + fixed-width, lexicographically increasing body.

The body is a nanosecond clock (forced strictly monotonic within the process) followed by a
random suffix, both in a base32 alphabet whose characters are in ASCII order. Sorting ids as
strings therefore sorts them by creation time, which is what keyset pagination orders by.
"""

from __future__ import annotations

import re
import secrets
import time

__all__ = ["ID_PATTERN", "new_id", "new_ids"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case: ASCII-sorted
_CLOCK_WIDTH = 13  # 65 bits: a 64-bit nanosecond clock
_RANDOM_WIDTH = 6  # 30 bits: keeps ids of concurrent processes apart

ID_PATTERN = re.compile(rf"[a-z]{{2,4}}_[{_ALPHABET}]{{{_CLOCK_WIDTH + _RANDOM_WIDTH}}}")

_last_clock = 0


def _encode(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def _next_clock() -> int:
    global _last_clock
    now = time.time_ns()
    _last_clock = now if now > _last_clock else _last_clock + 1
    return _last_clock


def new_id(prefix: str) -> str:
    """A new id such as `prj_01j9...`; later calls in this process sort after earlier ones."""
    clock = _encode(_next_clock(), _CLOCK_WIDTH)
    return f"{prefix}_{clock}{_encode(secrets.randbits(5 * _RANDOM_WIDTH), _RANDOM_WIDTH)}"


def new_ids(prefix: str, count: int) -> list[str]:
    """`count` new ids in increasing order, from consecutive clock values.

    Bulk inserts make thousands at once: the clock range is reserved in one step and the
    random suffix is shared, so each id costs a string join rather than two encodings.
    """
    global _last_clock
    if count <= 0:
        return []
    start = _next_clock()
    _last_clock = start + count - 1
    suffix = _encode(secrets.randbits(5 * _RANDOM_WIDTH), _RANDOM_WIDTH)
    ids: list[str] = []
    append = ids.append
    # The last two characters (10 bits) come from a table; the rest changes every 1,024 ids.
    high = -1
    head = ""
    for value in range(start, start + count):
        if value >> 10 != high:
            high = value >> 10
            head = f"{prefix}_{_encode(high, _CLOCK_WIDTH - 2)}"
        append(f"{head}{_LOW_PAIRS[value & 1023]}{suffix}")
    return ids


_LOW_PAIRS = [_encode(value, 2) for value in range(1024)]
