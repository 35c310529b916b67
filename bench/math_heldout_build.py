"""Build the labelled corpus of others' cases: bench/math_heldout_tune.jsonl and bench/math_heldout_test.jsonl.

Sources (each case records its own):
- the test files of the math-verify 0.9.0 sdist (`pip download --no-deps --no-binary :all:
  math-verify==0.9.0 -d DIR`), read with `ast.literal_eval` from their `pytest.mark.parametrize` tables;
- NeMo-Skills' `test_math_equal.py`, a MATH reward regression test (munsungmin/Math_reasoning_rl's
  `test_math_grader.py`), nanochat's `test_math_grader.py`, SkyRL's `skyrl-gym` `test_aime.py`
  (copied by hand from the public files, as found with the search tool);
- answer forms that lm-eval 0.4.13's `minerva_math` normaliser exists to handle (unit words, thousands marks,
  `\\text{}` wrappers), written in the "Final Answer: The final answer is X." form that task asks for;
- the cases quoted in the text of issue 13 (filed by another session).

A case keeps its source's verdict. Where a careful human (or the grading policy the issue sets: no
approximation without a tolerance, percent read one way) disagrees, the case says `relabelled` and keeps
`original_label`; cases whose reference is not an answer key (extraction tests of the gold side, data with
control characters from unescaped `\\f` / `\\t`) are left out, each with its reason printed.

The split is made once, seeded, before any tuning: a third of the cases goes to
bench/math_heldout_test.jsonl and is only graded at the end. Run:
  .venv/bin/python bench/math_heldout_build.py /tmp/sd/math_verify-0.9.0
"""
from __future__ import annotations

import ast
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 13
TEST_SHARE = 1 / 3

# -- math-verify's own tables ---------------------------------------------------

MV_REASONS = {
    "test_number_extraction": "number format: thousands marks, decimal comma, no leading zero, currency/units around it",
    "test_simple_fraction_notation": "plain fraction against LaTeX fraction",
    "test_sets_handling": "interval ends and closedness",
    "test_latex_notation": "answer delimiters and fraction spellings; MATH solutions",
    "test_percent_notation": "percent spelled in words or signs; 28% is 28, not 0.28",
    "test_latex_notation_math": "MATH solutions with boxed answers: units, degrees, sets, pm, chained relations",
    "test_relations_math": "relations: inequalities in either direction, assignments, chains ending in a value",
    "test_matrix_extraction": "matrices, including an answer that is a product/sum to evaluate",
    "test_complex_math_expressions": "equal expressions in other forms; precision-dependent decimals",
    "test_math_extraction_edge_cases": "long model outputs: where the final answer is",
    "test_math_extraction_additional_cases": "long model outputs: where the final answer is",
    "test_set_rel_assymetry": "chained inequality against interval membership",
    "test_sqrt_precision": "a radical is not its coefficient",
    "test_boxed": "boxed answers among reasoning",
    "test_numina_cases": "NuminaMath answer keys: labelled tuples, named values, ratios, several solutions",
    "test_open_thoughts": "OpenThoughts answer keys: several boxes, labelled values, text answers",
    "test_string_extraction": "labelled answers, sums with bounds, lists in prose, pm, clock times",
    "test_strict_variable_comparison": "a function of another variable is a different answer",
}

# (index in the extracted table) -> (new label, reason). The index is stable: the tables are read in file order.
MV_RELABEL = {
    31: (True, "careful human: the answer 9 sits between $ signs on its own line; the line break is layout"),
    32: (True, "careful human: the answer 9 sits between \\( \\) on its own line; the line break is layout"),
    132: (False, "policy: a 16-digit rounding of 1/12 is an approximation, and no tolerance was asked"),
    193: (True, "careful human: -2 <= x <= 7 and x in [-2,7] are the same set (issue 13 lists this form)"),
    269: (False, "careful human: 1 + 1/e is not 1 - 1/e"),
}
MV_EXCLUDE = {
    115: "reference '1 = \\zzz = x = 0' is contradictory, not an answer key",
    136: "reference contains a form feed (an unescaped \\f in the test file)",
    190: "non-default Math-Verify mode (allow_set_relation_comp=True); the default-mode twin is kept",
    192: "non-default Math-Verify mode (allow_set_relation_comp=True); the default-mode twin is kept",
    195: "reference contains a tab (an unescaped \\t in the test file)",
    196: "'{35 cm,4}' mixes a length and a count; the gold side is an extraction test, not an answer key",
    256: "the gold side is an extraction test ('\\boxed{1} papers and \\boxed{2} bins'), not an answer key",
    257: "the gold side is an extraction test (two boxes apart), not an answer key",
    259: "non-default Math-Verify mode (strict=False); the strict twin is kept",
}
# a test's `precision` is the problem's own allowance: it becomes metadata tolerance = 10^-precision
DEFAULT_PRECISION = 6


def _boxes(text: str) -> list[str]:
    out, i = [], 0
    while True:
        i = text.find("\\boxed{", i)
        if i < 0:
            return out
        depth, j = 0, i + len("\\boxed")
        for j in range(j, len(text)):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
        else:
            return out  # never closed
        out.append(text[i + len("\\boxed{"):j])
        i = j


def _strip_dollars(text: str) -> str:
    text = text.strip()
    for mark in ("$$", "$"):
        if text.startswith(mark) and text.endswith(mark) and len(text) > 2 * len(mark):
            return text[len(mark):-len(mark)].strip()
    return text


def _reference_and_completion(gold: str, pred: str) -> tuple[str, str]:
    """An answer key and a completion from a (gold, pred) test row. Long golds are MATH solutions:
    their boxed content is the key. When only the pred is a solution with a box and the gold is a
    long model output, the roles are the other way round."""
    gold_boxes, pred_boxes = _boxes(gold), _boxes(pred)
    if len(gold) > 120 and not gold_boxes and pred_boxes and len(pred) > 120:
        return pred_boxes[-1].strip(), gold
    if len(gold_boxes) > 1:
        return ", ".join(b.strip() for b in gold_boxes), pred
    if gold_boxes:
        return gold_boxes[-1].strip(), pred
    return _strip_dollars(gold), pred


def math_verify_cases(sdist: Path) -> list[dict]:
    rows = []
    for path in sorted(sdist.glob("tests/test_*.py")):
        tree = ast.parse(path.read_text())
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for dec in fn.decorator_list:
                if not (isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize"):
                    continue
                names = ast.literal_eval(dec.args[0])
                names = [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]
                try:
                    table = ast.literal_eval(dec.args[1])
                except ValueError:
                    continue  # built with f-strings at import time (test_float_precision)
                for row in table:
                    d = dict(zip(names, row))
                    expected = d.get("expected", d.get("result"))
                    if "gold" in d and "pred" in d and expected is not None:
                        rows.append((path.name, fn.name, d))
    cases = []
    for index, (file, test, d) in enumerate(rows):
        if index in MV_EXCLUDE:
            print(f"  left out math-verify #{index} ({test}): {MV_EXCLUDE[index]}", file=sys.stderr)
            continue
        gold, pred = d["gold"], d["pred"]
        if test == "test_boxed":  # there the "gold" is the model text and the "pred" the key
            gold, pred = pred, gold
        if test in ("test_numina_cases", "test_set_rel_assymetry"):  # raw strings with doubled backslashes
            gold, pred = gold.replace("\\\\", "\\"), pred.replace("\\\\", "\\")
        reference, completion = _reference_and_completion(gold, pred)
        if reference.startswith("\\boxed{") and not reference.endswith("}"):
            reference = reference[len("\\boxed{"):].strip()  # a box the test file never closed
        label = bool(d.get("expected", d.get("result")))
        case = {"reference": reference, "completion": completion, "label": label, "kind": test.removeprefix("test_"),
                "source": f"math-verify 0.9.0 sdist tests/{file}::{test} #{index}", "reason": MV_REASONS.get(test, test)}
        precision = d.get("precision", DEFAULT_PRECISION)
        if precision != DEFAULT_PRECISION:
            case["metadata"] = {"tolerance": 10.0 ** -precision}
            case["reason"] += f"; the test allows rounding at {precision} places (metadata tolerance)"
        if index in MV_RELABEL:
            case["original_label"] = label
            case["label"], why = MV_RELABEL[index]
            case["relabelled"] = why
        cases.append(case)
    return cases


# -- other graders' published cases ------------------------------------------------
# (reference, completion, label, reason)

NEMO = "NVIDIA/NeMo-Skills test_math_equal.py in its tests folder (math_equal, checked both ways)"
NEMO_PAIRS = [  # the test asserts math_equal(a, b) and math_equal(b, a)
    ("5", "5.0", True), ("0.5", "1/2", True), ("0.5", "\\frac{1}{2}", True), ("918.5", "918\\frac{1}{2}", True),
    ("x^2 + 2*x + 1", "x^2+2x+1", True), ("x^2 + 2*x - (-1)", "x^2+2x+1", True),
    ("\\text{odd}", "odd", True), ("\\mathrm{E}", "E", True), ("\\textbf{A}", "A", True),
    ("0.185", ".185", True), ("0.5", "\\frac {1}{2}", True), ("17", "17\\text{ any text}", True),
    ("10", "\\$10", True), ("10", "10%", True), ("10", "10\\%", True), ("\\frac{5}{2}", "2.5", True),
    ("\\dfrac{1}{3}", "\\frac{1}{3}", True), ("(r+5)^2", "(r+5)(r+5)", True),
    ("\\frac{\\sqrt{3}}{3}", "\\frac{\\sqrt{3}}{3} \\approx 0.577", True), ("C", "C. x = 42", True),
    ("\\begin{pmatrix}0&0&0\\\\0&1&0\\\\0&0&1\\end{pmatrix}",
     "\\begin{bmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 1 \\end{bmatrix}", True),
    ("5", "5.001", False), ("x^2+2x+1", "x^3+2x+1", False), ("odd", "\\text{oddd}", False),
    ("E", "\\mathrm{E}*2", False), ("\\sqrt{67}", "\\sqrt{67},-\\sqrt{85}", False),
]
NEMO_ONE_WAY = {  # pairs whose reverse is not a sensible (key, answer) pair
    ("10", "10%"): "percent sign as notation: 10% answers 10",
    ("10", "10\\%"): "percent sign as notation: 10\\% answers 10",
    ("17", "17\\text{ any text}"): "trailing words after the number",
    ("10", "\\$10"): "currency sign",
    ("\\frac{\\sqrt{3}}{3}", "\\frac{\\sqrt{3}}{3} \\approx 0.577"): "exact value followed by its approximation",
    ("C", "C. x = 42"): "multiple-choice letter followed by its option text",
}

RL_REGRESSION = "munsungmin/Math_reasoning_rl test_math_grader.py in its tests folder (MATH reward regressions)"
RL_CASES = [
    ("1", "Therefore, $$", False, "empty math span is no answer"),
    ("1", "Therefore, \\(\\)", False, "empty math span is no answer"),
    ("3 \\pm 2 \\sqrt{2}", "\\boxed{3 + 2\\sqrt{2}, 3 - 2\\sqrt{2}}", True, "pm reference against both roots"),
    ("3\\pm2\\sqrt{2}", "\\boxed{3-2\\sqrt{2},3+2\\sqrt{2}}", True, "pm reference against both roots"),
    ("3\\pm2\\sqrt{2}", "\\boxed{3+2\\sqrt{2}}", False, "pm reference against one root"),
    ("3\\pm2\\sqrt{2}", "\\boxed{3+2\\sqrt{2},3+2\\sqrt{2}}", False, "one root twice is not both"),
    ("(1,2)", "\\boxed{(2,1)}", False, "ordered pair swapped"),
    ("\\frac{1}{2}", "\\boxed{0.5}", True, "terminating decimal is exact"),
    ("1", "\\boxed{100}", False, "different number"),
    ("10", "Answer: 10 meters", True, "unit word after the number"),
    ("120", "The answer is _120°_.", True, "degree sign and markdown emphasis"),
    ("10", "Work in progress: 10", False, "no answer stated: a number in a heading is not the answer"),
    ("10", "\\boxed{10", False, "unclosed box: truncated"),
    ("10", "<answer></answer>", False, "empty answer"),
    ("\\frac{448}{15625}", "\\boxed{2240/78125}", True, "unreduced fraction"),
    ("\\frac{1}{8}", "Therefore, 3 inches is 1/8 of 2 feet.", True, "last number in the final sentence"),
    ("x^3+3x-6", "Therefore, the expression is: \\begin{align*}x(x(1+x)+2*x)-3*(x*x-x+2)&=x^3+3x-6\\end{align*}",
     True, "align environment ending in the value"),
    ("x^3+3x-6", "Therefore, the answer is $x^3$.", False, "part of the expression"),
]

NANOCHAT = "cr8or-space/nanochat test_math_grader.py in its tests folder"
NANOCHAT_CASES = [
    ("42", "so the answer is $\\boxed{42}$.", True, "boxed"),
    ("0.5", "\\boxed{\\frac{1}{2}}", True, "fraction against decimal"),
    ("\\dfrac{1}{2}", "\\boxed{\\frac{1}{2}}", True, "dfrac"),
    ("\\sqrt{8}", "\\boxed{2\\sqrt{2}}", True, "simplified radical"),
    ("(x+1)^2", "\\boxed{x^2 + 2x + 1}", True, "expanded square"),
    ("\\frac{1}{2}", "\\boxed{\\frac{2}{4}}", True, "unreduced fraction"),
    ("1000", "\\boxed{1,000}", True, "thousands comma"),
    ("43", "\\boxed{42}", False, "different number"),
    ("\\frac{1}{3}", "\\boxed{\\frac{1}{2}}", False, "different fraction"),
    ("x^3", "\\boxed{x^2}", False, "different power"),
    ("1", "first \\boxed{1} then \\boxed{2}", False, "the last box is the answer"),
    ("1", "after work, \\boxed{1}", True, "boxed"),
    ("1", "i think \\boxed{2}", False, "different number"),
    ("1", "\\boxed{1.0}", True, "1.0 is 1"),
]

SKYRL = "SkyRL skyrl-gym test_aime.py in its tests folder"
SKYRL_CASES = [
    ("42", "Answer: \\boxed{42}", True, "boxed after Answer:"),
    ("42", "Answer: 42", True, "answer statement"),
    ("42", "Answer: \\boxed{43}", False, "different number"),
    ("\\frac{1}{2}", "Answer: \\boxed{\\frac{1}{2}}", True, "fraction"),
    ("42", "Answer: \\boxed{\\text{forty-two}}", False, "SkyRL's verdict: a number in words is not accepted"),
    ("42", "<|im_start|>Answer: \\boxed{42}<|im_end|>", True, "chat tokens around the answer"),
]

LMEVAL = "lm-eval 0.4.13 minerva_math utils.py in its tasks folder (answer forms its normaliser handles)"
MINERVA = "Final Answer: The final answer is {}. I hope it is correct."
LMEVAL_CASES = [
    ("18", "18 dollars", True, "unit word 'dollars' (REMOVED_EXPRESSIONS)"),
    ("60", "60 mph", True, "unit word 'mph'"),
    ("12", "12 \\text{ inches}", True, "unit word in \\text"),
    ("45", "45^\\circ", True, "degree mark (^\\circ)"),
    ("45", "45^{\\circ}", True, "degree mark (^{\\circ})"),
    ("10080", "10,\\!080", True, "thousands mark ,\\!"),
    ("14916", "14{,}916", True, "thousands mark {,}"),
    ("5", "\\text{5 ways}", True, "count with 'ways'"),
    ("3", "3\\mathrm{th}", True, "ordinal suffix"),
    ("\\frac{1}{4}", "x = \\frac{1}{4}", True, "the value after '=' (normalize_final_answer splits on =)"),
    ("20", "\\$20", True, "escaped dollar sign"),
    ("20", "21 dollars", False, "different amount"),
    ("1.5", "1.5 \\text{ hours}", True, "hours"),
    ("1.5", "2.5 \\text{ hours}", False, "different amount"),
    ("7", "\\text{7 students}", True, "students"),
    ("64", "64 \\text{ square units}", True, "square units"),
]

ISSUE = "issue 13 text (filed by another session)"
ISSUE_CASES = [
    ("\\sum_{k=1}^{4} k^2", "The answer is $\\boxed{30}$.", True, "finite sum reference, evaluated"),
    ("\\sum_{k=1}^{4} k^2", "The answer is $\\boxed{31}$.", False, "finite sum reference, evaluated"),
    ("\\int_0^1 x^2 \\, dx", "So the area is $\\boxed{\\frac{1}{3}}$.", True, "definite integral reference"),
    ("\\int_0^1 x^2 \\, dx", "So the area is $\\boxed{\\frac{1}{2}}$.", False, "definite integral reference"),
    ("(a,b)=(1,5)", "Thus $\\boxed{(1,5)}$.", True, "labelled tuple reference"),
    ("(a,b)=(1,5)", "Thus $\\boxed{(5,1)}$.", False, "labelled tuple reference, swapped"),
    ("P=(2,-1)", "The point is $\\boxed{(2,-1)}$.", True, "named point reference"),
    ("P=(2,-1)", "The point is $\\boxed{(-1,2)}$.", False, "named point reference, swapped"),
    ("12500", "The total is 12 500.", True, "thousands separated by a space"),
    ("12500", "The total is $12\\,500$.", True, "thousands separated by a thin space"),
    ("3.75", "Le prix est 3,75 €.", True, "decimal comma in a European answer"),
    ("0.25", "The probability is .25", True, "decimal with no leading zero"),
    ("25", "The answer is .25", False, "'.25' is not 25"),
    ("6.02\\times10^{23}", "The answer is 6.02e23", True, "plain scientific notation against LaTeX"),
    ("4.5\\times10^{-3}", "The answer is 4.5E-3", True, "plain scientific notation, negative exponent"),
    ("\\{-4, 1\\}", "the roots are $x=1$ and $x=-4$", True, "several answers in prose against a set"),
    ("f(x) = 0 \\text{ and } f(x) = 2", "f(x)=0 or f(x)=2", True, "labelled alternatives"),
    ("\\{1,2,3\\}", "$\\boxed{\\{1,2\\} \\cup \\{3\\}}$", True, "union of finite sets"),
    ("\\emptyset", "$\\boxed{\\varnothing}$", True, "empty set spellings"),
    ("t \\in [-1,4]", "$\\boxed{-1 \\le t \\le 4}$", True, "chained inequality against interval"),
    ("(-\\infty,-2] \\cup [2,\\infty)", "$\\boxed{|x| \\ge 2}$", True, "absolute-value inequality against union"),
    ("\\frac{3}{4}", "I believe it's $\\frac{3}{4}$, let me check... yes", True, "hedged prose around a fraction"),
    ("10:00", "The meeting starts at $\\boxed{2:00}$.", False, "a clock time is not a number"),
    ("\\sqrt{2}", "The answer is $\\boxed{1.41}$.", False, "rounded decimal for an irrational, no tolerance"),
    ("1", "Final answer: exec('import os') or 1", False, "code-shaped answer"),
    ("1", "The answer is getattr(__import__('os'), 'system')('true')", False, "code-shaped answer"),
    ("1", "The answer is open('/tmp/x', 'w').write('1')", False, "code-shaped answer"),
    ("7", "... So, we have $\\lim_{x \\to 0} (- x^{2} - 7) - 7 = -", False, "truncated: no answer stated"),
    ("(3, -2)", "$\\boxed{y=3, x=-2}$", False, "math.system: labelled answer with swapped values", {"variables": ["x", "y"]}),
    ("(3, -2)", "$\\boxed{y=-2, x=3}$", True, "math.system: labelled answer in the other order", {"variables": ["x", "y"]}),
    ("2x", "$\\boxed{1.999x}$", False, "decimal coefficient for an integer one"),
    ("336", "$\\boxed{336.1}$", False, "integer answers match exactly"),
    ("[-4, 2]", "$\\boxed{[-3.999, 2]}$", False, "interval endpoint rounded"),
    ("-2", "$\\boxed{-200\\%}$", False, "percent read one way per problem"),
    ("336 \\text{ cm}^2", "$\\boxed{336 \\text{ mm}^2}$", False, "a unit that changes the value"),
]


def hand_cases() -> list[dict]:
    cases = []
    for ref, ans, label in NEMO_PAIRS:
        reason = NEMO_ONE_WAY.get((ref, ans), "equal (or different) forms, symmetric check")
        cases.append({"reference": ref, "completion": f"\\boxed{{{ans}}}", "label": label, "kind": "nemo_skills",
                      "source": NEMO, "reason": reason})
        if (ref, ans) not in NEMO_ONE_WAY and not (label is False and "," in ans):
            cases.append({"reference": ans, "completion": f"\\boxed{{{ref}}}", "label": label, "kind": "nemo_skills",
                          "source": NEMO + " (reverse)", "reason": reason})
    for ref, ans, label, why in LMEVAL_CASES:
        cases.append({"reference": ref, "completion": MINERVA.format(f"${ans}$"), "label": label, "kind": "minerva_forms",
                      "source": LMEVAL, "reason": why})
    for source, kind, table in ((RL_REGRESSION, "rl_regression", RL_CASES), (NANOCHAT, "nanochat", NANOCHAT_CASES),
                                (SKYRL, "skyrl", SKYRL_CASES), (ISSUE, "issue13", ISSUE_CASES)):
        for ref, ans, label, why, *metadata in table:
            cases.append({"reference": ref, "completion": ans, "label": label, "kind": kind,
                          "source": source, "reason": why, **({"metadata": metadata[0]} if metadata else {})})
    return cases


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: math_heldout_build.py MATH_VERIFY_SDIST_DIR", file=sys.stderr)
        return 2
    cases = math_verify_cases(Path(sys.argv[1])) + hand_cases()
    seen, unique = set(), []
    for case in cases:
        key = (case["reference"], case["completion"], json.dumps(case.get("metadata"), sort_keys=True))
        if key not in seen:
            seen.add(key)
            unique.append(case)
    order = list(range(len(unique)))
    random.Random(SEED).shuffle(order)
    test_ids = set(order[:round(len(unique) * TEST_SHARE)])
    for name, keep in (("math_heldout_tune.jsonl", False), ("math_heldout_test.jsonl", True)):
        rows = [c for i, c in enumerate(unique) if (i in test_ids) == keep]
        (HERE / name).write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in rows))
        print(f"{name}: {len(rows)} cases ({sum(c['label'] for c in rows)} right, "
              f"{sum('relabelled' in c for c in rows)} relabelled)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
