"""Statistics across seeds: a group's mean with its 95% interval, and a paired comparison of two groups.

The interval and the test are Student's t: with the handful of seeds a sweep
repeats (3, 5, 10), the normal approximation would make intervals too narrow.
Two groups are compared over the seeds they share, seed by seed (a paired t
test): the same seed gives both the same data split and shuffling, so most of
the seed-to-seed noise cancels in the difference. The verdict says `better` or
`worse` only when the 95% interval of the mean difference excludes zero
(equivalently, the two-sided p < 0.05); otherwise the two are
`not distinguishable at 95%`.

The t distribution comes from `scipy.special` (`stdtr`, `stdtrit`): the very
functions behind `scipy.stats.t.cdf` and `.ppf` (and so `ttest_rel`), without
the second it takes to import `scipy.stats`; a test checks the results against
`scipy.stats`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nnlab.runs.metrics import MAX

LEVEL = 0.95
BETTER, WORSE, SAME = "better", "worse", "not distinguishable at 95%"
UNTESTED = "untested (n = 1)"
NO_SHARED = "no shared seeds"


@dataclass(frozen=True)
class Spread:
    """n values: their mean, standard deviation (n - 1), 95% interval of the mean, min and max."""

    n: int
    mean: float
    sd: float | None  # None for n = 1
    low: float | None  # the 95% interval of the mean (Student's t); None for n = 1
    high: float | None
    min: float
    max: float


@dataclass(frozen=True)
class Comparison:
    """A paired comparison over shared seeds: the mean difference (a - b) with its 95% interval, p and the verdict for a."""

    n: int
    diff: float | None
    low: float | None
    high: float | None
    p: float | None
    verdict: str


@functools.cache
def t_quantile(df: int, probability: float = 0.5 + LEVEL / 2) -> float:
    """Student's t quantile: 4.303 for df 2 at 0.975."""
    from scipy.special import stdtrit

    return float(stdtrit(df, probability))


def t_two_sided_p(df: int, t: float) -> float:
    from scipy.special import stdtr

    return float(2 * stdtr(df, -abs(t)))


def spread(values: Sequence[float]) -> Spread:
    """The spread of `values` (at least one)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return Spread(n, mean, None, None, None, min(values), max(values))
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    return Spread(n, mean, sd, mean - half, mean + half, min(values), max(values))


def compare(a: Mapping[int, float], b: Mapping[int, float], direction: str) -> Comparison:
    """Group `a` against group `b` over their shared seeds (seed -> value); `direction` is the metric's min or max.

    The verdict is for `a`: `better` when its values are reliably higher for a
    maximised metric (lower for a minimised one), `worse` for the reverse.
    """
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return Comparison(0, None, None, None, None, NO_SHARED)
    diffs = [a[seed] - b[seed] for seed in seeds]
    n = len(diffs)
    mean = math.fsum(diffs) / n
    if n < 2:
        return Comparison(n, mean, None, None, None, UNTESTED)
    sd = math.sqrt(math.fsum((d - mean) ** 2 for d in diffs) / (n - 1))
    if sd == 0:  # every seed moved by exactly the same amount: no noise to test against
        return Comparison(n, mean, mean, mean, 1.0 if mean == 0 else 0.0, SAME if mean == 0 else _direction_verdict(mean, direction))
    se = sd / math.sqrt(n)
    half = t_quantile(n - 1) * se
    low, high = mean - half, mean + half
    verdict = SAME if low <= 0 <= high else _direction_verdict(mean, direction)
    return Comparison(n, mean, low, high, t_two_sided_p(n - 1, mean / se), verdict)


def _direction_verdict(diff: float, direction: str) -> str:
    return BETTER if (diff > 0) == (direction == MAX) else WORSE
