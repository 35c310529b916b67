"""The `code` grader: what it accepts, what it rejects, what hostile input does,
the extraction forms, the wire format and the type-strict comparison."""
from __future__ import annotations

import pytest

from proctor import graders
from proctor.graders.code import compare, protocol
from proctor.graders.code.extract import assemble, extract_code, fenced_blocks
from proctor.graders.problem import Problem
from code_support import canonical, grader, humaneval_problems


def function_problem(tests, solution, entry="f", tolerance=None) -> Problem:
    rows = []
    for args, expected in tests:
        row = {"args": protocol.encode(tuple(args)), "expected": protocol.encode(expected)}
        if tolerance is not None:
            row["tolerance"] = tolerance
        rows.append(row)
    return Problem("t/fn", "test", "write f", {"kind": "function", "entry_point": entry, "tests": rows,
                                                 "solution": solution})


def stdio_problem(pairs, solution) -> Problem:
    return Problem("t/io", "test", "write a program", {"kind": "stdio", "solution": solution,
                                                        "tests": [{"input": i, "output": o} for i, o in pairs]})


ADD = function_problem([((1, 2), 3), ((-5, 5), 0), ((10 ** 30, 1), 10 ** 30 + 1)],
                       "def f(a, b):\n    return a + b\n")
PAIRS = function_problem([((3,), (3, 9)), ((0,), (0, 0))], "def f(n):\n    return (n, n * n)\n")
HALF = function_problem([((1,), 0.5), ((3,), 1.5)], "def f(n):\n    return n / 2\n", tolerance=1e-9)
ECHO_SUM = stdio_problem([("1 2\n", "3\n"), ("10 -4\n", "6\n")],
                         "a, b = map(int, input().split())\nprint(a + b)\n")


@pytest.fixture(scope="module")
def code_grader():
    return grader("bwrap", min_seconds=1.0, load_seconds=2.0)


def test_registered_with_sandbox_flag():
    g = graders.get("code")
    assert g.name == "code" and g.needs_sandbox is True


# --- accept -----------------------------------------------------------------

@pytest.mark.parametrize("completion", [
    "def f(a, b):\n    return a + b\n",
    "Sure:\n```python\ndef f(a, b):\n    return b + a\n```\n",
    "```py\nimport operator\nf = operator.add\n```",
    "first try\n```python\ndef f(a, b): return 0\n```\nbetter:\n```python\ndef f(a, b):\n    return sum((a, b))\n```",
])
def test_accepts_correct_functions(code_grader, completion):
    verdict = code_grader.grade(ADD, completion)
    assert verdict.status == "correct", verdict
    assert verdict.score == 1.0 and verdict.details["passed"] == 3


def test_accepts_tuples_and_floats_within_tolerance(code_grader):
    assert code_grader.grade(PAIRS, "def f(n):\n    return (n, n ** 2)\n").passed
    assert code_grader.grade(HALF, "def f(n):\n    return n * 0.5 + 1e-12\n").passed


def test_accepts_stdio_with_trailing_whitespace(code_grader):
    verdict = code_grader.grade(ECHO_SUM, "import sys\na, b = map(int, sys.stdin.read().split())\n"
                                          "sys.stdout.write(str(a + b) + '   \\r\\n\\n\\n')\n")
    assert verdict.status == "correct", verdict


def test_humaneval_continuation_and_full_definition(code_grader):
    problem = humaneval_problems()["HumanEval/2"]
    assert code_grader.grade(problem, canonical("HumanEval/2")).passed
    full = "```python\ndef truncate_number(number: float) -> float:\n    return number % 1.0\n```"
    assert code_grader.grade(problem, full).passed


# --- reject -----------------------------------------------------------------

@pytest.mark.parametrize("completion, reason", [
    ("def f(a, b):\n    return a - b\n", "wrong answer on test 0"),
    ("def f(a, b):\n    return float(a + b)\n", "wrong answer on test 0"),  # type-strict: 3.0 is not 3
    ("def f(a, b):\n    return 1 / 0\n", "exception on test 0: ZeroDivisionError: division by zero"),
    ("def g(a, b):\n    return a + b\n", "the program did not load: NameError: the program defines no function 'f'"),
    ("import time\ndef f(a, b):\n    time.sleep(60)\n", "time limit"),
    ("while True:\n    pass\n", "time limit"),
])
def test_rejects_wrong_functions(code_grader, completion, reason):
    verdict = code_grader.grade(ADD, completion)
    assert verdict.status == "incorrect", verdict
    assert verdict.reason == reason
    assert verdict.score == 0.0


def test_list_is_not_a_tuple_and_tolerance_is_opt_in(code_grader):
    assert code_grader.grade(PAIRS, "def f(n):\n    return [n, n * n]\n").status == "incorrect"
    exact = function_problem([((1,), 0.5)], "def f(n):\n    return n / 2\n")
    assert code_grader.grade(exact, "def f(n):\n    return 0.5 + 1e-12\n").status == "incorrect"
    assert code_grader.grade(HALF, "def f(n):\n    return n / 2 + 1e-3\n").status == "incorrect"


def test_partial_pass_is_incorrect_with_count(code_grader):
    verdict = code_grader.grade(ADD, "def f(a, b):\n    return a + b if a < 100 else 0\n")
    assert verdict.status == "incorrect" and verdict.details["passed"] == 2 and verdict.details["tests"] == 3


@pytest.mark.parametrize("completion, reason", [
    ("print(3)\n", "wrong answer on test 1"),
    ("a, b = map(int, input().split())\nprint(a + b, end='')\nprint(' extra')\n", "wrong answer on test 0"),
    ("raise SystemExit(3)\n", "exception on test 0: exit status 3: "),
    ("import sys\nprint(int(input().split()[0]) + int(input()))\n", None),
])
def test_rejects_wrong_programs(code_grader, completion, reason):
    verdict = code_grader.grade(ECHO_SUM, completion)
    assert verdict.status == "incorrect", verdict
    if reason is not None:
        assert verdict.reason == reason


@pytest.mark.parametrize("completion", ["", "   \n", "```python\n```", "def f(a, b)\n    return a + b\n",
                                        "The answer is to add them."])
def test_unparsable(code_grader, completion):
    assert code_grader.grade(ADD, completion).status == "unparsable"


def test_reference_failing_its_own_tests_is_a_grader_error(code_grader):
    broken = function_problem([((1, 2), 4)], "def f(a, b):\n    return a + b\n")
    verdict = code_grader.grade(broken, "def f(a, b):\n    return 4\n")
    assert verdict.status == "error" and not verdict.scored
    assert code_grader.grade(Problem("x", "t", "p", {"kind": "nope"}), "x = 1").status == "error"
    assert code_grader.grade(Problem("x", "t", "p", {"kind": "function"}), "x = 1").status == "error"


def test_unknown_backend_is_a_grader_error():
    from proctor.graders.code.grader import CodeGrader
    verdict = CodeGrader(sandbox="no-such-backend").grade(ADD, "def f(a, b):\n    return a + b\n")
    assert verdict.status == "error"


# --- hostile ----------------------------------------------------------------

@pytest.mark.parametrize("completion", [
    "def f(a, b):\n    return [[[]]] * 10**7\n",  # output beyond the record cap
    "def f(a, b):\n    x = []\n    x.append(x)\n    return x\n",  # a cycle
    "def f(a, b):\n    class E(Exception):\n        def __str__(self): raise RuntimeError\n    raise E()\n",
    "def f(a, b):\n    return 'x' * (1 << 30)\n",  # memory
    "import os\ndef f(a, b):\n    while True:\n        os.fork()\n",
    "import sys\nsys.setrecursionlimit(10**6)\ndef f(a, b):\n    return f(a, b)\n",
    "def f(a, b):\n    import sys\n    sys.stdout.write('3' * 10**7)\n    return 3\n",
])
def test_hostile_functions_are_contained_and_fail(code_grader, completion):
    verdict = code_grader.grade(ADD, completion)
    assert verdict.status == "incorrect", verdict


@pytest.mark.parametrize("completion", [
    "import sys\nsys.stdout.write('3\\n' * 10**7)\n",  # endless output
    "import os\nos.close(1)\nprint(3)\n",
    "import os, sys\nsys.stdout.write('3\\n')\nsys.stdout.flush()\nos.kill(os.getppid(), 9)\n",
])
def test_hostile_programs_fail(code_grader, completion):
    assert code_grader.grade(ECHO_SUM, completion).status == "incorrect"


def test_grade_never_raises_on_odd_text(code_grader):
    for completion in ("\x00\x01", "```python\n" + "(" * 5000 + "\n```", "é" * 1000, None, "x" * 300_000):
        verdict = code_grader.grade(ADD, completion)
        assert verdict.status in ("unparsable", "incorrect"), verdict


# --- extraction ---------------------------------------------------------------

def test_extraction_forms():
    assert extract_code("no fences") == "no fences"
    assert extract_code("a\n```python\nx = 1\n```\nb\n```python\ny = 2\n```\n") == "y = 2\n"
    assert extract_code("```python\nx = 1\n```\n```\nplain\n```") == "x = 1\n"  # python-tagged wins
    assert extract_code("```\nplain\n```") == "plain\n"
    assert extract_code("text\n```python\ndef f():\n    return 1") == "def f():\n    return 1"  # truncated
    assert fenced_blocks("```js\nx\n```") == [("js", "x\n")]
    assert extract_code("```js\nx\n```") == "```js\nx\n```"


def test_assemble_full_definition_or_continuation():
    stub = "import math\n\n\ndef g(x):\n    \"\"\"doc\"\"\"\n"
    continued = assemble(stub, "    return math.floor(x)\n", "g")
    assert continued == stub + "    return math.floor(x)\n"
    full = assemble(stub, "def g(x):\n    return 1\n", "g")
    assert full.startswith("import math") and full.endswith("def g(x):\n    return 1\n")


# --- wire format and comparison -----------------------------------------------

def test_tagged_values_round_trip_with_exact_types():
    values = [None, True, 0, -(10 ** 40), 1.5, float("inf"), 2 + 3j, "é\ud800", b"\x00\xff", [1, (2, 3)],
              {1: "a", (1, 2): [None]}, {3, 1, 2}, frozenset({"a"}), ()]
    for value in values:
        back = protocol.decode(protocol.loads(protocol.canonical(protocol.encode(value))))
        assert back == value and type(back) is type(value)
    assert protocol.encode({2, 1}) == protocol.encode({1, 2})


@pytest.mark.parametrize("value", [type("I", (int,), {})(1), type("L", (list,), {})(), object(), iter([]),
                                   [type("S", (str,), {})("x")]])
def test_encoder_refuses_everything_but_exact_builtins(value):
    with pytest.raises(protocol.Unencodable):
        protocol.encode(value)


@pytest.mark.parametrize("tagged", [["int"], ["int", 5], ["int", "zz"], ["bool", 1], ["float", "nope"],
                                    ["list", "x"], ["dict", [[["list", []], ["none"]]]], ["nope"], "str", [],
                                    ["set", [["list", []]]], ["int", "f" * 20_000]])
def test_decoder_refuses_malformed_values(tagged):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(tagged)


def test_envelope_needs_the_nonce():
    nonce = "ab" * 16
    frame = protocol.frame_envelope(nonce, {"calls": []})
    assert protocol.find_envelope(b"noise" + frame, nonce) == {"calls": []}
    assert protocol.find_envelope(frame, "cd" * 16) is None
    assert protocol.find_envelope(frame + frame, nonce) is None  # only one may exist
    assert protocol.find_envelope(frame[:-1], nonce) is None
    assert protocol.loads is not None and protocol.find_envelope(b"[" * 100_000, nonce) is None


def test_type_strict_comparison():
    e = protocol.encode
    assert compare.same_value(e({"a": 1, "b": 2}), e({"b": 2, "a": 1}))
    assert not compare.same_value(e(1), e(True))
    assert not compare.same_value(e(1), e(1.0))
    assert not compare.same_value(e([1]), e((1,)))
    assert not compare.same_value(e({1: 1}), e({True: 1}))
    assert compare.same_value(e(float("nan")), e(float("nan")))
    assert compare.same_value(e([0.1 + 0.2]), e([0.3]), tolerance=1e-9)
    assert not compare.same_value(e([0.1 + 0.2]), e([0.3]))


def test_stdout_whitespace_policy():
    assert compare.same_stdout("1 2\n3\n", "1 2  \r\n3\t\n\n\n")
    assert not compare.same_stdout("1 2\n", "1  2\n")
    assert not compare.same_stdout("1\n2\n", "1\n\n2\n")
    assert not compare.same_stdout("a\n", " a\n")
    assert not compare.same_stdout("A\n", "a\n")


def test_memory_bomb_is_a_memory_limit():
    memory_grader = grader("bwrap", min_seconds=4.0, load_seconds=4.0, memory_mb=256)
    verdict = memory_grader.grade(ADD, "def f(a, b):\n    return len('x' * (1 << 30))\n")
    assert verdict.status == "incorrect" and verdict.reason == "memory limit", verdict


def test_time_limits_scale_with_the_reference():
    """Each call may take max(min_seconds, factor x the reference's time): a
    reference that needs 0.4 s per call allows 1.6 s, so 0.6 s passes and 3 s
    is `incorrect` with reason "time limit" (the grader's `timeout` is not used)."""
    slow = function_problem([((1,), 1), ((2,), 2)],
                            "import time\ndef f(n):\n    time.sleep(0.4)\n    return n\n")
    scaled = grader("bwrap", min_seconds=0.1, factor=4.0, load_seconds=2.0)
    ok = scaled.grade(slow, "import time\ndef f(n):\n    time.sleep(0.6)\n    return n\n")
    assert ok.status == "correct", ok
    late = scaled.grade(slow, "import time\ndef f(n):\n    time.sleep(3)\n    return n\n")
    assert late.status == "incorrect" and late.reason == "time limit", late


def test_indented_fence_is_dedented():
    text = "1. Here:\n   ```python\n   def f(a, b):\n       return a + b\n   ```\n"
    assert extract_code(text) == "def f(a, b):\n    return a + b\n"


def test_backend_choice_order(monkeypatch):
    from proctor.graders.code.grader import CodeGrader
    with_meta = Problem("p", "t", "x", {"kind": "function"}, {"sandbox": "docker"})
    monkeypatch.delenv("PROCTOR_SANDBOX", raising=False)
    assert CodeGrader()._backend_name(ADD) == "bwrap"
    assert CodeGrader()._backend_name(with_meta) == "docker"
    monkeypatch.setenv("PROCTOR_SANDBOX", "process")
    assert CodeGrader()._backend_name(with_meta) == "process"
    assert CodeGrader(sandbox="bwrap")._backend_name(with_meta) == "bwrap"
