"""APScheduler inside the bot process; jobs run only on the scheduler leader."""
