"""The IHD application service: link, verification, store, inbox and outbox wired together."""
