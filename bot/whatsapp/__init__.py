"""Residents on WhatsApp, through Meta's WhatsApp Business Cloud API: the same survey, engine and store.

- `deliveries`: what Meta posts to the webhook (typed, parsed only after the signature is checked).
- `payloads`: what Heard posts to the Graph API (text, reply buttons, list messages).
- `layout`: a rendered message within WhatsApp's limits (3 buttons, 10 list rows, short titles).
- `words`: commands as words the resident types, in every shipped language.
- `graph`: the Graph API client.
- `conversation`: one incoming message -> the conversation service -> the reply.
- `server`: the aiohttp webhook (verification, signature, 200 first, the work after).
"""
