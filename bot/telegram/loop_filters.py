"""Magic filters (`F.data`, `F.text`) checked on the event loop.

aiogram runs every filter that is not a coroutine function in a worker thread (`asyncio.to_thread`), and a plain
`F...` filter is such a function: a few attribute lookups then cost a thread hand-off and a wake-up of the event
loop, twice per button press. Wrapped in `on_loop`, the same filter is an aiogram `Filter` and is awaited
directly, with the same meaning (the update passes when the magic filter's result is truthy).
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.utils.magic_filter import MagicFilter

__all__ = ["on_loop"]


class _OnLoop(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: Any) -> bool:
        return bool(self._magic.resolve(event))

    def __str__(self) -> str:
        return f"on_loop({self._magic!r})"


def on_loop(magic: MagicFilter) -> Filter:
    """`magic`, checked without leaving the event loop."""
    return _OnLoop(magic)
