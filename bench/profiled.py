"""`gridbot run` under a profiler. With OUTPUT ending in .pstats: cProfile (every call, for a
flat view by function: `python -m pstats OUTPUT`); otherwise pyinstrument's sampled call tree
(time spent waiting on the network is the event loop's, not the coroutine's).
Run: python -m bench.profiled OUTPUT"""

import cProfile
import sys
from pathlib import Path

from pyinstrument import Profiler

from bot.cli import main

if __name__ == "__main__":
    output = Path(sys.argv[1])
    if output.suffix == ".pstats":
        flat = cProfile.Profile()
        flat.enable()
        try:
            main(["run"])
        finally:
            flat.disable()
            flat.dump_stats(output)
    else:
        profiler = Profiler(interval=0.001, async_mode="disabled")
        profiler.start()
        try:
            main(["run"])
        finally:
            profiler.stop()
            output.write_text(profiler.output_text(unicode=True, show_all=False))
