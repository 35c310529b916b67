"""Build a second labelled corpus of others' math answer-equivalence cases: bench/math_heldout2.jsonl.

It is graded ONCE, at the very end, against Math-Verify 0.9.0; no grader is run here, and the labels are
the sources' own test expectations or, where a source states none, a careful human reading.

Sources (each case records its own, with repository, commit, file and test):
- the inspect_evals 0.28.0 sdist (`pip download --no-deps --no-binary :all: inspect_evals==0.28.0`):
  tests/math, tests/aime_common, tests/mathvista, tests/bbeh and tests/chembench. Parametrize tables are read
  from the tarball with `ast`; cases written inline in a test body are copied here by hand, and the build
  checks that every string of such a case is a string constant of that test in the tarball;
- tests of other public projects, read through the search tool and copied here by hand: verl's reward_score
  tests (math, math_dapo, gsm8k, prime_math, math_verify), trl's accuracy rewards, hendrycks/math's
  is_equiv test, MindSpeed-RL's grader and math_dapo tests, Qwen2.5-Math's grader unit tests and the
  examples kept in its `_test_math_equal`, latex2sympy2_extended's set parser tests, AReaL's math-verify
  reward tests, and a small equivalence table from thekasyap/thinkbot;
- answer forms from the unit-word table of the latex2sympy2_extended 1.11.0 sdist's math_normalization.py,
  labelled by a human.

Grading policy the labels follow: integers exactly; no approximation of an exact value unless the source
allows a tolerance (then `metadata.tolerance`, relative); a percent is its number; units that keep the value
may be dropped; several disagreeing final answers, a contradicted variable name, or no stated answer are
wrong. Where a source's verdict contradicts this, the case keeps `original_label` and says `relabelled`.

Run:  .venv/bin/python bench/math_heldout2_build.py [PATH/TO/inspect_evals-0.28.0.tar.gz [PATH/TO/latex2sympy2_extended-1.11.0.tar.gz]]
"""
from __future__ import annotations

import ast
import json
import sys
import tarfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "math_heldout2.jsonl"
INSPECT_TGZ = Path("/tmp/sdp/inspect_evals-0.28.0.tar.gz")
L2S_TGZ = Path("/tmp/sdp/latex2sympy2_extended-1.11.0.tar.gz")

LEFT_OUT: list[str] = []


def case(reference, completion, label, kind, source, reason, **extra):
    row = {"reference": reference, "completion": completion, "label": label, "kind": kind,
           "source": source, "reason": reason}
    if "original_label" in extra:
        row["relabelled"] = True
        row["original_label"] = extra.pop("original_label")
    if extra.get("metadata"):
        row["metadata"] = extra.pop("metadata")
    assert not {k for k, v in extra.items() if v}, extra
    return row


# =============================================================================================
# inspect_evals 0.28.0 sdist
# =============================================================================================

IE = "inspect_evals 0.28.0 sdist"
_NAMES = {"CORRECT": True, "INCORRECT": False, "True": True, "False": False}


def _lit(node):
    """literal_eval that also reads inspect_ai's CORRECT/INCORRECT names."""
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_lit(e) for e in node.elts]
    return ast.literal_eval(node)


def _read_tar(tgz: Path, member_suffix: str) -> str:
    with tarfile.open(tgz) as tar:
        for m in tar.getmembers():
            if m.name.endswith(member_suffix):
                return tar.extractfile(m).read().decode()
    raise FileNotFoundError(member_suffix)


def _tables(src: str) -> dict[str, list[dict]]:
    """test name -> rows of its parametrize table (as dicts)."""
    out: dict[str, list[dict]] = {}
    for fn in ast.walk(ast.parse(src)):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize":
                names = _lit(dec.args[0])
                names = [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]
                try:
                    rows = _lit(dec.args[1])
                except ValueError:
                    continue  # a table named by a module variable (read with _module_list)
                if len(names) == 1:
                    rows = [[r] for r in rows]
                out[fn.name] = [dict(zip(names, r)) for r in rows]
    return out


def _consts(src: str, test: str) -> set[str]:
    for fn in ast.walk(ast.parse(src)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name == test:
            return {n.value for n in ast.walk(fn) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    raise KeyError(test)


def _module_list(src: str, name: str) -> list:
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == name for t in node.targets):
            return _lit(node.value)
    raise KeyError(name)


def _inline(src, path, test, ref, comp, label, kind, reason, **extra):
    """A case written in a test body: each of its strings must be a constant of that test."""
    consts = _consts(src, test)
    for s in (ref, comp):
        assert s in consts or s == "", f"{path}::{test}: {s!r} is not in the test"
    return case(ref, comp, label, kind, f"{IE} {path}::{test}", reason, **extra)


def inspect_cases(tgz: Path) -> list[dict]:
    cases: list[dict] = []

    # --- tests/math/test_scorer.py ---------------------------------------------------------
    p = "tests/math/test_scorer.py"
    src = _read_tar(tgz, p)
    t = _tables(src)
    for i, r in enumerate(t["test_exact_match"]):
        cases.append(case(r["target"], r["completion"], r["expected"], "answer_line",
                          f"{IE} {p}::test_exact_match #{i}",
                          "source verdict; MATH answer after 'ANSWER:' (\\dfrac as \\frac, powers, no answer)"))
    for i, r in enumerate(t["test_sympy_compares_parseable_targets"]):
        cases.append(case(r["target"], r["completion"], r["expected"], "fraction_equivalence",
                          f"{IE} {p}::test_sympy_compares_parseable_targets #{i}",
                          "source verdict; an unreduced fraction equals its reduced form"))
    for i, r in enumerate(t["test_sympy_unparseable_target_raises"]):
        if r["target"] == r"\frac{1}{":
            LEFT_OUT.append(f"{p}::test_sympy_unparseable_target_raises #{i}: reference '\\frac{{1}}{{' is not an answer key")
            continue
        cases.append(case(r["target"], "ANSWER: 42", False, "wrong_value",
                          f"{IE} {p}::test_sympy_unparseable_target_raises #{i}",
                          "careful human: 42 is not this interval/decimal/pair (the source only tests that the target errors in sympy)"))
    for i, r in enumerate(t["test_equivalance_with_grader"]):
        if i == 0:
            cases.append(case(r["target"], r["completion"], True, "expression_equivalence",
                              f"{IE} {p}::test_equivalance_with_grader #{i}",
                              "careful human (source mocks an LLM 'Yes'): 3+2x is 2x+3 reordered"))
        elif i == 1:
            cases.append(case(r["target"], r["completion"], False, "variable_name",
                              f"{IE} {p}::test_equivalance_with_grader #{i}",
                              "careful human (source mocks an LLM 'No'): x^2 is not y^2, another variable"))
        else:
            LEFT_OUT.append(f"{p}::test_equivalance_with_grader #{i}: tests the LLM judge's reply parsing; pair duplicates ANSWER: 42 / 42")
    cases.append(_inline(src, p, "test_sympy_no_answer", "5", "The answer is unclear.", False, "no_answer",
                         "source verdict; no answer is stated"))
    cases.append(_inline(src, p, "test_sympy_unparseable_answer_is_incorrect", "42", r"ANSWER: \frac{1}{", False,
                         "malformed_answer", "source verdict; an unclosed fraction is no answer, and not 42"))
    cases.append(_inline(src, p, "test_equivalance_no_answer", "42", "I have no idea.", False, "no_answer",
                         "source verdict; no answer is stated"))
    LEFT_OUT.append(f"{p}::test_sympy_compares_without_sigalrm, test_sympy_times_out_without_sigalrm: same pairs as above (timeout mechanics)")

    # --- tests/math/test_strip_string.py ----------------------------------------------------
    p = "tests/math/test_strip_string.py"
    t = _tables(_read_tar(tgz, p))
    for i, r in enumerate(t["test_strip_string_normalization"]):
        if r["input_str"] == r["expected_output"]:
            LEFT_OUT.append(f"{p} #{i}: input already normal ({r['input_str']!r}); identical strings")
            continue
        cases.append(case(r["expected_output"], r["input_str"], True, "latex_normalization",
                          f"{IE} {p}::test_strip_string_normalization #{i}",
                          "source: MATH's strip_string maps the completion to the reference (\\left/\\right, $, '\\ ' spacing, leading 0)"))

    # --- tests/math/test_utils.py -----------------------------------------------------------
    p = "tests/math/test_utils.py"
    src = _read_tar(tgz, p)
    stated = {  # completions whose text states an answer that inspect's 'ANSWER:' extractor does not read
        "I think the result equals $x^2 + 2x + 1$.": "x^2 + 2x + 1",
        "The solution is $\\sqrt{2}$.": "\\sqrt{2}",
        "Therefore, $\\boxed{42}$ is our answer.": "42",
    }
    for i, (comp, extracted) in enumerate(_module_list(src, "test_cases")):
        if extracted:
            ref = extracted.strip().strip("$").rstrip(".")
            cases.append(case(ref, comp, True, "answer_line", f"{IE} {p}::test_extract_answer #{i}",
                              "source extracts this answer; the reference is that answer without $ and the sentence period"))
        else:
            cases.append(case(stated[comp], comp, True, "answer_in_prose", f"{IE} {p}::test_extract_answer #{i}",
                              "careful human: the text states this value as its result (inspect reads only an 'ANSWER:' line, so extracts nothing)"))
    t = _tables(src)
    for i, r in enumerate(t["test_normalize_final_answer_keeps_infty_and_left_and_strips_feet"]):
        if r["final_answer"] == r["expected"]:
            LEFT_OUT.append(f"{p}::test_normalize_final_answer_* #{i}: identical strings ({r['expected']!r})")
            continue
        cases.append(case(r["expected"], r["final_answer"], True, "units_and_spacing",
                          f"{IE} {p}::test_normalize_final_answer_keeps_infty_and_left_and_strips_feet #{i}",
                          "source: the normaliser maps the completion to the reference (a length unit dropped, spacing in a union)"))

    # --- tests/aime_common/test_aime_common.py ---------------------------------------------
    p = "tests/aime_common/test_aime_common.py"
    src = _read_tar(tgz, p)
    t = _tables(src)
    for i, r in enumerate(t["test_aime_scorer_edge_cases"]):
        tid = r["test_id"]
        if tid == "multiple_answer_lines":
            cases.append(case(r["target"], r["completion"], False, "several_answers",
                              f"{IE} {p}::test_aime_scorer_edge_cases #{i} ({tid})",
                              "policy: two ANSWER lines state 10 and 5, final answers that disagree (the source counts the last)",
                              original_label=r["expected"]))
            continue
        cases.append(case(r["target"], r["completion"], r["expected"], "aime_format",
                          f"{IE} {p}::test_aime_scorer_edge_cases #{i} ({tid})",
                          f"source verdict; AIME answer formatting: {tid.replace('_', ' ')}"))
    for i, r in enumerate(t["test_aime_scorer_empty_completion"]):
        cases.append(case("42", r["completion"], False, "no_answer",
                          f"{IE} {p}::test_aime_scorer_empty_completion #{i} ({r['test_id']})",
                          "source verdict; an empty or blank completion states no answer"))
    comp = "Let's work through this step by step...\n\n### Final Answer\n\n$$\n\\boxed{70}\n$$"
    cases.append(_inline(src, p, "test_aime_scorer_does_not_mutate_completion", "70", comp, True, "aime_format",
                         "source verdict; boxed answer inside a display block under a heading"))

    # --- tests/mathvista/test_scorer.py ----------------------------------------------------
    p = "tests/mathvista/test_scorer.py"
    src = _read_tar(tgz, p)
    for test, ref, comp, label, kind, why in [
        ("test_mathvista_scorer_multi_choice_correct", "B", "ANSWER: B", True, "choice_letter", "same choice letter"),
        ("test_mathvista_scorer_multi_choice_wrong", "B", "ANSWER: A", False, "choice_letter", "another choice letter"),
        ("test_mathvista_scorer_free_form_wrong", "42", "ANSWER: 99", False, "wrong_value", "another number"),
        ("test_mathvista_scorer_no_pattern_found", "B", "I think the answer might be something", False, "no_answer",
         "no answer is stated"),
    ]:
        cases.append(_inline(src, p, test, ref, comp, label, kind, f"source verdict; {why}"))
    LEFT_OUT.append(f"{p}::test_mathvista_scorer_free_form_correct: same pair as ANSWER: 42 / 42")

    # --- tests/bbeh/test_bbeh.py ------------------------------------------------------------
    p = "tests/bbeh/test_bbeh.py"
    src = _read_tar(tgz, p)
    for test, ref, comp, label, kind, why in [
        ("test_bbeh_scorer_correct", "4", "The answer is 4", True, "answer_in_prose", "the stated answer is 4"),
        ("test_bbeh_scorer_incorrect", "4", "The answer is 5", False, "wrong_value", "5 is not 4"),
        ("test_fuzzy_match_numbers", "42.0", "42", True, "number_format", "42 and 42.0 are one number"),
        ("test_fuzzy_match_numbers", "43", "42", False, "wrong_value", "42 is not 43"),
    ]:
        cases.append(_inline(src, p, test, ref, comp, label, kind, f"source verdict; {why}"))
    LEFT_OUT.append(f"{p}: fuzzy_match on letters, quotes and brackets around words (text, not math)")

    # --- tests/chembench/test_mae_scorer.py -------------------------------------------------
    p = "tests/chembench/test_mae_scorer.py"
    src = _read_tar(tgz, p)
    for test, comp, label, tol, why in [
        ("test_match_target_mae_absolute_success", "10.1", True, 0.02,
         "source allows an absolute tolerance 0.2 at 10.0, i.e. relative 0.02; 10.1 is within"),
        ("test_match_target_mae_absolute_failure", "10.5", False, 0.01,
         "source allows an absolute tolerance 0.1 at 10.0, i.e. relative 0.01; 10.5 is outside"),
        ("test_match_target_mae_relative_success", "10.4", True, 0.05, "source allows relative 0.05; 10.4 is within"),
        ("test_match_target_mae_relative_failure", "11.0", False, 0.05, "source allows relative 0.05; 11.0 is outside"),
    ]:
        cases.append(_inline(src, p, test, "10.0", comp, label, "tolerance", why, metadata={"tolerance": tol}))
    cases.append(_inline(src, p, "test_pattern_mae_single_match_failure_returns_extracted_answer", "10.0", "ANSWER: 10.5",
                         False, "tolerance", "source allows an absolute tolerance 0.1 at 10.0, i.e. relative 0.01; 10.5 is outside",
                         metadata={"tolerance": 0.01}))
    cases.append(_inline(src, p, "test_pattern_mae_pattern_not_found", "10.0", "No answer provided", False,
                         "no_answer", "source verdict; no answer is stated"))
    LEFT_OUT.append(f"{p}: 'ten' against 10.0 (word numbers: the scorer's number-only rule, not equivalence); "
                    "'first=11.0 second=10.0' (two values, which one answers is the pattern's choice); "
                    "zero target with an unstated absolute tolerance; pattern_mae duplicates of the match_target pairs")
    return cases


# =============================================================================================
# Hand-copied tables (public files read with the search tool). Each row: reference, completion,
# label, kind, reason, and optional extras.
# =============================================================================================

def _pad(n: int) -> str:  # verl test_gsm8k_on_cpu.py's filler: no digit in it
    return ("the reasoning above confirms this result is consistent. " * (n // 55 + 1))[:n]


VERL = "verl-project/verl@"
HAND: list[tuple[str, list[tuple]]] = []

# volcengine/verl tests/utils/reward_score/test_numeric_canonicalization_on_cpu.py::test_is_equiv_boxed
HAND.append(("volcengine/verl@d69068d2a32b985e759049da6f801a039b94b31b tests/utils/reward_score/test_numeric_canonicalization_on_cpu.py::test_is_equiv_boxed", [
    ("033", "33", True, "integer_format", "source verdict; an AIME key with a leading zero is the integer 33"),
    ("+033", "33", True, "integer_format", "source verdict; explicit plus sign and leading zero"),
    ("-0", "0", True, "integer_format", "source verdict; -0 is 0"),
]))

HAND.append((VERL + "a2c5757a6161a6b660382d10ece3f377e537cb42 tests/utils/reward_score/test_prime_math_grader_on_cpu.py::test_symbolic_equal_accepts_equivalent_expressions", [
    ("2 * x", "x + x", True, "expression_equivalence", "source verdict; x + x is 2x"),
    ("0.3333333333333333", "1 / 3", True, "tolerance",
     "source verdict with its explicit tolerance 1e-4: 1/3 against a 16-digit decimal of it", {"metadata": {"tolerance": 1e-4}}),
]))

HAND.append((VERL + "fdd4a2ccdda0df5730044c4d26f61b6466254690 tests/utils/reward_score/test_math_dapo_on_cpu.py::test_documented_length_boxed_answer_in_fallback_mode", [
    ("x" * 151, "\\boxed{" + "x" * 151 + "}", True, "long_answer",
     "source verdict; a boxed answer of the longest documented length (159 characters) equal to the key"),
]))
HAND.append((VERL + "fdd4a2ccdda0df5730044c4d26f61b6466254690 tests/utils/reward_score/test_math_dapo_on_cpu.py::test_strict_box_without_a_box_remains_incorrect", [
    ("42", "reasoning only", False, "no_answer", "source verdict (strict-box mode; the default mode finds no 'Answer:' either); no answer is stated"),
]))
LEFT_OUT.append("verl test_math_dapo_on_cpu.py::test_strict_box_uses_the_final_box ('\\boxed{99} more reasoning \\boxed{42}'): non-default strict-box mode")

_B = VERL + "57565332fd81a745867be53d43aab1a76ddedb65 tests/utils/reward_score/test_math_dapo_boxed_fallback_on_cpu.py::"
BOXED_TWINS = {"1,000", "x = 5", r"90^\circ", r"18 \text{ dollars}"}  # the other boxed twins repeat the Answer: rows
_EQUIV = [("5", "5"), ("1,000", "1000"), (" 5 ", "5"), ("x = 5", "5"), (r"90^\circ", "90"), (r"\$18", "18"),
          (r"18 \text{ dollars}", "18")]
HAND.append((_B + "test_boxed_fallback_matches_minerva_path", [
    row for ans, gt in _EQUIV for row in (
        (gt, "Some reasoning.\nAnswer: " + ans, True, "answer_line",
         f"source verdict; 'Answer: {ans.strip()}' is {gt} (thousands mark, spaces, a variable label, degrees, dollars)"),
        (gt, "Some reasoning, so the result is \\boxed{" + ans + "}.", True, "boxed",
         f"source verdict; boxed '{ans.strip()}' is {gt}"),
    )[: 2 if ans in BOXED_TWINS else 1]
]))
HAND.append((_B + "test_boxed_fallback_rejects_wrong_answer", [
    ("1000", r"So the result is \boxed{1,001}.", False, "wrong_value", "source verdict; 1,001 is 1001, not 1000"),
]))
LEFT_OUT.append("verl test_math_dapo_boxed_fallback_on_cpu.py::test_strict_box_verify_still_compares_raw_text: non-default strict_box_verify mode")

HAND.append((VERL + "0ef82b40f04da7effb7d6b502a3c5123a71b6c29 tests/utils/reward_score/reward_score/test_math_verify_on_cpu.py::TestComputeScore", [
    ("42", "The answer is \\boxed{42}", True, "boxed", "source verdict"),
    ("42", "The answer is \\boxed{41}", False, "wrong_value", "source verdict; 41 is not 42"),
    ("0.5", "The answer is \\boxed{\\frac{1}{2}}", True, "fraction_equivalence", "source verdict; 1/2 is 0.5 exactly"),
    ("42", "\\boxed{42}", True, "boxed", "source verdict (pool recovery tests); bare box"),
]))

_G = VERL + "2067c07c2f37335c8229028fc6b12577c3bd8e28 tests/utils/reward_score/test_gsm8k_on_cpu.py::"
HAND.append((_G + "test_strict_finds_answer_regardless_of_trailing_text", [
    ("42", "2 + 40 = 42.\n#### 42\n" + _pad(0), True, "gsm8k_marker", "source verdict; '#### 42' marker"),
    ("42", "2 + 40 = 42.\n#### 42\n" + _pad(4000), True, "gsm8k_marker",
     "source verdict; the answer marker followed by 4000 characters of filler without digits"),
]))
HAND.append((_G + "test_strict_takes_the_last_marker", [
    ("42", "#### 7\nwait, let me redo that.\n#### 42\n", True, "revised_answer",
     "careful human (source extracts 42): the first marker is withdrawn ('wait, let me redo that'), so 42 is the one final answer"),
]))
HAND.append((_G + "test_long_answer_straddling_the_window_boundary_is_not_truncated", [
    ("1234567890123456789", _pad(4000) + "#### 1234567890123456789", True, "large_integer",
     "source extracts the whole 19-digit answer after long filler (filler length here 4000; the test puts it at its clip window)"),
]))
HAND.append((_G + "test_flexible_rejects_bare_punctuation", [
    ("42", "first sentence. second sentence. third sentence.", False, "no_answer", "source verdict; no number at all"),
]))
HAND.append((_G + "test_missing_marker_scores_zero_even_when_a_number_is_present", [
    ("42", "the answer is 42", True, "answer_in_prose",
     "policy: the stated answer is 42; the source's default strict mode scores 0 only for the missing '####' format",
     {"original_label": False}),
]))
HAND.append((_G + "test_wrong_answer_gets_format_score", [
    ("42", "2 + 40 = 41.\n#### 41\n" + _pad(4000), False, "wrong_value", "source verdict (format score only); 41 is not 42"),
]))
HAND.append((_G + "test_thousands_separator_is_stripped", [
    ("1234", "#### 1,234\n" + _pad(4000), True, "number_format", "source verdict; thousands mark"),
]))
_P = VERL + "63b2ae3a0334f97fe48c9224fc580e5d305b8cf1 tests/utils/reward_score/test_gsm8k_parser_on_cpu.py::"
HAND.append((_P + "test_flexible_parser_*", [
    ("308", "The answer is 308.", True, "answer_in_prose", "source verdict (flexible mode); sentence period after the integer"),
    ("3.14", "The answer is 3.14", True, "answer_in_prose", "source verdict; a decimal is kept whole"),
    ("15", "The answer is 15.00", True, "number_format", "source verdict; 15.00 is exactly 15"),
    ("10", "We compute everything carefully. Final result is \\boxed{10}. This took 50 minutes.", True, "boxed",
     "source verdict; the boxed result, not the later number of minutes"),
    ("12", "First estimate 4, then revise. The answer is 12.", True, "revised_answer",
     "source verdict; an estimate revised to the stated answer 12"),
]))
HAND.append((_P + "test_strict_parser_normalizes_trailing_period", [
    ("308", "#### 308.", True, "gsm8k_marker", "source verdict; trailing period after the marked answer"),
]))
_D = VERL + "842203976977a46a850511b8c523709d03b8639c tests/utils/reward_score/test_default_compute_score_on_cpu.py::TestGsm8kMethodForwarding"
HAND.append((_D, [
    ("42", "reasoning... #### 42", True, "gsm8k_marker", "source verdict"),
    ("42", "The answer is 43", False, "wrong_value", "source verdict (flexible mode; strict gives 0 too); 43 is not 42"),
]))
LEFT_OUT.append("verl test_default_compute_score_on_cpu.py 'The answer is 42' / 42: same case as test_gsm8k_on_cpu.py's missing-marker case but capitalised")
_N = VERL + "7934dbe9927ccffea541a3e6c01358e4a24ebb02 tests/utils/real_nvfp4/test_math_reward_on_cpu.py::"
HAND.append((_N + "test_aime_accepts_boxed_answers_without_answer_prefix", [
    ("73", r"Thus the result is \boxed{73}.", True, "boxed", "source verdict"),
    ("73", r"Thus the result is \boxed{72}.", False, "wrong_value", "source verdict; 72 is not 73"),
    ("73", "The result is 73.", True, "answer_in_prose",
     "policy: the stated result is 73; the source's aime_boxed reward requires a box, a format rule",
     {"original_label": False}),
]))
HAND.append((_N + "test_training_still_requires_minerva_format", [
    ("73", r"Answer: \boxed{73}", True, "answer_line", "source verdict"),
]))
HAND.append((_N + "test_aime_missing_prediction_survives_validation_aggregation", [
    ("73", "No answer.", False, "no_answer", "source verdict; no answer is stated"),
]))
_S = VERL + "4ed250d32dfae693ebd36f1d57b0c55614e32ad1 tests/utils/reward_score/test_prime_math_grader_security_on_cpu.py::"
HAND.append((_S + "TestMatrixBranchIsNotExecutable", [
    (r"\begin{pmatrix}1&2\end{pmatrix}", '[open("pwned.txt","w").write("x"), 2]', False, "hostile_input",
     "source verdict; a code payload in a list is not the matrix (and must not run)"),
    (r"\begin{pmatrix}9&9\end{pmatrix}", "[1, 2]", False, "matrix", "source verdict; entries differ"),
]))
HAND.append((_S + "TestNoRewardForgeryAcrossSamples", [
    ("42", "999", False, "wrong_value", "source verdict"),
]))
HAND.append((_S + "TestLegitimateGradingUnchanged", [
    ("7", r"The answer is \boxed{42}", False, "wrong_value", "source verdict; 42 is not 7"),
    ("9.42477796", r"3\pi", True, "decimal_reference",
     "source verdict; the key is 3pi to 8 decimals and the exact 3pi agrees with every written digit"),
]))
HAND.append((_S + "TestResourceBounds::test_grader_sinks_survive_a_blowup_payload", [
    (r"\begin{pmatrix}1\end{pmatrix}", "[9**9**9**9]", False, "hostile_input",
     "source verdict; a power tower is not 1 (and must be refused, not computed)"),
]))

_T = "huggingface/trl@010eddf0110ae5461b2102eb0977f83106b4106d tests/test_rewards.py::"
HAND.append((_T + "TestAccuracyReward", [
    (r"\frac{63}{400}", r"\boxed{\frac{63}{400}}", True, "boxed", "source verdict"),
    ("63/400", r"\boxed{\frac{63}{400}}", True, "fraction_equivalence", "source verdict; plain-text key against a LaTeX fraction"),
    (r"\frac{63}{400}", r"\boxed{\frac{64}{400}}", False, "wrong_value", "source verdict; 64/400 is not 63/400"),
    ("6", r"\boxed{3}", False, "wrong_value", "source verdict"),
    (r"\frac{1}{3}", r"\boxed{\frac{1}{3}}", True, "boxed", "source verdict (worker-thread and cosine reward tests)"),
]))
HAND.append((_T + "TestCosineScaledReward", [
    (r"\frac{1}{3}", r"\boxed{\frac{1}{2}}", False, "wrong_value", "source verdict; scored as wrong"),
]))
HAND.append((_T + "TestReasoningAccuracyReward", [
    (r"\frac{63}{400}", r"<think> Reasoning content </think> \boxed{\frac{63}{400}}", True, "reasoning_tags", "source verdict"),
    (r"\frac{63}{400}", r"Reasoning content </think> \boxed{\frac{63}{400}}", True, "reasoning_tags",
     "source verdict; the opening tag may be in the prompt"),
    (r"\frac{63}{400}", r"<think> Reasoning content </think> \boxed{\frac{64}{400}}", False, "wrong_value", "source verdict"),
    (r"\boxed{42}", r"<think> My answer is \boxed{42} </think> Some other text.", False, "reasoning_tags",
     "source verdict; the only box is inside the reasoning, the response after it states no answer"),
    (r"\boxed{42}", r"<think> The answer is \boxed{42} </think> Here's a wrong answer: \boxed{43}.", False, "reasoning_tags",
     "source verdict; the response's final answer is 43"),
    (r"\frac{63}{400}", r"<think> Incomplete reasoning without closing tag", False, "truncated",
     "source verdict; cut off inside the reasoning, no answer"),
    (r"\frac{63}{400}", r"Correct answer \frac{63}{400} but completely missing reasoning content", True, "answer_in_prose",
     "policy: the stated answer is 63/400; the source gives 0 for the missing reasoning tag, a format rule",
     {"original_label": False}),
]))
LEFT_OUT.append("trl: unparsable golds ('Answer is forty two.', 'forty two'): the reference is not an answer key; "
                "custom reasoning delimiters: non-default mode")

_H = "hendrycks/math@5f3bf91d13367550bed100240554fd11c25abe48 modeling/math_equivalence_test.py::TestIsEquiv::"
_HB = "; the test file's doubled backslash (an escape artefact MATH's strip_string undoes) is written single"
HAND.append((_H[:-2], [
    (r"\tfrac{1}{2} + \frac1{72}", r"\frac{1}{2} + 2/3", False, "wrong_value", "source verdict (test_fractions); 1/72 is not 2/3" + _HB),
    ("10, 4, 2", "4, 12, 2", False, "wrong_value", "source verdict (test_order2); 12 is not among 10, 4, 2"),
    (r"\tfrac{1}{2} +\! \frac1{72}", r"\dfrac{1}{2} +\frac{1}{72}", True, "latex_normalization",
     "source verdict (test_dfrac); \\tfrac/\\dfrac, \\frac1{72}, negative space" + _HB),
    (r"10\text{ units}", "10 ", True, "units", "source verdict (test_units); a unit word dropped"),
    (r"10\text{ units}", "100 ", False, "wrong_value", "source verdict (test_units2)"),
    ("10", r"\$10", True, "currency", "source verdict (test_dollars)"),
    (r"\left(x-2\right)\left(x+2\right)", "(x-2)(x+2)", True, "latex_normalization", "source verdict (test_parentheses)"),
    ("0.1", ".1", True, "number_format", "source verdict (test_decimals2)"),
    (r"10\%", "10", True, "percent", "source verdict (test_percentage); a percent is its number"),
    (r"10\sqrt{3} + \sqrt4", r"10\sqrt3 + \sqrt{4}", True, "latex_normalization", "source verdict (test_sqrt); braces of \\sqrt"),
    (r"\frac34i", r"\frac{3}{4}i", True, "latex_normalization", "source verdict (test_frac)"),
    (r"\tfrac83", r"\frac{8}{3}", True, "latex_normalization", "source verdict (test_tfrac)"),
    ("5x - 7y + 11z + 4 = 0", "x + y - z + 2 = 0", False, "equation", "source verdict (test_expression); another plane"),
    ("1/2", r"\frac{1}{2}", True, "fraction_equivalence", "source verdict (test_half)"),
]))
LEFT_OUT.append("hendrycks/math test_order ('10, 4, -2' / '4, 10, -2') and test_decimals ('0.1, 4, 2' / '4, .1, 2'): "
                "whether order matters in an unlabelled list depends on the problem (source: string order matters)")

_M = "codemayq/MindSpeed-RL@9312f4f8902d7e892b6c19a60eafe596eb830118 tests/ut/utils/test_grader.py::TestGrader::test_math_equal"
HAND.append((_M, [
    ("x+2n+1", "x+1", False, "expression_equivalence", "source verdict; a missing term 2n"),
    ("x+2", "x+1", False, "expression_equivalence", "source verdict"),
    ("1.0", "1", True, "number_format", "source verdict"),
    ("1.0001", "1", False, "approximation",
     "policy: 1 is not 1.0001 and no tolerance is asked; the source accepts it by its default relative tolerance 1e-4",
     {"original_label": True}),
    ("1.1", "1", False, "wrong_value", "source verdict"),
]))
_MD = "Ascend/MindSpeed-RL@285fba6c2ce482267011ec6d3cf30b034946646e tests/ut/models/test_math_dapo.py::TestMathDapo::"
HAND.append((_MD + "test_is_correct_minerva_*", [
    ("2x + 3", r"The answer is \boxed{2x + 4}", False, "expression_equivalence", "source verdict; 2x+4 is not 2x+3"),
    ("2x + 3", "No answer here", False, "no_answer", "source verdict"),
    ("2x + 3", "Answer: 2x + 3", True, "answer_line", "source verdict"),
]))
HAND.append((_MD + "test_compute_score_correct / test_is_correct_strict_box_*", [
    ("2x + 3", r"Some text \boxed{2x + 3}", True, "boxed",
     "policy: the boxed answer is 2x+3; the source's default (Minerva) mode scores -1 because no 'Answer:' line (strict-box mode scores 1)",
     {"original_label": False}),
    ("2x + 3", r"Some text \boxed{2x + 4}", False, "expression_equivalence", "source verdict (test_is_correct_strict_box_incorrect); 2x+4 is not 2x+3"),
    ("2x + 3", "Some text without boxed answer", False, "no_answer", "source verdict"),
]))
LEFT_OUT.append("MindSpeed-RL test_math_dapo.py: repeated 'Some text ' padding and pause-token variants of the same pairs")
MINDSPEED_TEXT = """<think>\nFirst, we use the property of a parallelogram that opposite sides are equal in length. 
        Therefore, we have:\n\\[AB = CD \\quad \\text{and} \\quad BC = AD\\]\n\nFrom the given measurements:\n\\
        [AB = 38 \\text{ cm}\\]\n\\[BC = 3y^3 \\text{ cm}\\]\n\\[CD = 2x + 4 \\text{ cm}\\]\n\\[AD = 24 \\text{ cm}\\]\n\n
        Setting \\(AB = CD\\), we get:\n\\[38 = 2x + 4\\]\n\nSetting \\(BC = AD\\), we get:\n\\[3y^3 = 24\\]\n\nNow, 
        we solve each equation for \\(x\\) and \\(y\\).\n</think>\n<answer>\nFirst, solve for \\(x\\):\n\\[38 = 2x + 4\\]
        \n\\[38 - 4 = 2x\\]\n\\[34 = 2x\\]\n\\[x = \\frac{34}{2} = 17\\]\n\nNext, solve for \\(y\\):\n\\[3y^3 = 24\\]\n\\
        [y^3 = \\frac{24}{3} = 8\\]\n\\[y = \\sqrt[3]{8} = 2\\]\n\nNow, find the product of \\(x\\) and \\(y\\):\n\\[xy = 
        17 \\times 2 = 34\\]\n\nTherefore, the product of \\(x\\) and \\(y\\) is \\(\\boxed{34}\\).</answer>"""
HAND.append(("Ascend/MindSpeed-RL@94d79a0b4262fa95b6af8e334b2da182161c8c04 tests/ut/models/test_verifier.py::TestVerifier::test_verifier", [
    ("34", MINDSPEED_TEXT, True, "long_response",
     "careful human (the source checks this response's format and the extracted '34' against '34'): the boxed final answer is 34, after x=17 and y=2"),
]))

_Q = "QwenLM/Qwen2.5-Math@29a82a8802e058c236fe7903ae6d8362df078aa7 evaluation/grader.py::"
HAND.append((_Q + "TestMathEquality", [
    ("0.1", r"10%", True, "percent",
     "source verdict with include_percentage=True, which reads 10% as 0.1 (metadata percent=fraction)", {"metadata": {"percent": "fraction"}}),
    ("0.2", r"10%", False, "percent", "source verdict; 10% is neither 0.2 nor 20", {"metadata": {"percent": "fraction"}}),
    ("[1, 2, 4]", "[1, 2, 3]", False, "list", "source verdict; last entry differs"),
    (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", True, "matrix", "source verdict (test_compare_matrices)"),
    (r"\begin{pmatrix}1&2\\3&5\end{pmatrix}", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", False, "matrix", "source verdict; one entry differs"),
    ("x = z", "x = y", False, "equation", "source verdict; another equation"),
    ("10", "x = 10", True, "labelled_answer", "source verdict (test_compare_equations); a labelled answer against an unlabelled key"),
    ("x = 10", "10", True, "labelled_answer", "source verdict (test_compare_equations); an unlabelled answer against a labelled key"),
    ("20", "10", False, "wrong_value", "source verdict (test_math_equal)"),
]))
_QH = "careful human (a commented example in Qwen's _test_math_equal, no verdict there): "
HAND.append((_Q + "_test_math_equal (commented examples)", [
    (r"(1,\frac{9}{2})", "(1,4.5)", True, "tuple", _QH + "4.5 is exactly 9/2"),
    (r"\frac{x+2}{7}", r"\frac{x}{7}+\frac{2}{7}", True, "expression_equivalence", _QH + "same rational function"),
    (r"\tan^2(y)+1", r"\sec^2(y)", True, "expression_equivalence", _QH + "Pythagorean identity"),
    (r"(\begin{pmatrix}-\frac{7}{4}&-2\\4&\frac{1}{4}\\\end{pmatrix})", r"\begin{pmatrix}-\frac{7}{4}&-2\\4&\frac{1}{4}\end{pmatrix}",
     True, "matrix", _QH + "same matrix; the key wraps it in parentheses and ends with a row separator"),
    (r"(\begin{pmatrix}\frac{1}{3\sqrt[3]{x}^2}&0&0\\0&1&0\\-\sin(x)&0&0\\\end{pmatrix})",
     r"\begin{pmatrix}\frac{1}{3x^{2/3}}&0&0\\0&1&0\\-\sin(x)&0&0\end{pmatrix}", True, "matrix",
     _QH + "x^{2/3} is the square of the cube root of x; same Jacobian"),
    (r"-\frac{2(x^2+6)}{9(x^2-2)\sqrt[3]{x^2-2}^2}", r"-\frac{8x^2}{9(x^2-2)^{5/3}}+\frac{2}{3(x^2-2)^{2/3}}", True,
     "expression_equivalence", _QH + "over the common denominator 9(x^2-2)^{5/3} the numerator is -8x^2+6x^2-12 = -2(x^2+6)"),
    ("34x+45y-20z+100=0", "-34x-45y+20z-100=0", True, "equation", _QH + "the same plane, both sides times -1"),
    (r"\frac{\sqrt{\sqrt{11}+\sqrt{194}}}{15+2\sqrt{33}}", r"\frac{\sqrt{\sqrt{11}+\sqrt{194}}}{2\sqrt{33}+15}", True,
     "expression_equivalence", _QH + "the denominator's terms reordered"),
    ("(a+5)(b+2)", "(+5)(b+2)", False, "expression_equivalence", _QH + "the variable a is missing"),
    ("2", r"\frac{1+\sqrt{5}}{2}", False, "wrong_value", _QH + "the golden ratio is not 2"),
    ("4", r"\frac{34}{16}+\frac{\sqrt{1358}}{16}", False, "wrong_value", _QH + "about 4.43, not 4"),
    (r"1\sqrt{19}", "1", False, "wrong_value", _QH + "sqrt(19) is not 1 (the file's doubled backslash written single)"),
    (r"(\frac{3}{5},\frac{8}{3}]", "(0.6,2.6667]", False, "approximation",
     _QH + "0.6 is 3/5 but 2.6667 only approximates 8/3 and no tolerance is asked (another copy of this grader marks it True)"),
]))
LEFT_OUT.append("Qwen2.5-Math _test_math_equal: 0.0833333333333333 vs 1/12 (likely already in the math-verify corpus); "
                "100/3 vs 33.3 and a 15-digit decimal matrix vs its 3-digit key (right or not depends on the problem's rounding instruction); "
                "x+2n+1 vs x+1 (same pair as MindSpeed-RL's)")

_L = "IuvenisSapiens/latex2sympy2_extended@0e1a3969180d8e336237fe258a164b4b39bdefff tests/set_test.py::"
_LH = "careful human; the parser test maps both strings to the same sympy object"
HAND.append((_L + "test_literal_sets / test_empty_set", [
    (r"\emptyset", r"\{\}", True, "set", _LH + " (the empty set)"),
]))
HAND.append((_L + "test_finite_sets", [
    ("{1,3}", r"{2 \pm 1}", True, "plus_minus", _LH + " FiniteSet(3, 1)"),
]))
HAND.append((_L + "test_set_operations", [
    (r"{1,2} \cup {2,3}", "{1,2} ∪ {2,3}", True, "set", _LH + " (union, Unicode sign)"),
]))
HAND.append((_L + "test_set_of_sets", [
    (r"$k \in {1,2,3}$", "$k = 1,2,3$", True, "labelled_answer", _LH + " (k takes the values 1, 2, 3)"),
    ("$k=1, b=2$", "$k=1; b=2$", True, "labelled_answer", _LH + " (two named values, comma or semicolon)"),
]))
HAND.append((_L + "test_and_or_text", [
]))
LEFT_OUT.append("latex2sympy2_extended set_test.py: 'a=1 or b=2' vs 'a=1 and b=2' (the parser merges or/and, a human would not); "
                "'(11,7)or(7,11)' (parsed as an interval, a parser quirk)")

_A = "leandermaben/AReaL@24f05fbf82f3e4fe7a6f7b67a9c51a550d88c367 areal/tests/test_math_verify_reward.py::"
_AV = "the source only checks the reward is a float"
_AH = f"careful human ({_AV}): "
HAND.append((_A + "TestGSM8KRewardFn", [
    ("4", "The answer is 4", True, "answer_in_prose", "source verdict"),
    ("1/2", "The answer is 0.5", True, "fraction_equivalence", "source verdict; 0.5 is exactly 1/2"),
    ("4", "Step 1: 2+2=4. \\boxed{4}", True, "boxed", "source verdict"),
    ("4", "The answer is 5", False, "wrong_value", "source verdict"),
    ("4", "", False, "no_answer", "source verdict; empty completion"),
    ("2", "$\\sqrt{4} = 2$", True, "chained_equality", "source verdict; the chain ends in 2"),
]))
HAND.append((_A + "TestGeometry3KRewardFn", [
    ("90", "The angle is [90].", True, "bracketed_answer", "source verdict"),
    ("5", "The length is [5.0].", True, "number_format", "source verdict; 5.0 is 5"),
    ("90", "The angle is [60].", False, "wrong_value", "source verdict"),
    ("90", "", False, "no_answer", "source verdict (test_geometry3k_empty_completion)"),
    ("90", "The answer is 90 degrees.", True, "units", "source verdict; degrees do not change the value"),
    ("0.5", "The ratio is [1/2].", True, "fraction_equivalence", "source verdict"),
]))
HAND.append((_A + "TestRewardEdgeCases", [
    ("4", "The answer is !!!invalid!!!", False, "malformed_answer", "source verdict"),
]))
HAND.append((_A + "TestGSM8KAdvanced", [
    ("2^3", "The answer is 8", True, "expression_key", "source verdict; the key 2^3 is 8"),
    ("4", r"The answer is $\sqrt{16}$", True, "expression_equivalence", "source verdict; sqrt(16) is 4"),
    ("5/6", r"The answer is $\frac{5}{6}$", True, "fraction_equivalence", "source verdict"),
    ("1/3", "0.333333333", False, "approximation",
     "policy: a 9-digit decimal approximates 1/3 and no tolerance is asked (" + _AV + ")"),
    ("B", "The answer is (B)", True, "choice_letter", _AH + "choice B in parentheses"),
    ("3", "x = 3", True, "labelled_answer", "source verdict"),
    ("42", "Step 1: Calculate\nStep 2: Simplify\nFinal answer: 42", True, "answer_line", "source verdict"),
    ("2*pi", r"$2\pi$", True, "constant", _AH + "2\\pi is 2*pi"),
    ("1000", r"$10^3$", True, "expression_equivalence", "source verdict"),
]))
HAND.append((_A + "TestGeometry3KAdvanced", [
    ("45", "[45 degrees]", True, "units", "source verdict"),
    ("sqrt(2)", "[1.414]", False, "approximation", "policy: 1.414 approximates sqrt(2) and no tolerance is asked (" + _AV + ")"),
    ("45", "First try [30], second try [45].", True, "revised_answer",
     "source verdict; the second try replaces the first, so 45 is the final answer"),
    ("2", r"[$\sqrt{\sqrt{16}}$]", True, "expression_equivalence", "source verdict"),
]))
HAND.append((_A + "TestMathVerifyRobustness", [
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"$\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$", True, "matrix",
     _AH + "the same matrix"),
    ("45", "[45.000001]", False, "approximation", "policy: 45.000001 is not the integer 45 (" + _AV + ")"),
    ("12/3", "4", True, "expression_key", "source verdict; the key 12/3 is 4"),
    ("3/12", "4", False, "expression_key", "source verdict; 3/12 is not 4"),
    ("5", "3+2", True, "expression_equivalence", "source verdict"),
    ("2*x + 2", "2x + 2", True, "expression_equivalence", _AH + "implicit multiplication, same polynomial"),
]))
HAND.append((_A + "TestComplexLatexFormulas", [
    ("n(n+1)/2", r"$\sum_{i=1}^{n} i = \frac{n(n+1)}{2}$", True, "chained_equality", _AH + "the chain ends in n(n+1)/2"),
    ("-1", r"$e^{i\pi} = -1$", True, "chained_equality", "source verdict"),
    ("1000", r"$1 \times 10^3$", True, "scientific_notation", "source verdict"),
    ("3", r"$\begin{vmatrix} 2 & 1 \\ 1 & 2 \end{vmatrix} = 3$", True, "chained_equality", "source verdict; determinant"),
    ("2/3", r"$\frac{\frac{1}{2}}{\frac{3}{4}} = \frac{2}{3}$", True, "chained_equality", "source verdict"),
    ("10", r"$\binom{5}{2} = 10$", True, "chained_equality", "source verdict"),
    ("(n-2)*180/n", r"$[\frac{(n-2) \times 180°}{n}]$", True, "units", _AH + "the degree sign does not change the value"),
    ("5", r"[$\sqrt{3^2 + 4^2}$] = [5]", True, "chained_equality", "source verdict"),
    ("pi*r^2", r"[$\pi r^2$]", True, "constant", _AH + "\\pi r^2 is pi*r^2"),
    ("2", r"$\left| 3 - 5 \right| = 2$", True, "chained_equality", "source verdict"),
    ("2", "$17 \\bmod 5 = 2$", True, "chained_equality", "source verdict"),
    ("sqrt(a^2 + b^2)", r"$\|\vec{v}\| = \sqrt{a^2 + b^2}$", True, "chained_equality", _AH + "the stated magnitude"),
]))
HAND.append((_A + "TestMathVerifyWorkerRoundingCases", [
    (r"\boxed{0.066666793}", r"\boxed{0.0666668}", False, "approximation",
     "policy: 0.0666668 differs from the key at the 7th decimal and no tolerance is asked; the source accepts it at Math-Verify's 6-digit rounding",
     {"original_label": True}),
    (r"\boxed{0.066793}", r"\boxed{0.067}", False, "approximation", "source verdict; a 3-digit rounding of a 6-digit key"),
    (r"\boxed{2.232}", r"\boxed{2.23}", False, "approximation", "source verdict; 2.23 is less precise than the key 2.232"),
]))
HAND.append((_A + "TestMathVerifyWorkerTextWrappedAnswers", [
    ("0.6666667", r"The final answer is \boxed{2/3}.", True, "decimal_reference",
     "source verdict (the gold there reads 'answer is 0.6666667'); the key is 2/3 to 7 decimals and 2/3 agrees with every written digit"),
    ("sqrt(2)", r"After simplification we get \boxed{\sqrt{2}}", True, "expression_equivalence",
     "policy: \\sqrt{2} is sqrt(2); the source scores 0 because its gold 'the answer is sqrt(2)' mixes words in, and calls it a BAD case",
     {"original_label": False}),
    ("10000", r"Area equals \boxed{10^4} square units", True, "units", "source verdict (gold 'answer is 10000'); a unit phrase after the box"),
    ("0.25 + 3", r"Result: \boxed{(1/2)^{2} + \sqrt{9}}", True, "expression_equivalence", "source verdict (gold 'answer is 0.25 + 3'); both are 3.25"),
]))
LEFT_OUT.append("AReaL: 'None' gold and a None answer (not answer keys); 2.232 against the key 2.23 (right or not depends on the "
                "problem's rounding instruction); the quadratic formula with ± against a key with + only, and "
                "'a_n^2 + b_m^3 = c_{n+m}' (no verdict and no clear final answer); identity rows (42, 999999999999999, 0.0000001, [45]) and a few further '= value' chains, bracket and sqrt forms that repeat kept kinds")

_K = "thekasyap/thinkbot@c4f1af5c0433906ee8d14b8ca0386f01f816ba38 test_math_equivalence.py::test_math_equivalence"
HAND.append((_K, [
    ("1/3", "0.333", False, "approximation", "policy: 0.333 approximates 1/3 and no tolerance is asked", {"original_label": True}),
    ("0.333", "1/3", True, "decimal_reference", "source verdict; the key is 1/3 to 3 decimals and 1/3 agrees with every written digit"),
    ("2", "4/2", True, "fraction_equivalence", "source verdict"),
    ("4/2", "2", True, "fraction_equivalence", "source verdict"),
    ("3/4", "0.75", True, "fraction_equivalence", "source verdict"),
    ("0", "0.0", True, "number_format", "source verdict"),
    ("1/3", "0.5", False, "wrong_value", "source verdict"),
    ("1/3", "1/2", False, "wrong_value", "source verdict"),
    ("3", "2", False, "wrong_value", "source verdict"),
    ("0.6", "0.5", False, "wrong_value", "source verdict"),
]))
LEFT_OUT.append("thinkbot: identity rows and the reversed twins of kept fraction/decimal pairs")

_DT = "sungyubkim/datatrove@0bd856f07ac932146180cc436930a9aacb5c0287 tests/utils/reward_score/test_math.py::TestComputeScore::"
HAND.append((_DT[:-2], [
    (r"\boxed{42}", "<think>Let me solve this problem...\\boxed{42}", False, "truncated",
     "source verdict (test_unbalanced_think_tag); the response never leaves its unclosed reasoning block, so it is cut off before a final answer"),
    (r"\boxed{42}", "<think>Calculating...</think>The answer is 42", True, "answer_in_prose",
     "policy: the stated answer is 42; the source scores 0 only because the answer is not boxed (test_format_mismatch_prediction_missing_boxed)",
     {"original_label": False}),
    (r"\boxed{42}", "<think>Calculating...</think>The answer is \\boxed{43}", False, "wrong_value", "source verdict (test_wrong_answer)"),
    (r"\boxed{x + 1}", "<think>Simplifying...</think>\\boxed{\\frac{x^2 + 2x + 1}{x + 1}}", True, "expression_equivalence",
     "careful human (the source leaves the score open, test_complex_latex_expression): (x+1)^2/(x+1) simplifies to x+1"),
    (r"\boxed{42}", "<think>First I get \\boxed{10}, then \\boxed{42}</think>\\boxed{42}", True, "reasoning_tags",
     "source verdict (test_multiple_boxed_in_output); boxes inside the reasoning are drafts, the response's box is 42"),
]))
LEFT_OUT.append("datatrove test_math.py: 2.333 against the key 2.33 (depends on the problem's rounding instruction); 'ABC' against "
                "'abc' (case of a text answer: undecidable without the problem); repeats of kept boxed-42 forms; "
                "test_format_mismatch_ground_truth_missing_boxed (an unboxed key: the same format-only verdict as the kept relabelled case)")

# =============================================================================================
# latex2sympy2_extended 1.11.0 sdist: unit words its normaliser strips (human labels)
# =============================================================================================

L2S_PATH = "src/latex2sympy2_extended/math_normalization.py"
UNIT_CASES = [  # (unit word in the table, reference, completion, label, reason)
    ("mph", "45", r"\boxed{45 \text{ mph}}", True, "a speed unit word after the number"),
    ("gallon", "12", r"The tank holds \boxed{12 \text{ gallons}}.", True, "a volume unit word, plural"),
    ("acre", "40", r"\boxed{40\text{ acres}}", True, "an area unit word"),
    ("inches", "8", r"\boxed{7 \text{ inches}}", False, "7 inches is not 8, whatever the unit"),
    ("mile", "26", r"The route is \boxed{26 \text{ miles}} long.", True, "a length unit word, plural, inside a sentence"),
    ("cent", "35", r"\boxed{35 \text{ cents}}", True, "a currency word"),
]


def unit_cases(tgz: Path) -> list[dict]:
    src = _read_tar(tgz, L2S_PATH)
    out = []
    for i, (word, ref, comp, label, why) in enumerate(UNIT_CASES):
        assert f'"{word}"' in src, word
        out.append(case(ref, comp, label, "units", f"latex2sympy2_extended 1.11.0 sdist {L2S_PATH} unit-word table ('{word}') #{i}",
                        f"careful human: {why}"))
    return out


def hand_cases() -> list[dict]:
    out = []
    for source, rows in HAND:
        for j, row in enumerate(rows):
            ref, comp, label, kind, reason, *extra = row
            out.append(case(ref, comp, label, kind, f"{source} #{j}", reason, **(extra[0] if extra else {})))
    return out


def main(argv: list[str]) -> None:
    inspect_tgz = Path(argv[1]) if len(argv) > 1 else INSPECT_TGZ
    l2s_tgz = Path(argv[2]) if len(argv) > 2 else L2S_TGZ
    groups = [("inspect_evals 0.28.0", inspect_cases(inspect_tgz)), ("others' tests (hand-copied)", hand_cases()),
              ("latex2sympy2_extended 1.11.0 unit table", unit_cases(l2s_tgz))]
    seen: set[tuple[str, str]] = set()
    rows: list[dict] = []
    for _, cases in groups:
        for c in cases:
            key = (c["reference"], c["completion"])
            if key in seen:
                LEFT_OUT.append(f"duplicate of an earlier case: {c['source']}")
                continue
            seen.add(key)
            rows.append(c)
    with OUT.open("w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    by_source = Counter()
    for r in rows:
        s = r["source"]
        project = s.split(" ")[0].split("@")[0] if "@" in s.split(" ")[0] else " ".join(s.split(" ")[:3])
        by_source[(project, r["label"])] += 1
    print(f"wrote {len(rows)} cases to {OUT.relative_to(HERE.parent)}")
    for project in sorted({p for p, _ in by_source}):
        print(f"  {project}: {by_source[(project, True)] + by_source[(project, False)]} "
              f"({by_source[(project, True)]} true, {by_source[(project, False)]} false)")
    n_true = sum(r["label"] for r in rows)
    print(f"labels: {n_true} true, {len(rows) - n_true} false ({(len(rows) - n_true) / len(rows):.0%} false); "
          f"relabelled: {sum('relabelled' in r for r in rows)}")
    print("left out:")
    for why in LEFT_OUT:
        print(f"  - {why}")


if __name__ == "__main__":
    main(sys.argv)
