"""`ehrmind.cli.teardown`: the fast exit keeps the exit code, runs atexit handlers and flushes output."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import atexit, sys, threading, time
from ehrmind.cli import teardown
atexit.register(lambda: print("atexit ran", flush=False))
print("buffered line", end="")  # no newline, no flush: must still reach the pipe
if "{mode}" != "normal":
    teardown.skip_teardown()
if "{mode}" == "thread":
    threading.Thread(target=time.sleep, args=(0.2,)).start()
teardown.exit_process({code!r})
"""


@pytest.mark.parametrize("mode", ["fast", "normal", "thread"])
@pytest.mark.parametrize("code", [0, 3, None])
def test_exit_keeps_code_runs_atexit_and_flushes(mode, code):
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(mode=mode, code=code)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == (code or 0), done.stderr
    assert done.stdout == "buffered lineatexit ran\n"


def test_a_message_code_exits_1_with_the_message():
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(mode="fast", code="bad recipe")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "bad recipe" in done.stderr


def test_leave_holds_data_only_for_the_process_entry_point():
    import gc
    import weakref

    from ehrmind.cli import teardown

    class Data:
        pass

    data = Data()
    ref = weakref.ref(data)
    teardown.leave(data)  # in-process (as under CliRunner): not held
    del data
    gc.collect()
    assert ref() is None


def test_left_data_is_moved_out_of_the_cycle_collectors_view():
    # In a process of its own (freezing would leave this test process's objects uncollectable).
    script = (
        "import gc\n"
        "from ehrmind.cli import teardown\n"
        "teardown.process_entry()\n"
        "before = gc.get_freeze_count()\n"
        "teardown.leave([[i] for i in range(1000)])\n"
        "print(before, gc.get_freeze_count())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert before == 0 and after > 1000  # everything alive, the 1,001 held lists included, is frozen
