"""The Telegram edge, thin: app.py (handlers: parse the update, ask the answering service off the event
loop, render, reply; polling and webhook), config.py (its settings from flags and the environment),
render_html.py (an Answer as Telegram HTML, every piece of text escaped, split under 4096 characters).

May import: bot.answerer, bot.models, bot.render, bot.settings, bot.errors, and bot.answering.followup
(conversations and command detection); never the pipeline's stages, never bot.cli. `newsbot telegram`
(bot/cli/telegram.py) starts it.
"""
