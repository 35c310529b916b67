"""The gate's outcome rendered for people and for CI: a terminal table, Markdown, JUnit XML and JSON.

The Markdown fits `$GITHUB_STEP_SUMMARY` and PR comments; the JUnit XML has one
testcase per family (a regression is a `failure`, a family that could not be
tested an `error`), so any CI that reads JUnit shows the gate natively.
"""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import asdict

from proctor.gate.outcome import PASS, REGRESSED, GateOutcome, ItemChange
from proctor.gate.stats import FamilyResult

MARKDOWN_ITEMS = 10  # lost/gained items quoted per family in Markdown; JSON has them all
TERMINAL_ITEMS = 5


def verdict_line(outcome: GateOutcome) -> str:
    if outcome.status == PASS:
        return "PASS: no family regressed beyond its margin"
    if outcome.status == REGRESSED:
        return f"REGRESSION in {', '.join(outcome.result.regressed)}"
    return f"UNSCORED: {outcome.infrastructure_message()}; the gate cannot decide"


def render_table(outcome: GateOutcome):
    from rich.table import Table

    confidence = _confidence(outcome)
    table = Table(title=f"gate: {outcome.candidate} vs baseline {outcome.baseline}", caption=verdict_line(outcome))
    for column in ("family", "n", "baseline", "candidate", f"delta [{confidence} CI]", "margin", "lost/gained",
                   "p (Holm)", "unscored b/c", "verdict"):
        table.add_column(column, justify="left" if column in ("family", "verdict") else "right")
    for row in _rows(outcome):
        r = row["result"]
        colour = "red" if row["verdict"] == REGRESSED else "green" if row["verdict"] == PASS else "yellow"
        if r is None:
            table.add_row(row["family"], "0", "-", "-", "-", "-", "-", "-", row["unscored"], f"[{colour}]untestable")
            continue
        table.add_row(row["family"], str(r.n), f"{r.baseline_mean:.3f}", f"{r.candidate_mean:.3f}",
                      _delta(r), f"{r.margin:.3f}", f"{len(r.lost)}/{len(r.gained)}", _p(r.p_adjusted),
                      row["unscored"], f"[{colour}]{row['verdict']}")
    return table


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


def to_markdown(outcome: GateOutcome) -> str:
    icon = {PASS: ":white_check_mark:", REGRESSED: ":x:"}.get(outcome.status, ":warning:")
    lines = [f"## {icon} proctor gate: {verdict_line(outcome)}", "",
             f"Candidate {outcome.candidate} against baseline {outcome.baseline}; problems checked: "
             f"{outcome.identity}. One-sided alpha {outcome.alpha:g}, Holm-corrected across families.", ""]
    if outcome.result is not None:
        r = outcome.result
        lines += [f"Overall: {r.n} paired items, baseline {r.baseline_mean:.3f}, candidate {r.candidate_mean:.3f}, "
                  f"delta {r.delta:+.3f}.", ""]
    confidence = _confidence(outcome)
    lines += [f"| family | n | baseline | candidate | delta [{confidence} CI] | margin | lost / gained | "
              f"p (Holm) | unscored b/c | verdict |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in _rows(outcome):
        r = row["result"]
        if r is None:
            lines.append(f"| {_md(row['family'])} | 0 | - | - | - | - | - | - | {row['unscored']} | untestable |")
            continue
        mark = "**regressed**" if row["verdict"] == REGRESSED else row["verdict"]
        lines.append(f"| {_md(row['family'])} | {r.n} | {r.baseline_mean:.3f} | {r.candidate_mean:.3f} | "
                     f"{_delta(r)} | {r.margin:.3f} | {len(r.lost)} / {len(r.gained)} | {_p(r.p_adjusted)} | "
                     f"{row['unscored']} | {mark} |")
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
                        ("alpha", f"{outcome.alpha:g}"), ("problems", outcome.identity),
                        ("status", outcome.status)):
        ET.SubElement(properties, "property", name=name, value=value)
    failures = errors = 0
    for row in _rows(outcome):
        case = ET.SubElement(suite, "testcase", classname="proctor.gate", name=row["family"], time="0")
        r = row["result"]
        if r is None:
            errors += 1
            ET.SubElement(case, "error", type="unscored", message="no scored items to compare").text = row["unscored"]
            continue
        summary = (f"n={r.n} baseline={r.baseline_mean:.4f} candidate={r.candidate_mean:.4f} delta={r.delta:+.4f} "
                   f"{_confidence(outcome)} CI [{r.ci_low:+.4f}, {r.ci_high:+.4f}] margin={r.margin:g} "
                   f"p={_p(r.p_value)} p_holm={_p(r.p_adjusted)} method={r.method}")
        if r.regressed:
            failures += 1
            lost = outcome.lost.get(r.family, [])
            detail = "\n".join(f"lost {c.problem_id}: baseline {_answer(c.baseline_extracted)}, "
                               f"candidate {_answer(c.candidate_extracted)}" for c in lost[:MARKDOWN_ITEMS])
            ET.SubElement(case, "failure", type="regression",
                          message=f"{r.family} regressed beyond margin {r.margin:g}: {summary}").text = detail
        else:
            ET.SubElement(case, "system-out").text = summary
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


def to_json(outcome: GateOutcome) -> str:
    return json.dumps(to_dict(outcome), indent=2, ensure_ascii=False, default=str, allow_nan=False) + "\n"


def to_dict(outcome: GateOutcome) -> dict:
    result = outcome.result
    return {
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "baseline": outcome.baseline,
        "candidate": outcome.candidate,
        "baseline_run": outcome.baseline_name,    # run name or verdicts file path
        "candidate_run": outcome.candidate_name,
        "problems": outcome.identity,
        "alpha": outcome.alpha,
        "max_unscored": outcome.max_unscored,
        "unscored_share": {"baseline": outcome.baseline_unscored_share,
                           "candidate": outcome.candidate_unscored_share},
        "overall": None if result is None else {
            "verdict": result.verdict, "regressed": list(result.regressed), "n": result.n,
            "baseline": result.baseline_mean, "candidate": result.candidate_mean, "delta": result.delta},
        "families": [_family_dict(outcome, row) for row in _rows(outcome)],
    }


def _family_dict(outcome: GateOutcome, row: dict) -> dict:
    r: FamilyResult | None = row["result"]
    counts = row["counts"]
    data = {"family": row["family"], "verdict": row["verdict"],
            "unscored": {"items": counts.items, "baseline": counts.baseline, "candidate": counts.candidate,
                         "excluded": counts.excluded}}
    if r is not None:
        stats = {k: _finite(v) for k, v in asdict(r).items() if k not in ("family", "lost", "gained", "verdict")}
        data.update(stats)
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


def _delta(r: FamilyResult) -> str:
    return f"{r.delta:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"


def _p(p: float) -> str:
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def _finite(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _answer(extracted) -> str:
    if extracted is None:
        return "(none)"
    text = extracted if isinstance(extracted, str) else json.dumps(extracted, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _md(text: str) -> str:
    """Markdown table cells: pipes and newlines would break the row, angle brackets open HTML."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))
