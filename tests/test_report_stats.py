"""The statistics across seeds, against values computed by hand (and scipy.stats)."""

import math

import pytest

from nnlab.report.stats import BETTER, NO_SHARED, SAME, UNTESTED, WORSE, compare, spread

T_975_DF2 = 4.302652729911275  # Student's t, 97.5% quantile, 2 degrees of freedom (tables)


def test_spread_of_three_values_by_hand():
    result = spread([0.90, 0.92, 0.94])
    half = T_975_DF2 * 0.02 / math.sqrt(3)  # sd 0.02
    assert (result.n, result.mean, result.sd, result.min, result.max) == pytest.approx((3, 0.92, 0.02, 0.90, 0.94))
    assert (result.low, result.high) == pytest.approx((0.92 - half, 0.92 + half))


def test_spread_of_one_value_has_no_interval():
    result = spread([0.5])
    assert (result.n, result.mean, result.sd, result.low, result.high) == (1, 0.5, None, None, None)


def test_a_reliable_paired_difference_is_better_with_its_interval_and_p_by_hand():
    # Differences per seed 0.10, 0.09, 0.08: mean 0.09, sd 0.01, t = 0.09 / (0.01 / sqrt 3) = 15.59;
    # with 2 degrees of freedom the two-sided p is 1 - t / sqrt(t^2 + 2).
    result = compare({0: 0.90, 1: 0.92, 2: 0.94}, {0: 0.80, 1: 0.83, 2: 0.86}, "max")
    t = 0.09 / (0.01 / math.sqrt(3))
    half = T_975_DF2 * 0.01 / math.sqrt(3)
    assert result.verdict == BETTER
    assert (result.n, result.diff, result.low, result.high) == pytest.approx((3, 0.09, 0.09 - half, 0.09 + half))
    assert result.p == pytest.approx(1 - t / math.sqrt(t**2 + 2))


def test_a_paired_difference_within_the_noise_is_not_distinguishable_by_hand():
    # Differences 0.02, -0.01, 0.02: mean 0.01, sd sqrt(0.0003), se 0.01, t = 1, p = 1 - 1 / sqrt 3.
    result = compare({0: 0.82, 1: 0.80, 2: 0.85}, {0: 0.80, 1: 0.81, 2: 0.83}, "max")
    assert result.verdict == SAME
    assert (result.diff, result.low, result.high) == pytest.approx((0.01, 0.01 - T_975_DF2 * 0.01, 0.01 + T_975_DF2 * 0.01))
    assert result.p == pytest.approx(1 - 1 / math.sqrt(3))


@pytest.mark.parametrize("direction, verdict", [("max", WORSE), ("min", BETTER)])
def test_the_verdict_follows_the_metric_direction(direction, verdict):
    assert compare({0: 0.80, 1: 0.83, 2: 0.86}, {0: 0.90, 1: 0.92, 2: 0.94}, direction).verdict == verdict


def test_only_the_shared_seeds_are_paired():
    result = compare({0: 0.9, 1: 0.92, 2: 0.94, 7: 0.1}, {0: 0.8, 1: 0.83, 2: 0.86, 9: 0.99}, "max")
    assert (result.n, result.verdict) == (3, BETTER)


@pytest.mark.parametrize(
    "a, b, verdict",
    [({0: 0.9}, {0: 0.8}, UNTESTED), ({0: 0.9}, {1: 0.8}, NO_SHARED)],
    ids=["one-seed", "no-shared-seed"],
)
def test_without_two_shared_seeds_there_is_no_test(a, b, verdict):
    result = compare(a, b, "max")
    assert (result.verdict, result.p, result.low) == (verdict, None, None)


def test_a_constant_difference_is_certain():
    result = compare({0: 1.0, 1: 2.0}, {0: 0.5, 1: 1.5}, "max")
    assert (result.verdict, result.p) == (BETTER, 0.0)


def test_the_interval_and_p_agree_with_scipy_stats():
    stats = pytest.importorskip("scipy.stats")
    a = {seed: 0.8 + 0.01 * seed + 0.003 * (seed % 3) for seed in range(10)}
    b = {seed: 0.8 + 0.009 * seed for seed in range(10)}
    result = compare(a, b, "max")
    diffs = [a[seed] - b[seed] for seed in range(10)]
    assert result.p == pytest.approx(stats.ttest_rel(list(a.values()), list(b.values())).pvalue)
    low, high = stats.t.interval(0.95, len(diffs) - 1, loc=sum(diffs) / 10, scale=stats.sem(diffs))
    assert (result.low, result.high) == pytest.approx((low, high))
