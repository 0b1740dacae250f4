"""One module per kind of proactive message; :mod:`bot.proactive.registry` lists them."""
