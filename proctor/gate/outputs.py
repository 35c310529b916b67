"""The gate's outcome rendered for people and for CI: a terminal table, Markdown, JUnit XML and JSON.

The Markdown fits `$GITHUB_STEP_SUMMARY` and PR comments; the JUnit XML has one
testcase per family and one for the overall test (a regression is a `failure`,
a family that could not be tested an `error`, an inconclusive one a `failure`
of type "inconclusive" unless allowed), so any CI that reads JUnit shows the
gate natively. Every output shows each test's minimum detectable drop at its
n, and what each family's completions cost (truncation, tokens, latency)
beside its delta.
"""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import asdict

from proctor.gate.outcome import PASS, REGRESSED, GateOutcome, ItemChange
from proctor.gate.overall import OverallResult
from proctor.gate.sensitivity import Sensitivity
from proctor.gate.stats import INCONCLUSIVE, FamilyResult
from proctor.report.usage import UsageSummary

MARKDOWN_ITEMS = 10  # lost/gained items quoted per family in Markdown; JSON has them all
TERMINAL_ITEMS = 5
OVERALL = "overall"
COLOURS = {PASS: "green", REGRESSED: "red", INCONCLUSIVE: "yellow"}


def underpowered(outcome: GateOutcome) -> list[str]:
    """The tests that showed no regression and could not have shown the stated drop."""
    result = outcome.result
    if result is None:
        return []
    names = [r.family for r in result.families if r.verdict == INCONCLUSIVE]
    if result.overall is not None and result.overall.verdict == INCONCLUSIVE:
        names.append(OVERALL)
    return names


def verdict_line(outcome: GateOutcome) -> str:
    power = f"{outcome.power:.0%} power"
    if outcome.status == REGRESSED:
        names = list(outcome.result.regressed)
        if outcome.result.overall is not None and outcome.result.overall.regressed:
            names.append("overall (all families together)")
        return f"REGRESSION in {', '.join(names)}"
    if outcome.underpowered_allowed:
        return (f"PASS (underpowered, allowed by --allow-underpowered): no regression shown, but "
                f"{', '.join(underpowered(outcome))} could not see {outcome.drop_rule()} with {power}")
    if outcome.status == PASS:
        return (f"PASS: no family regressed beyond its margin, and every test could see {outcome.drop_rule()} "
                f"with {power}")
    if outcome.status == INCONCLUSIVE:
        return (f"INCONCLUSIVE: no regression shown, but {', '.join(underpowered(outcome))} could not see "
                f"{outcome.drop_rule()} with {power}; add items (`proctor plan`) or pass --allow-underpowered")
    return f"UNSCORED: {outcome.infrastructure_message()}; the gate cannot decide"


USAGE_COLUMNS = ("cut by max_tokens b/c", "tokens b/c", "latency b/c")
OPTIONAL_COLUMNS = ("unscored b/c", *USAGE_COLUMNS)


def _columns(outcome: GateOutcome) -> list[str]:
    return ["family", "n", "base", "cand", f"delta [{_confidence(outcome)} CI]", "margin",
            f"min detectable drop ({outcome.power:.0%})", "lost/gained", "p (Holm)", "unscored b/c",
            *USAGE_COLUMNS, "verdict"]


def _shown_columns(outcome: GateOutcome) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The columns and rows worth printing: unscored and usage columns only where some run has something."""
    columns, cells = _columns(outcome), _cells(outcome)
    keep = [i for i, column in enumerate(columns)
            if column not in OPTIONAL_COLUMNS or any(texts[i] not in ("-", "0/0") for _, texts in cells)]
    return [columns[i] for i in keep], [(verdict, [texts[i] for i in keep]) for verdict, texts in cells]


def _cells(outcome: GateOutcome) -> list[tuple[str, list[str]]]:
    """(verdict, one text per column) for each family, then the overall test."""
    rows = []
    for row in _rows(outcome):
        r = row["result"]
        usage = _usage_cells(outcome.usage.get(row["family"]))
        if r is None:
            rows.append(("untestable", [row["family"], "0", "-", "-", "-", "-", "-", "-", "-", row["unscored"],
                                        *usage, "untestable"]))
            continue
        rows.append((r.verdict, [row["family"], str(r.n), f"{r.baseline_mean:.3f}", f"{r.candidate_mean:.3f}",
                                 _delta(r), f"{r.margin:.3f}", detectable(r.sensitivity),
                                 f"{len(r.lost)}/{len(r.gained)}", _p(r.p_adjusted), row["unscored"], *usage,
                                 r.verdict]))
    overall = outcome.result.overall if outcome.result else None
    if overall is not None:
        rows.append((overall.verdict, [f"{OVERALL} ({overall.families} families)", str(overall.n),
                                       f"{overall.baseline_mean:.3f}", f"{overall.candidate_mean:.3f}",
                                       _delta(overall), f"{overall.margin:.3f}", detectable(overall.sensitivity),
                                       "-", _p(overall.p_adjusted), "-", "-", "-", "-", overall.verdict]))
    return rows


def detectable(s: Sensitivity) -> str:
    """The minimum detectable drop, and what it would take where the n falls short."""
    if s.power is None:
        return "n/a (accuracy below the drop)"
    shown = "none up to all items" if s.min_detectable_drop is None else f"{s.min_detectable_drop:.3f}"
    if s.powered:
        return shown
    need = f"; needs n={s.items_needed:,}" if s.items_needed else ""
    return f"{shown}{need}"


def _usage_cells(pair: tuple[UsageSummary, UsageSummary] | None) -> list[str]:
    if pair is None:
        return ["-", "-", "-"]
    base, cand = pair

    def both(value_of, fmt) -> str:
        values = [value_of(u) for u in (base, cand)]
        return "-" if all(v is None for v in values) else "/".join("-" if v is None else fmt(v) for v in values)

    return [both(lambda u: u.truncation_rate, lambda v: f"{v:.0%}"),
            both(lambda u: u.mean_completion_tokens, lambda v: f"{v:.0f}"),
            both(lambda u: u.mean_latency_ms, lambda v: f"{v:.0f}ms")]


def render_table(outcome: GateOutcome):
    """The terminal table: the usage columns (cut, tokens, latency) fold into one to keep it narrow."""
    from proctor.report.tables import table

    columns, cells = _shown_columns(outcome)
    usage = [i for i, column in enumerate(columns) if column in USAGE_COLUMNS]
    if usage:
        columns = [c for i, c in enumerate(columns) if i not in usage[1:]]
        columns[usage[0]] = "cut / tokens / ms (base/cand)"
        cells = [(verdict, [("\n".join(texts[i] for i in usage) if j == usage[0] else text)
                            for j, text in enumerate(texts) if j not in usage[1:]]) for verdict, texts in cells]
    result = table(f"gate: {outcome.candidate} vs baseline {outcome.baseline}", columns, left=("verdict",),
                   caption=verdict_line(outcome))
    result.columns[-1].no_wrap = True
    for verdict, texts in cells:
        texts[-1] = f"[{COLOURS.get(verdict, 'yellow')}]{texts[-1]}"
        result.add_row(*texts)
    return result


def render_changes(outcome: GateOutcome, limit: int = TERMINAL_ITEMS) -> list[str]:
    """A few lost items per regressed family, for the terminal."""
    lines = []
    for family in (outcome.result.regressed if outcome.result else ()):
        lost = outcome.lost.get(family, [])
        lines.append(f"{family}: {len(lost)} items lost, e.g.")
        for change in lost[:limit]:
            lines.append(f"  {change.problem_id}: baseline {_answer(change.baseline_extracted)} -> "
                         f"candidate {_answer(change.candidate_extracted)}")
    return lines


def _method_note(outcome: GateOutcome) -> str:
    metric = "the mean score per problem (pass@1)" if outcome.pass_at == 1 else f"pass@{outcome.pass_at} per problem"
    overall = (" and the overall stratified test over all items" if outcome.result and outcome.result.overall
               else "")
    return (f"Compared: {metric}. One-sided alpha {outcome.alpha:g}, Holm-corrected across the families{overall}. "
            f"Each test must see {outcome.drop_rule()} with {outcome.power:.0%} power at its n "
            f"(as `proctor plan` sizes it, with the correlation the two runs show), else it is inconclusive.")


def to_markdown(outcome: GateOutcome) -> str:
    icon = {PASS: ":white_check_mark:", REGRESSED: ":x:"}.get(outcome.status, ":warning:")
    if outcome.underpowered_allowed:
        icon = ":warning:"
    lines = [f"## {icon} proctor gate: {verdict_line(outcome)}", "",
             f"Candidate {outcome.candidate} against baseline {outcome.baseline}; problems checked: "
             f"{outcome.identity}. {_method_note(outcome)}", ""]
    if outcome.result is not None:
        r = outcome.result
        lines += [f"All families: {r.n} paired items, baseline {r.baseline_mean:.3f}, candidate "
                  f"{r.candidate_mean:.3f}, delta {r.delta:+.3f}.", ""]
    columns, cells = _shown_columns(outcome)
    lines += ["| " + " | ".join(columns) + " |",
              "|" + "|".join("---" if c in ("family", "verdict") else "---:" for c in columns) + "|"]
    for verdict, texts in cells:
        texts = [_md(t) for t in texts]
        texts[-1] = {REGRESSED: "**regressed**", INCONCLUSIVE: "*inconclusive*"}.get(verdict, texts[-1])
        lines.append("| " + " | ".join(texts) + " |")
    for family in sorted(set(outcome.lost) | set(outcome.gained)):
        lost, gained = outcome.lost.get(family, []), outcome.gained.get(family, [])
        if not (lost or gained):
            continue
        lines += ["", f"<details><summary>{_md(family)}: {len(lost)} items lost, {len(gained)} gained</summary>", "",
                  "| change | problem | baseline answer | candidate answer |", "|---|---|---|---|"]
        for what, changes in (("lost", lost), ("gained", gained)):
            for change in changes[:MARKDOWN_ITEMS]:
                lines.append(f"| {what} | `{_md(change.problem_id)}` | {_md(_answer(change.baseline_extracted))} | "
                             f"{_md(_answer(change.candidate_extracted))} |")
            if len(changes) > MARKDOWN_ITEMS:
                lines.append(f"| {what} | ... {len(changes) - MARKDOWN_ITEMS} more (see the JSON output) | | |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def to_junit(outcome: GateOutcome) -> str:
    """JUnit XML (the schema Jenkins, GitLab and GitHub test reporters read): one testcase per family."""
    suite = ET.Element("testsuite", name="proctor gate")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("baseline", outcome.baseline), ("candidate", outcome.candidate),
                        ("alpha", f"{outcome.alpha:g}"), ("power", f"{outcome.power:g}"),
                        ("detectable drop", outcome.drop_rule()), ("pass@k", str(outcome.pass_at)),
                        ("problems", outcome.identity), ("status", outcome.status),
                        ("underpowered allowed", str(outcome.underpowered_allowed).lower())):
        ET.SubElement(properties, "property", name=name, value=value)
    failures = errors = 0
    tests: list[tuple[str, FamilyResult | OverallResult | None, str]] = [
        (row["family"], row["result"], row["unscored"]) for row in _rows(outcome)]
    if outcome.result is not None and outcome.result.overall is not None:
        tests.append((f"{OVERALL} (all families, stratified)", outcome.result.overall, ""))
    for name, r, unscored in tests:
        case = ET.SubElement(suite, "testcase", classname="proctor.gate", name=name, time="0")
        if r is None:
            errors += 1
            ET.SubElement(case, "error", type="unscored", message="no scored items to compare").text = unscored
            continue
        summary = _junit_summary(outcome, r)
        if r.regressed:
            failures += 1
            lost = outcome.lost.get(name, [])
            detail = "\n".join(f"lost {c.problem_id}: baseline {_answer(c.baseline_extracted)}, "
                               f"candidate {_answer(c.candidate_extracted)}" for c in lost[:MARKDOWN_ITEMS])
            ET.SubElement(case, "failure", type="regression",
                          message=f"{name} regressed beyond margin {r.margin:g}: {summary}").text = detail or summary
        elif r.verdict == INCONCLUSIVE and not outcome.allow_underpowered:
            failures += 1
            ET.SubElement(case, "failure", type="inconclusive",
                          message=f"{name}: n={r.n} cannot see a drop of {r.sensitivity.drop:g} with "
                                  f"{outcome.power:.0%} power: {summary}").text = summary
        else:
            note = " (underpowered, allowed by --allow-underpowered)" if r.verdict == INCONCLUSIVE else ""
            ET.SubElement(case, "system-out").text = summary + note
    # Grader failures are their own testcase: an error, not a failure, when over the limit.
    case = ET.SubElement(suite, "testcase", classname="proctor.gate", name="unscored items", time="0")
    share = (f"baseline {outcome.baseline_unscored_share:.2%}, candidate {outcome.candidate_unscored_share:.2%}, "
             f"limit {outcome.max_unscored:.2%}")
    if outcome.too_many_unscored:
        errors += 1
        ET.SubElement(case, "error", type="unscored", message=outcome.infrastructure_message()).text = share
    else:
        ET.SubElement(case, "system-out").text = share
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("time", "0")
    root = ET.Element("testsuites", name="proctor gate", tests=suite.get("tests"), failures=str(failures),
                      errors=str(errors))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _junit_summary(outcome: GateOutcome, r: FamilyResult | OverallResult) -> str:
    text = (f"n={r.n} baseline={r.baseline_mean:.4f} candidate={r.candidate_mean:.4f} delta={r.delta:+.4f} "
            f"{_confidence(outcome)} CI [{r.ci_low:+.4f}, {r.ci_high:+.4f}] margin={r.margin:g} "
            f"p={_p(r.p_value)} p_holm={_p(r.p_adjusted)} method={r.method} "
            f"min_detectable_drop={detectable(r.sensitivity)} verdict={r.verdict}")
    if isinstance(r, FamilyResult) and r.family in outcome.usage:
        base, cand = outcome.usage[r.family]
        text += f" usage baseline=({base.describe()}) candidate=({cand.describe()})"
    return text


def to_json(outcome: GateOutcome) -> str:
    return json.dumps(to_dict(outcome), indent=2, ensure_ascii=False, default=str, allow_nan=False) + "\n"


def to_dict(outcome: GateOutcome) -> dict:
    result = outcome.result
    overall = None
    if result is not None:
        overall = {"verdict": result.verdict, "regressed": list(result.regressed),
                   "inconclusive": underpowered(outcome), "n": result.n, "baseline": result.baseline_mean,
                   "candidate": result.candidate_mean, "delta": result.delta,
                   "test": None if result.overall is None else _finite_dict(asdict(result.overall))}
    return {
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "underpowered_allowed": outcome.underpowered_allowed,
        "baseline": outcome.baseline,
        "candidate": outcome.candidate,
        "baseline_run": outcome.baseline_name,    # run name or verdicts file path
        "candidate_run": outcome.candidate_name,
        "problems": outcome.identity,
        "alpha": outcome.alpha,
        "power": outcome.power,
        "detectable_drop": outcome.drop_rule(),
        "pass_at": outcome.pass_at,
        "max_unscored": outcome.max_unscored,
        "unscored_share": {"baseline": outcome.baseline_unscored_share,
                           "candidate": outcome.candidate_unscored_share},
        "overall": overall,
        "families": [_family_dict(outcome, row) for row in _rows(outcome)],
    }


def _family_dict(outcome: GateOutcome, row: dict) -> dict:
    r: FamilyResult | None = row["result"]
    counts = row["counts"]
    data = {"family": row["family"], "verdict": row["verdict"],
            "unscored": {"items": counts.items, "baseline": counts.baseline, "candidate": counts.candidate,
                         "excluded": counts.excluded}}
    if row["family"] in outcome.usage:
        base, cand = outcome.usage[row["family"]]
        data["usage"] = {"baseline": _finite_dict(asdict(base)), "candidate": _finite_dict(asdict(cand))}
    if r is not None:
        stats = {k: v for k, v in asdict(r).items() if k not in ("family", "lost", "gained", "verdict")}
        data.update(_finite_dict(stats))
        data["lost"] = [_change_dict(c) for c in outcome.lost.get(r.family, [])]
        data["gained"] = [_change_dict(c) for c in outcome.gained.get(r.family, [])]
    return data


def _change_dict(change: ItemChange) -> dict:
    return {"problem_id": change.problem_id,
            "baseline": {"score": change.baseline_score, "extracted": change.baseline_extracted},
            "candidate": {"score": change.candidate_score, "extracted": change.candidate_extracted}}


def _rows(outcome: GateOutcome) -> list[dict]:
    results = {r.family: r for r in (outcome.result.families if outcome.result else ())}
    rows = []
    for counts in outcome.unscored:
        r = results.get(counts.family)
        verdict = "untestable" if r is None else r.verdict
        rows.append({"family": counts.family, "result": r, "verdict": verdict, "counts": counts,
                     "unscored": f"{counts.baseline}/{counts.candidate}"})
    return rows


def _confidence(outcome: GateOutcome) -> str:
    return f"{1 - 2 * outcome.alpha:.0%}"


def _delta(r: FamilyResult | OverallResult) -> str:
    return f"{r.delta:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"


def _p(p: float) -> str:
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def _finite_dict(data):
    """JSON has no NaN or infinity: such numbers become null, at any depth."""
    if isinstance(data, dict):
        return {k: _finite_dict(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite_dict(v) for v in data]
    return None if isinstance(data, float) and not math.isfinite(data) else data


def _answer(extracted) -> str:
    if extracted is None:
        return "(none)"
    text = extracted if isinstance(extracted, str) else json.dumps(extracted, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _md(text: str) -> str:
    """Markdown table cells: pipes and newlines would break the row, angle brackets open HTML."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))
