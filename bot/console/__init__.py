"""The web console: a page served by the bot itself (live blocks, opportunities, trades, PnL chart,
breaker and pause state, controls) and its JSON API, behind a bearer token.

    console = start_console(config)    # console_port / console_host; token FLASHARB_CONSOLE_TOKEN
    console.attach(loop)               # fed by the loop's Bookkeeper, never blocking it

bot.console.app lists the routes; bot.console.auth the token rules.
"""

from bot.console.server import ConsoleServer, serve, start_console

__all__ = ["ConsoleServer", "serve", "start_console"]
