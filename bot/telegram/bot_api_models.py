"""Build aiogram's Bot API models when they are first used, not all ~630 at import.

aiogram marks its models `defer_build`, but `aiogram/types/__init__.py` then calls `model_rebuild()` on every
one of them to resolve their forward references, which builds every validator: ~70 MiB and several seconds of
CPU at each start, for hundreds of types the bot never receives (stickers, games, payments...). While that
module is imported, `import_lazily` turns those calls into "put the referenced names where the model's module
can see them" (its globals: what pydantic resolves forward references against), so that each model builds
on first use with the same types it would have had. The ~190 request models (aiogram.methods) are not marked
`defer_build` at all; while they are defined they are, through pydantic's ConfigWrapper.for_model. Together:
about a third of the import's CPU and 25 MiB less than the types alone. If aiogram was imported before (a
test, a script), or pydantic changed what this relies on, the models are simply built eagerly as before.

Pydantic caches parametrised generics such as aiogram's `Response[Message]` weakly: garbage collection drops
them and the next request builds the class again. `keep_response_types` holds them for the process's life.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any


def import_lazily() -> None:
    if "aiogram.types" in sys.modules:
        return
    try:
        from pydantic import BaseModel
        from pydantic._internal._config import ConfigWrapper

        original = BaseModel.__dict__["model_rebuild"]
        rebuild = original.__func__
        original_config = ConfigWrapper.__dict__["for_model"]
        config_for = original_config.__func__
    except (ImportError, KeyError, AttributeError):
        return
    prepared: set[str] = set()

    def resolve_later(cls, *, force=False, raise_errors=True, _parent_namespace_depth=2,  # type: ignore[no-untyped-def]
                      _types_namespace=None):
        module = sys.modules.get(cls.__module__)
        if _types_namespace is None or force or module is None or not cls.__module__.startswith("aiogram.types."):
            return rebuild(cls, force=force, raise_errors=raise_errors,
                           _parent_namespace_depth=_parent_namespace_depth, _types_namespace=_types_namespace)
        if cls.__module__ not in prepared:
            names = vars(module)
            for name, value in _types_namespace.items():
                names.setdefault(name, value)
            prepared.add(cls.__module__)
        return None

    def deferred_requests(cls, bases, namespace, raw_annotations, kwargs):  # type: ignore[no-untyped-def]
        wrapper = config_for(cls, bases, namespace, raw_annotations, kwargs)
        if str(namespace.get("__module__", "")).startswith("aiogram.methods."):
            wrapper.config_dict["defer_build"] = True
        return wrapper

    BaseModel.model_rebuild = classmethod(resolve_later)  # type: ignore[method-assign,assignment]
    ConfigWrapper.for_model = classmethod(deferred_requests)  # type: ignore[method-assign,assignment]
    try:
        import aiogram.methods  # the package imports its types and methods
        import aiogram.types  # noqa: F401
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
        ConfigWrapper.for_model = original_config  # type: ignore[method-assign]


_kept: dict[Any, type] = {}


def build_used_models() -> None:
    """Build, before the first update, the models every update and reply needs (the update with its message
    and button press, the requests of a reply and their responses), so that the first residents after a start
    do not wait for them; the hundreds of others stay unbuilt."""
    from aiogram import methods
    from aiogram.methods.base import Response
    from aiogram.types import Update

    Update.model_rebuild()
    for request in (methods.GetUpdates, methods.SendMessage, methods.EditMessageText,
                    methods.EditMessageReplyMarkup, methods.AnswerCallbackQuery):
        request.model_rebuild()
        returning = request.__returning__
        if returning not in _kept:
            _kept[returning] = Response[returning]  # type: ignore[valid-type]
        _kept[returning].model_rebuild()


def keep_response_types() -> Callable[..., Awaitable[Any]]:
    """A request middleware for aiogram sessions: keeps every `Response[...]` class it has needed alive."""
    from aiogram.methods.base import Response

    async def middleware(make_request, bot, method):  # type: ignore[no-untyped-def]
        returning = method.__returning__
        if returning not in _kept:
            _kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)

    return middleware
