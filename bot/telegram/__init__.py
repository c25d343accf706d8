"""Telegram: the aiogram dispatcher, its routers and middlewares, replies and their delivery, the webhook."""
