"""The intake classifier's figures on the corpus's test part (and the older holdout): per-kind
precision and recall, emergency recall, false emergencies, wrong answers given with confidence,
address accuracy and parse time; plus what loading the model costs (time and memory), measured
in a fresh interpreter so that nothing else is counted."""

import json
import subprocess
import sys

from services.intake_eval import HOLDOUT, TEST_FILES, load, measure

_LOAD_COST = """
import json, resource, time
def rss(): return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20
before = rss(); t0 = time.perf_counter()
import services.intake as intake
t1 = time.perf_counter(); imported = rss()
intake.parse_report("3号楼电梯坏了")
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_parse_s": t2 - t1, "import_mb": imported - before,
                  "model_mb": rss() - imported}))
"""


def load_cost() -> dict[str, float]:
    """Seconds and MB to import the parser (with the models package it uses) and to load the
    model's weights on first use."""
    out = subprocess.run([sys.executable, "-c", _LOAD_COST], capture_output=True, text=True,
                         check=True)
    return dict(json.loads(out.stdout))


def report() -> list[str]:
    """The printable figures."""
    lines = []
    for name, paths in (("corpus test part", TEST_FILES), ("older holdout", (HOLDOUT,))):
        rows = load(paths)
        lines.append(f"{name} ({len(rows)} messages, {len(paths)} files):")
        lines += ["  " + line for line in measure(rows).lines()]
    cost = load_cost()
    lines.append(f"import services.intake {cost['import_s'] * 1e3:.0f} ms "
                 f"(+{cost['import_mb']:.0f} MB, mostly SQLModel); first parse, which loads the "
                 f"weights, {cost['first_parse_s'] * 1e3:.0f} ms (+{cost['model_mb']:.0f} MB)")
    return lines
