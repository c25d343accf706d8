"""Writing to residents on Heard's own initiative: one reminder, the results of their wave.

Our tables are the source of truth (an outbox of queued messages, subscriptions, contacts); the scheduler
only decides when to look. Everything here takes `now` as an argument so tests control the clock.
"""
