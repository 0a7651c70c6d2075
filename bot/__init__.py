"""Answers out: compose an answer with [n] citations; the `newsbot` command line and the Telegram bot."""
