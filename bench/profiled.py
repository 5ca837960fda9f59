"""`gridbot run` under pyinstrument, sampling where the CPU goes (time spent waiting on the
network is the event loop's, not the coroutine's). Run: python -m bench.profiled OUTPUT"""

import sys
from pathlib import Path

from pyinstrument import Profiler

from bot.cli import main

if __name__ == "__main__":
    output = Path(sys.argv[1])
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        main(["run"])
    finally:
        profiler.stop()
        output.write_text(profiler.output_text(unicode=True, show_all=False))
