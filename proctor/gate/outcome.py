"""From two sides to a verdict: same problems checked, items paired per family, grader failures set apart.

The result, `GateOutcome`, is what every output (table, Markdown, JUnit, JSON)
renders; it decides the exit code: 0 pass, 1 regression, 4 inconclusive (no
regression shown, but some test's n could not have shown the drop it guards
against; `allow_underpowered` turns that into a pass, and says so), 3 too many
unscored items (the gate's evidence is then not trusted, whatever it says).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from proctor.defaults import (DEFAULT_ALPHA, DEFAULT_DETECTABLE_DROP_FACTOR, DEFAULT_GATE_PASS_AT, DEFAULT_MARGIN,
                              DEFAULT_MAX_UNSCORED, DEFAULT_POWER, margin_problem)
from proctor.errors import EXIT_GATE_FAILED, EXIT_INCONCLUSIVE, EXIT_INFRASTRUCTURE, EXIT_OK, BadInput
from proctor.gate.sides import Side
from proctor.gate.stats import INCONCLUSIVE, GateResult, PairedItem, gate
from proctor.passk import pass_at_k
from proctor.report.usage import UsageSummary, summarize_usage

PASS, REGRESSED, UNSCORED = "pass", "regressed", "unscored"
EXAMPLES = 5  # ids quoted in a mismatch message


@dataclass(frozen=True)
class ItemChange:
    """An item the candidate lost or gained: the evidence a reviewer reads first."""
    problem_id: str
    family: str
    baseline_score: float
    candidate_score: float
    baseline_extracted: object   # the extracted answer (a list when k > 1 samples)
    candidate_extracted: object


@dataclass(frozen=True)
class UnscoredCount:
    family: str
    items: int
    baseline: int     # items with a grader timeout/error (or no verdict) in the baseline
    candidate: int
    excluded: int     # items left out of the pairing: unscored in either run


@dataclass
class GateOutcome:
    baseline: str                  # descriptions, e.g. "run 'nightly-41'"
    candidate: str
    baseline_name: str             # the run name or file path as given
    candidate_name: str
    identity: str                  # how the problem sets were checked
    alpha: float
    max_unscored: float
    margins: dict[str, float]
    result: GateResult | None      # None when no family had a scored item
    unscored: list[UnscoredCount]
    baseline_unscored_share: float
    candidate_unscored_share: float
    untestable: list[str] = field(default_factory=list)   # families with no scored pair
    lost: dict[str, list[ItemChange]] = field(default_factory=dict)
    gained: dict[str, list[ItemChange]] = field(default_factory=dict)
    usage: dict[str, tuple[UsageSummary, UsageSummary]] = field(default_factory=dict)  # family -> (base, cand)
    allow_underpowered: bool = False
    pass_at: int = DEFAULT_GATE_PASS_AT   # the gate compares pass@k per problem (pass@1: the mean score)
    power: float = DEFAULT_POWER
    drop: float | None = None             # the stated drop to detect; None: drop_factor x each margin
    drop_factor: float = DEFAULT_DETECTABLE_DROP_FACTOR

    @property
    def too_many_unscored(self) -> bool:
        return self.baseline_unscored_share > self.max_unscored or self.candidate_unscored_share > self.max_unscored

    @property
    def infrastructure_failure(self) -> bool:
        return self.too_many_unscored or bool(self.untestable)

    @property
    def status(self) -> str:
        if self.infrastructure_failure:
            return UNSCORED
        verdict = self.result.verdict if self.result is not None else PASS
        if verdict == INCONCLUSIVE and self.allow_underpowered:
            return PASS
        return verdict

    @property
    def underpowered_allowed(self) -> bool:
        """An inconclusive gate passed because --allow-underpowered said so: every output says it."""
        return (self.allow_underpowered and not self.infrastructure_failure and self.result is not None
                and self.result.verdict == INCONCLUSIVE)

    @property
    def exit_code(self) -> int:
        return {PASS: EXIT_OK, REGRESSED: EXIT_GATE_FAILED, INCONCLUSIVE: EXIT_INCONCLUSIVE,
                UNSCORED: EXIT_INFRASTRUCTURE}[self.status]

    def drop_rule(self) -> str:
        """The stated drop each test must see, in words."""
        if self.drop is not None:
            return f"a true drop of {self.drop:g}"
        return f"a true drop of {self.drop_factor:g} x its margin"

    def infrastructure_message(self) -> str:
        parts = []
        for side, share in (("baseline", self.baseline_unscored_share), ("candidate", self.candidate_unscored_share)):
            if share > self.max_unscored:
                parts.append(f"{share:.1%} of the {side}'s items are unscored (grader timeout/error or no verdict), "
                             f"over the {self.max_unscored:.1%} allowed")
        if self.untestable:
            parts.append(f"no scored items to compare in {', '.join(self.untestable)}")
        return "; ".join(parts)


def check_same_problems(baseline: Side, candidate: Side) -> str:
    """Raises BadInput saying how the problem sets differ; returns how identity was checked."""
    if baseline.problem_digests is not None and candidate.problem_digests is not None:
        if baseline.problem_set_hash and baseline.problem_set_hash == candidate.problem_set_hash:
            return f"same problem-set hash {baseline.problem_set_hash[:12]}"
        differ = sorted(pid for pid in set(baseline.problem_digests) & set(candidate.problem_digests)
                        if baseline.problem_digests[pid] != candidate.problem_digests[pid])
        how = "ids, prompts and references"
    else:
        differ = sorted(pid for pid in set(baseline.tasks) & set(candidate.tasks)
                        if baseline.tasks[pid] != candidate.tasks[pid])
        how = "ids only: a verdicts file carries no prompts or references"
    only_baseline = sorted(set(baseline.tasks) - set(candidate.tasks))
    only_candidate = sorted(set(candidate.tasks) - set(baseline.tasks))
    if not (only_baseline or only_candidate or differ):
        return f"same {len(baseline.tasks)} problems, compared by {how}"
    parts = []
    for count_ids, what in ((only_baseline, "only in the baseline"), (only_candidate, "only in the candidate"),
                            (differ, "in both but with different " + ("problems (task, prompt or reference)"
                                                                      if "ids only" not in how else "tasks"))):
        if count_ids:
            plural = "id" if len(count_ids) == 1 else "ids"
            parts.append(f"{len(count_ids)} {plural} {what} (e.g. {', '.join(count_ids[:EXAMPLES])})")
    raise BadInput(f"the {baseline.describe()} and the {candidate.describe()} hold different problem sets "
                   f"(compared by {how}): " + "; ".join(parts)
                   + ". Gate two runs of the same suite, seed and parameters.")


def run_gate(baseline: Side, candidate: Side, *, margin: float = DEFAULT_MARGIN,
             margins: dict[str, float] | None = None, alpha: float = DEFAULT_ALPHA,
             max_unscored: float = DEFAULT_MAX_UNSCORED, seed: int = 0, drop: float | None = None,
             drop_factor: float = DEFAULT_DETECTABLE_DROP_FACTOR, power: float = DEFAULT_POWER,
             overall_margin: float | None = None, allow_underpowered: bool = False,
             pass_at: int = DEFAULT_GATE_PASS_AT) -> GateOutcome:
    if not 0 <= max_unscored <= 1:
        raise BadInput(f"--max-unscored must be a share between 0 and 1, got {max_unscored:g}")
    problem = margin_problem(margin)
    if problem:
        raise BadInput(f"--margin: {problem}")
    if not 0 < alpha < 0.5:
        raise BadInput(f"--alpha must be in (0, 0.5), got {alpha:g}")
    if not 0 < power < 1:
        raise BadInput(f"--power must be a probability strictly between 0 and 1, got {power:g}")
    if drop is not None and not 0 < drop < 1:
        raise BadInput(f"--detectable-drop must be a share of accuracy points in (0, 1), got {drop:g}")
    if not 1 < drop_factor < 50:
        raise BadInput(f"--detectable-drop {drop_factor:g}x: the factor must be above 1 (a drop beyond the margin)")
    if overall_margin is not None and margin_problem(overall_margin):
        raise BadInput(f"--overall-margin: {margin_problem(overall_margin)}")
    if isinstance(pass_at, bool) or not isinstance(pass_at, int) or pass_at < 1:
        raise BadInput(f"--pass-at must be a positive integer, got {pass_at!r}")
    identity = check_same_problems(baseline, candidate)
    check_same_families(baseline, candidate)
    unscored_baseline, unscored_candidate = baseline.unscored_ids(), candidate.unscored_ids()
    excluded = unscored_baseline | unscored_candidate

    by_family: dict[str, list[str]] = {}
    for pid in baseline.ids:  # the baseline's order: stable, and the same for both sides
        by_family.setdefault(baseline.families.get(pid, baseline.tasks[pid]), []).append(pid)
    families: dict[str, list[PairedItem]] = {}
    counts, untestable, usage = [], [], {}
    for family in sorted(by_family):
        ids = by_family[family]
        pairs = [PairedItem(pid, baseline.templates.get(pid) or candidate.templates.get(pid),
                            _item_scores(baseline, pid, pass_at), _item_scores(candidate, pid, pass_at))
                 for pid in ids if pid not in excluded]
        counts.append(UnscoredCount(family, len(ids), sum(p in unscored_baseline for p in ids),
                                    sum(p in unscored_candidate for p in ids), sum(p in excluded for p in ids)))
        usage[family] = tuple(summarize_usage(s.usage for pid in ids for s in side.samples.get(pid, ()))
                              for side in (baseline, candidate))
        if pairs:
            families[family] = pairs
        else:
            untestable.append(family)

    own = {f: m for f, m in (margins or {}).items() if f in families}
    for family, value in own.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or margin_problem(value):
            raise BadInput(f"margin for family {family!r} must be a number in [0, 0.5), got {value!r}")
    result = gate(families, margin=margin, margins=own, alpha=alpha, seed=seed, drop=drop, drop_factor=drop_factor,
                  power=power, overall_margin=overall_margin) if families else None
    total = len(baseline.tasks)
    outcome = GateOutcome(
        baseline=baseline.describe(), candidate=candidate.describe(), baseline_name=baseline.label,
        candidate_name=candidate.label, identity=identity, alpha=alpha,
        max_unscored=max_unscored, margins={f: own.get(f, margin) for f in families}, result=result,
        unscored=counts, baseline_unscored_share=len(unscored_baseline) / total,
        candidate_unscored_share=len(unscored_candidate) / total, untestable=untestable, usage=usage,
        allow_underpowered=allow_underpowered, pass_at=pass_at, power=power, drop=drop, drop_factor=drop_factor)
    if result is not None:
        for family_result in result.families:
            outcome.lost[family_result.family] = [_change(baseline, candidate, pid, family_result.family)
                                                  for pid in family_result.lost]
            outcome.gained[family_result.family] = [_change(baseline, candidate, pid, family_result.family)
                                                    for pid in family_result.gained]
    return outcome


def check_same_families(baseline: Side, candidate: Side) -> None:
    """The two runs must group each problem into the same family, or their families would not compare."""
    moved = sorted(pid for pid in set(baseline.families) & set(candidate.families)
                   if baseline.families[pid] != candidate.families[pid])
    if moved:
        pid = moved[0]
        raise BadInput(f"{len(moved)} problem(s) sit in different families in the two runs (e.g. {pid!r}: "
                       f"{baseline.families[pid]!r} in the {baseline.describe()}, {candidate.families[pid]!r} in "
                       f"the {candidate.describe()}); gate two runs of the same suite")


def _item_scores(side: Side, pid: str, k: int) -> list[float]:
    """The item's sample scores (pass@1: the gate averages them), or its one pass@k value."""
    samples = _ordered(side, pid)
    if k == 1:
        return [s.score for s in samples]
    if len(samples) < k:
        raise BadInput(f"--pass-at {k}: problem {pid!r} has only {len(samples)} scored sample(s) in the "
                       f"{side.describe()}; pass@{k} needs at least {k} per problem")
    return [pass_at_k(len(samples), sum(s.passed for s in samples), k)]


def _ordered(side: Side, pid: str):
    return sorted(side.samples[pid], key=lambda s: s.sample)


def _change(baseline: Side, candidate: Side, pid: str, family: str) -> ItemChange:
    def summary(side: Side):
        samples = _ordered(side, pid)
        score = sum(s.score for s in samples) / len(samples)
        extracted = samples[0].extracted if len(samples) == 1 else [s.extracted for s in samples]
        return score, extracted

    b_score, b_extracted = summary(baseline)
    c_score, c_extracted = summary(candidate)
    return ItemChange(pid, family, b_score, c_score, b_extracted, c_extracted)
