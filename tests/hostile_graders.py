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

    def grade(self, problem, completion):
        if completion == "hang":
            sum(range(10 ** 14))
        return Verdict.correct(completion)


@graders.register("test.raises")
class Raises(Grader):
    def grade(self, problem, completion):
        raise RuntimeError("grader bug")


@graders.register("test.memory_hog")
class MemoryHog(Grader):
    def grade(self, problem, completion):
        if completion == "hog":
            blob = bytearray(8 * 1024 ** 3)  # over the worker's memory cap
            return Verdict.correct(str(len(blob)))
        return Verdict.correct(completion)


@graders.register("test.dies")
class Dies(Grader):
    def grade(self, problem, completion):
        if completion == "die":
            os._exit(9)
        return Verdict.correct(completion)


@graders.register("test.sleeps")
class Sleeps(Grader):
    """20 ms an item: runs that must last long enough to be interrupted."""

    def grade(self, problem, completion):
        time.sleep(0.02)
        return Verdict.correct(extracted=completion)
