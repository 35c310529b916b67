"""Graders that misbehave on purpose, for the runner's tests.

Registered when imported; pool workers are forked from the test process, so
they see these too.
"""
import os
import time

from proctor import graders
from proctor.graders import Grader, Verdict


@graders.register("test.stuck_in_c")
class StuckInC(Grader):
    """Hangs inside one C call when the completion says "hang": signals are not delivered there."""

    name = "test.stuck_in_c"

    def check(self, problem, completion):
        if completion == "hang":
            sum(range(10 ** 14))
        return Verdict.correct(extracted=completion)


@graders.register("test.raises")
class Raises(Grader):
    name = "test.raises"

    def check(self, problem, completion):
        raise RuntimeError("grader bug")


@graders.register("test.memory_hog")
class MemoryHog(Grader):
    name = "test.memory_hog"

    def check(self, problem, completion):
        if completion == "hog":
            blob = bytearray(8 * 1024 ** 3)  # over the worker's memory cap
            return Verdict.correct(extracted=str(len(blob)))
        return Verdict.correct(extracted=completion)


@graders.register("test.dies")
class Dies(Grader):
    name = "test.dies"

    def check(self, problem, completion):
        if completion == "die":
            os._exit(9)
        return Verdict.correct(extracted=completion)


@graders.register("test.sleeps")
class Sleeps(Grader):
    """20 ms an item: runs that must last long enough to be interrupted."""
    name = "test.sleeps"

    def check(self, problem, completion):
        time.sleep(0.02)
        return Verdict.correct(extracted=completion)
