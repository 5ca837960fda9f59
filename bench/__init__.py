"""Benchmarks: the real bot and a bare aiogram echo bot driven with the same load through the local
Bot API emulator (`python -m bench`, see bench/RESULTS.md)."""
