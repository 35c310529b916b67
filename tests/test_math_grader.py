"""The `math` grader: what it accepts, rejects, cannot read, and what hostile text does to it."""
from __future__ import annotations

import pytest
import sympy

from proctor import graders
from proctor.graders.math.grader import read_reference
from proctor.graders.math.parse_latex import LatexSyntaxError, _SafeConverter, parse_latex
from proctor.graders.math.parse_plain import PlainSyntaxError, parse_plain
from proctor.graders.problem import Problem

GRADER = graders.get("math")


def grade(reference, completion, **metadata):
    return GRADER.grade(Problem("p1", "math.test", "", reference, metadata), completion)


def test_registered_as_builtin():
    assert graders.BUILTINS["math"] == "proctor.graders.math.grader"
    assert "math" in graders.names()
    assert GRADER.needs_sandbox is False


ACCEPT = [
    (r"\frac{1}{2}", r"so $\boxed{0.5}$"),
    (r"\frac{1}{2}", r"\boxed{\dfrac12}"),
    (r"\frac{1}{2004!}", r"\boxed{\frac{1}{2004!}}"),
    (r"\frac{7}{3}", r"\boxed{2\frac{1}{3}}"),
    (r"\{-2, 1\}", r"The roots are $x=\boxed{-2}$ and $x=\boxed{1}$."),
    (r"\{-2, 1\}", r"\boxed{1, -2}"),
    (r"\{1-\sqrt{2}, 1+\sqrt{2}\}", r"\boxed{1 \pm \sqrt{2}}"),
    (r"\emptyset", r"\boxed{\varnothing}"),
    (r"18.90", r"It costs \$18.90 in total."),
    (r"(-\infty, 3]", r"\boxed{x \le 3}"),
    (r"(-\infty, 1) \cup (2, \infty)", r"\boxed{x<1 \text{ or } x>2}"),
    (r"[2, 5)", r"\boxed{[2,5)}"),
    (r"x^2+2x+1", r"\boxed{(x+1)^2}"),
    (r"\sin^2 x", r"\boxed{1-\cos^2 x}"),
    (r"\begin{pmatrix}1 & 2\\ 3 & 4\end{pmatrix}", r"\boxed{\begin{bmatrix}1&2\\3&4\end{bmatrix}}"),
    (r"\text{(B)}", "The answer is (B)."),
    (r"30^\circ", r"\boxed{30}"),
    (r"\frac{\pi}{6}", r"\boxed{30^\circ}"),
    (r"3\times10^5", r"\boxed{300{,}000}"),
    (r"1234567", r"\boxed{1,234,567}"),
    (r"y=2x+1", r"\boxed{2x+1=y}"),
    (r"x=2", r"\boxed{2}"),
    (r"5", r"\boxed{x = 5}"),
    (r"\sqrt{2}+\sqrt{3}", r"\boxed{\sqrt{5+2\sqrt{6}}}"),
    (r"\text{even}", r"\boxed{\text{Even}}"),
    (r"12", r"The area is $\boxed{12 \text{ cm}^2}$."),
    (r"(1, 2)", r"so x = 1, y = 2 and \boxed{(1, 2)}"),
    (r"3+4i", r"\boxed{4i+3}"),
    ("4", r"First \boxed{3}. Hmm, recheck the second step... the answer is \boxed{4}."),
    ("12", "We add 5 and 7 to get 12."),
    ("12", "**Final Answer:** 12"),
    ("6", "So there are six of them. The answer is six."),
    (r"\ln(x) + 1", r"\boxed{\log(x)+1}"),  # sympy prints the natural log as \log
    (r"\log_{10} 100", r"\boxed{2}"),
    (r"(-\infty, \infty)", r"\boxed{\text{all real numbers}}"),
    (r"\text{DNE}", "Answer: does not exist"),
    (r"\begin{pmatrix} 3 \\ -1 \end{pmatrix}", r"\boxed{\langle 3, -1 \rangle}"),
    (r"\text{(C)}", r"The correct choice is \textbf{(C)} 42."),
    (r"\frac{1}{6}", "The probability is 1/6 ≈ 0.1667."),
    (r"\{-1\} \cup [0,7)", r"x \in \boxed{\{-1\} \cup [0,7)}"),
    ("x < 1", r"$\boxed{-x > -1}$"),
    ("f(2) < f(1) < f(4)", r"Hence, $\boxed{f(2) < f(1) < f(4)}.$"),
    ("120", "Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct."),
    ("11111111100", r"is $\boxed{11,\! 111,\! 111,\! 100}$"),
    (r"\{1\pm\sqrt{5},-2\}", r"$\boxed{-2, 1+\sqrt5, 1-\sqrt5}$"),
    ("2x+4y-3=0", r"$\boxed{y=-\frac{1}{2}x+\frac{3}{4}}$"),
    (r"\frac{1}{3}", r"The answer is $\frac{1}{3} \text{ meters}$."),
    # a chain of equalities states its last side, even after a slip on the way
    ("x = 11", r"$x = 5+5+1 = 7 = 11$"),
    ("2", r"The answer is $z = 3+3 = 2$"),
    # a chain around a named quantity is the range it takes; around an expression, where both halves hold
    ("(0,1)", r"The range is $0<f(x)<1$."),
    ("(0,1)", r"$1 > g(t) > 0$"),
    (r"1\leq|z|\leq \frac{3}{2}", r"$z \in \left[-\frac{3}{2}, -1\right] \cup \left[1, \frac{3}{2}\right]$"),
    # a currency sign written after its amount opens no formula
    ("2.74", "Soucis : 2,74 $ de plus."),
    # a lettered option with its content, against a bare letter key
    ("C", r"\boxed{C. x = 42}"),
    # GSM8K's answer marker, on a line of its own
    ("42", "2 + 40 = 42.\n#### 42\n"),
    (r"\frac{1}{2}", "#### \\frac{1}{2}"),
    # brace groups in a union are sets, with or without backslashes
    (r"\{1,2,3\}", r"$\{1,2\} \cup \{2,3\}$"),
    (r"{1,2} \cup {2,3}", "{1,2} ∪ {2,3}"),
    # written-out matrices combined: the matrix they make
    (r"\begin{pmatrix}6 & 8 \\ 10 & 12\end{pmatrix}",
     r"$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} + \begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}$"),
    (r"\begin{pmatrix}19 & 22 \\ 43 & 50\end{pmatrix}",
     r"$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} \cdot \begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}$"),
]


@pytest.mark.parametrize("reference,completion", ACCEPT)
def test_accepts(reference, completion):
    verdict = grade(reference, completion)
    assert verdict.status == "correct", verdict


REJECT = [
    (r"\frac{1}{2^{99}}", r"\boxed{\frac{1}{2^{98}}}"),
    (r"\frac{1}{2004!}", r"\boxed{\frac{1}{2006!}}"),
    (r"\frac{2^{2005}+1}{3\cdot 2^{2006}}", r"\boxed{\frac{1}{3\cdot 2^{2006}}}"),
    ("0", r"\boxed{x^2-4=0}"),
    ("3", "the answer is 3 or 4"),
    ("3", r"\boxed{3 \text{ or } 4}"),
    (r"\{1, 2\}", r"So $x = \boxed{1}$. Wait, that is wrong, recomputing gives $x = \boxed{2}$."),
    (r"(-\infty, 3]", r"\boxed{(-\infty,3)}"),
    (r"(-\infty, 3]", r"\boxed{x < 3}"),
    (r"(1, 2)", r"\boxed{(2, 1)}"),
    (r"\{1, 2\}", r"\boxed{(1, 2, 3)}"),
    (r"\pi", r"\boxed{3.1}"),
    (r"\pi", r"\boxed{\frac{22}{7}}"),
    (r"\frac{1}{3}", r"\boxed{0.33}"),
    (r"x^2+2x+1", r"\boxed{(x-1)^2}"),
    (r"\text{(B)}", r"\boxed{C}"),
    (r"\text{even}", r"\boxed{\text{odd}}"),
    (r"\emptyset", r"\boxed{\{0\}}"),
    (r"x > 2", r"\boxed{x \geq 2}"),
    (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\boxed{\begin{pmatrix}2\\1\end{pmatrix}}"),
    (r"\frac{\pi}{4}", r"\boxed{45}"),  # degrees only when marked
    ("8", "There are 8 apples and 3 oranges, so 11 pieces of fruit in total."),
    ("-3", r"$\boxed{-3}$ and $\boxed{3}$"),
    (r"\text{DNE}", r"\boxed{0}"),
    ("x < 1", r"$\boxed{x > -1}$"),
    ("32349", r"is $\boxed{32, 349}$"),
    (r"(\frac{3}{5},\frac{8}{3}]", r"$\boxed{(0.6,2.7]}$"),
    ("a + 3z = 0", r"$\boxed{0}$"),
    ("7", r"$x = 5+5+1 = 7 = 11$"),  # the chain states 11
    ("3", r"$x = 3 = 4$"),
    ("[0,1]", r"$0<f(x)<1$"),
    ("(0,1)", r"$0<f(x)<2$"),
    (r"[1, \frac{3}{2}]", r"$1 \le |z| \le \frac{3}{2}$"),  # |z| >= 1 holds for z <= -1 too
    ("C", r"\boxed{D. x = 42}"),
    ("42", "#### 41\n"),
    ("5", "#### Step 5\nWe get $x=7$"),  # a markdown heading is no answer marker
    (r"\begin{pmatrix}23 & 34 \\ 31 & 46\end{pmatrix}",  # B A, not A B
     r"$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} \cdot \begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}$"),
    (r"\begin{pmatrix}6 & 8 \\ 10 & 12\end{pmatrix}",
     r"$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} + \begin{pmatrix}5 & 6 \\ 7 & 9\end{pmatrix}$"),
]


@pytest.mark.parametrize("reference,completion", REJECT)
def test_rejects(reference, completion):
    verdict = grade(reference, completion)
    assert verdict.status == "incorrect", verdict


UNPARSABLE = [
    ("3", r"\boxed{3} hmm wait. Actually it should be \boxed{4"),
    ("4", r"\boxed{3} hmm wait. Actually it should be \boxed{4"),
    ("7", "I don't know."),
    ("7", ""),
    ("2", r"\boxed{}"),
    ("1", r"$\begin{pmatrix}1 & 2\end{pmatrix} + \begin{pmatrix}1\end{pmatrix}$"),  # shapes that do not add
    (r"\frac{1}{2}", r"so we get 3 $\frac{1}{2"),  # a digit before an opening $ is no amount when math follows
]


@pytest.mark.parametrize("reference,completion", UNPARSABLE)
def test_unparsable(reference, completion):
    assert grade(reference, completion).status == "unparsable"


def test_extracted_shows_what_was_read():
    assert grade("4", r"so \boxed{3}, no wait, redo it: \boxed{4}").extracted == "4"
    assert grade(r"\{-2,1\}", r"$\boxed{-2}$ and $\boxed{1}$").extracted == "-2, 1"
    assert grade("3", "The answer is 3 or 4.").extracted == "3 or 4"
    assert grade("12", "We get 5, then 7, then 12.").extracted == "12"


def test_percent_policy():
    # one reading per problem; the default "number": the sign is notation, 50% is 50 and never 0.5
    assert grade(r"50\%", r"\boxed{50}").passed
    assert not grade(r"50\%", r"\boxed{0.5}").passed
    assert grade("-2", r"\boxed{-2\%}").passed
    assert not grade("-2", r"\boxed{-200\%}").passed
    assert not grade(r"\frac{1}{2}", r"\boxed{50}").passed  # no sign, no conversion
    assert grade(r"\frac{3}{5}", r"\boxed{60\%}", percent="fraction").passed  # "fraction": 60% is 3/5 only
    assert not grade(r"60\%", r"\boxed{60}", percent="fraction").passed
    assert not grade("-2", r"\boxed{-2\%}", percent="fraction").passed
    assert not grade(r"50\%", r"\boxed{50}", percent="strict").passed
    assert grade(r"50\%", r"\boxed{50\%}", percent="strict").passed
    assert grade(r"50\%", r"\boxed{50}", percent="sometimes").status == "error"
    assert grade(r"50\%", r"\boxed{50}", percent="equal_fraction").status == "error"  # two readings: gone


# Approximation policy: exact unless the problem allows otherwise (metadata "tolerance", relative),
# or the reference is itself a rounded decimal (an answer that rounds to it is right).
APPROXIMATIONS = [
    # (reference, answer, metadata, correct?)
    (r"\sqrt{2}", "1.41", {}, False),
    (r"\pi", "3.14", {}, False),
    (r"\frac{1}{3}", "0.333", {}, False),
    (r"\frac{1}{12}", "0.0833333333333333", {}, False),
    ("336", "336.1", {}, False),
    ("336", "335.9", {}, False),
    ("336", "336.0", {}, True),
    ("2x", "1.999x", {}, False),
    ("[-4, 2]", "[-3.999, 2]", {}, False),
    (r"\frac{1}{2}", "0.5", {}, True),
    (r"\sqrt{2}", "1.41", {"tolerance": 0.01}, True),
    (r"\sqrt{2}", "1.3", {"tolerance": 0.01}, False),
    (r"(\frac{3}{5},\frac{8}{3}]", "(0.6,2.6667]", {"tolerance": 0.001}, True),
    ("2x", "1.999x", {"tolerance": 0.01}, True),
    ("7.78", r"\frac{7}{9} \cdot 10", {}, True),  # the reference's 2 places: 7.777... rounds to 7.78
    ("7.78", "7.8", {}, False),
]


@pytest.mark.parametrize("reference,answer,metadata,correct", APPROXIMATIONS)
def test_approximation_policy(reference, answer, metadata, correct):
    assert grade(reference, rf"\boxed{{{answer}}}", **metadata).passed is correct


def test_tolerance_must_be_a_relative_number():
    assert grade("1", r"\boxed{1}", tolerance="1%").status == "error"
    assert grade("1", r"\boxed{1}", tolerance=2).status == "error"


def test_antiderivative_policy():
    assert grade(r"\frac{x^3}{3}", r"\boxed{\frac{x^3}{3} + C}", up_to_constant=True).passed
    assert grade(r"-\cos x", r"\boxed{7 - \cos x}", up_to_constant=True).passed
    assert not grade(r"\frac{x^3}{3}", r"\boxed{\frac{x^3}{3} + x}", up_to_constant=True).passed
    assert not grade(r"\frac{x^3}{3}", r"\boxed{\frac{x^3}{3} + 5}").passed  # off unless asked for


def test_unreadable_reference_is_the_graders_error():
    verdict = grade(r"\frac{1}{", r"\boxed{1}")
    assert verdict.status == "error"
    assert not verdict.scored


REFERENCES = [
    "42", "-7", r"\frac{3}{7}", "0.25", r"2\sqrt{3}", r"\frac{\sqrt{2}}{2}", r"4\pi", r"\frac{\pi}{6}",
    "x^2+2x+1", r"\frac{x+1}{x^2-1}", r"e^{2x}", r"\ln(x) + 1", r"\{1, 2\}", r"\{1-\sqrt{2}, 1+\sqrt{2}\}",
    r"1 \pm \sqrt{2}", "(1, 2)", "(3, -1, 2)", r"(-\infty, 3]", "[2, 5)", r"(-\infty, 1) \cup (2, \infty)",
    "x > 2", r"-1 < x \le 4", "y = 2x + 1", "x = 2", r"\begin{pmatrix}1\\2\end{pmatrix}",
    r"\begin{pmatrix}1 & 2\\ 3 & 4\end{pmatrix}", r"30^\circ", r"50\%", r"3 \times 10^{5}", "1,234,567",
    r"\$18.90", r"\text{(B)}", "B", r"\text{even}", r"\emptyset", r"\varnothing", "3+4i", r"\frac{1}{2004!}",
    r"\frac{2^{2005}+1}{3\cdot 2^{2006}}", r"2.5 \times 10^{-3}", "5!", r"\binom{5}{2}", r"\text{Monday}",
    r"\sqrt[3]{2}", r"\sin^2 x", r"a_1 + a_2", r"\alpha + \beta",
]


@pytest.mark.parametrize("reference", REFERENCES)
def test_reflexive(reference):
    """Every reference kind graded against itself, boxed and in an answer statement, is correct."""
    assert grade(reference, rf"Thus $\boxed{{{reference}}}$.").status == "correct"
    assert grade(reference, f"The final answer is ${reference}$").status == "correct"


def test_reference_read_once():
    read_reference.cache_clear()
    for _ in range(3):
        grade(r"\frac{5}{9}", r"\boxed{5/9}")
    info = read_reference.cache_info()
    assert info.misses == 1 and info.hits == 2


def test_too_large_is_refused_not_computed():
    for completion in (r"\boxed{9^{9^{9^{9}}}}", r"\boxed{9**9**9**9}", r"\boxed{(10^8)!}", r"\boxed{2^{2^{40}}}",
                       r"\boxed{((9!)!)!}", r"\boxed{\sqrt{2}^{10^{9}}}", r"\boxed{(x+1)^{100000}}"):
        verdict = grade("2", completion)
        assert verdict.status == "unparsable", completion
        assert "too large" in verdict.reason, verdict


def test_matrix_arithmetic_only_on_small_numeric_matrices():
    """Symbolic or irrational cells would grow without bound when multiplied: such a combination
    is not computed (and so not equal to the product's value)."""
    a, b = r"\begin{pmatrix}x & 1 \\ 0 & x\end{pmatrix}", r"\begin{pmatrix}x & 0 \\ 0 & x\end{pmatrix}"
    assert grade(r"\begin{pmatrix}x^2 & x \\ 0 & x^2\end{pmatrix}", f"${a} {b}$").status != "correct"
    cell = " & ".join(["1"] * 9)
    big = r"\begin{pmatrix}" + r" \\ ".join([cell] * 9) + r"\end{pmatrix}"
    verdict = grade("1", rf"\boxed{{{big} + {big}}}")
    assert verdict.status == "unparsable" and "too large" in verdict.reason, verdict


def test_matrix_operations_are_not_computed():
    verdict = grade("-2", r"\boxed{\det\begin{pmatrix}1&2\\3&4\end{pmatrix}}")
    assert verdict.status == "unparsable"


def test_deterministic():
    first = grade(r"\sin^2 x", r"\boxed{1-\cos^2 x}")
    second = grade(r"\sin^2 x", r"\boxed{1-\cos^2 x}")
    assert (first.status, first.extracted, first.reason) == (second.status, second.extracted, second.reason)


# -- nothing a model writes is ever run -----------------------------------------

def _payloads(marker):
    code = f"__import__('os').system('touch {marker}')"
    code2 = f"__import__('pathlib').Path('{marker}').touch()"
    return [
        code, code2, f"({code})", f"1+{code}", f"[{code} for _ in (1,)]", f"(lambda: {code})()",
        f"exec(\"{code}\")", f"eval('{code}')", f"Symbol('x').__class__.__mro__[1]",
        rf"\boxed{{{code}}}", rf"\boxed{{\text{{{code}}}}}", rf"\boxed{{\operatorname{{{code}}}}}",
        rf"\boxed{{\mathrm{{{code}}}}}", rf"\boxed{{x = {code}}}", rf"\boxed{{\{{{code}, 1\}}}}",
        rf"\boxed{{({code}, 2)}}", rf"\boxed{{\frac{{{code}}}{{2}}}}", rf"\boxed{{\sqrt{{{code}}}}}",
        rf"\boxed{{\begin{{pmatrix}}{code}\\1\end{{pmatrix}}}}", f"The answer is {code}",
        f"Answer: {code2}", f"The final answer is ${code}$.", rf"\boxed{{1 \pm {code}}}",
        rf"\boxed{{{code} \%}}", rf"\boxed{{{code}^\circ}}",
    ]


def test_payloads_never_run(tmp_path):
    marker = tmp_path / "ran"
    for payload in _payloads(marker):
        for reference in ("2", "x+1", r"\{1, 2\}", "(1, 2)", r"\text{(B)}"):
            verdict = grade(reference, payload)
            assert verdict.status in ("incorrect", "unparsable"), (payload, verdict)
        for parser in (parse_plain, parse_latex):
            try:
                parser(payload)
            except (PlainSyntaxError, LatexSyntaxError, ValueError):
                pass
        assert not marker.exists(), payload


def test_the_payload_is_live_and_the_number_path_is_closed(tmp_path):
    """Control: the same payload given to sympy's own `Number` (what latex2sympy2 calls on
    number tokens) does run; the grader's converter refuses it."""
    marker = tmp_path / "ran"
    payload = f"__import__('pathlib').Path('{marker}').touch()"
    with pytest.raises(LatexSyntaxError):
        _SafeConverter().parse_number(payload)
    assert not marker.exists()
    try:
        sympy.Number(payload)
    except Exception:
        pass
    assert marker.exists(), "the payload should run under sympify, or this test proves nothing"


def test_answer_form_expanded_or_factored_as_asked():
    from proctor import graders
    from proctor.graders import Problem
    grader = graders.get("math")
    factor = Problem("f", "math.polynomial", "?", "\\left(x - 3\\right) \\left(x + 2\\right)", {"answer_form": "factored"})
    assert grader.grade(factor, "\\boxed{(x+2)(x-3)}").status == "correct"
    assert grader.grade(factor, "\\boxed{x^2 - x - 6}").status == "incorrect"  # the question, repeated
    expand = Problem("e", "math.polynomial", "?", "x^{2} - x - 6", {"answer_form": "expanded"})
    assert grader.grade(expand, "\\boxed{x^2-x-6}").status == "correct"
    assert grader.grade(expand, "\\boxed{(x+2)(x-3)}").status == "incorrect"
    assert grader.grade(expand, "\\boxed{(x+2)^2 - 5x - 10}").status == "incorrect"
    plain = Problem("p", "math.polynomial", "?", "x^{2} - x - 6")
    assert grader.grade(plain, "\\boxed{(x+2)(x-3)}").status == "correct"  # no form asked: equality decides
