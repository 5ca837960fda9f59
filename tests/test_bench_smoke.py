"""The benchmark's quickest run, so its code cannot rot: the real bot and the echo bot each take
two full cases through the emulator (SQLite). No timing is asserted."""

from pathlib import Path

import pytest

from bench.__main__ import main
from tests.conftest import TEST_DATABASE_URL

# Neither bot here uses the test database, so the PostgreSQL pass of .ci/run would only repeat it.
pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL),
                                reason="uses no test database; runs in the SQLite pass")


@pytest.mark.heavy
def test_the_bench_drives_both_bots_through_whole_cases_and_prints_the_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--quick", "--chats", "2", "--cases", "2", "--only", "throughput",
                 "--latency-ms", "0", "--only", "reports", "--reports", "2",
                 "--report-runs", "burst", "--workdir", str(tmp_path)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "[ours, +0 ms per call] 2/2 cases, 16 updates" in printed
    assert "[echo, +0 ms per call] 2/2 cases, 16 updates" in printed
    assert "throughput ours/echo at +0 ms" in printed
    # Issue 19's reports-only run: CPU and SQL statements per report, per update kind.
    assert "[ours, reports only, burst] 2/2 reports" in printed
    assert "SQL per report, its delivery included:" in printed
    assert "SQL per update (processing" in printed and "  report " in printed
    assert "PROBLEM" not in printed

