"""Translations: `catalogs` (the runtime lookup every resident-facing text goes through) and `tooling` (the
translator workflow: extract, update, compile, check; Babel's message tooling lives only there)."""
