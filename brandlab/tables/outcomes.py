"""Tables of talent and tourism outcomes (issue 6), written by :mod:`brandlab.outcomes`: the
outcome panel, policy events, estimates with their plot-ready series, and campaign exposure with
its alignment to outcomes and lagged correlations.
"""

from __future__ import annotations

from brandlab.schema import BOOL, DATE, FLOAT, INT, JSON, LIST, STR, TIME, TableSchema, _col, register

# --------------------------------------------------------------------------- outcomes

FREQS = ("A", "Q", "M", "W", "D")

OUTCOME_PANEL = TableSchema(
    "outcome_panel",
    (
        _col("city", STR, False),
        _col("period", DATE, False, doc="start date of the period (2023-04-01 for April 2023)"),
        _col("freq", STR, False, values=FREQS, doc="A annual, Q quarterly, M monthly, W weekly, D daily"),
        _col("metric", STR, False, doc="resident_population, graduates_retained, tourist_arrivals, ..."),
        _col("value", FLOAT),
        _col("source", STR, doc="publisher or file the number came from"),
    ),
    key=("city", "metric", "period"),
    doc="Talent and tourism outcomes per city and period, in long form.",
)

POLICY_EVENT = TableSchema(
    "policy_events",
    (
        _col("city", STR, False),
        _col("date", DATE, False),
        _col("kind", STR, False, doc="settlement_policy, hukou_reform, talent_subsidy, summit, ..."),
        _col("description", STR),
        _col("source", STR),
    ),
    key=("city", "date", "kind"),
    doc="Policies and events that could move outcomes besides a campaign; estimators warn about them.",
)

OUTCOME_ESTIMATE = TableSchema(
    "outcome_estimates",
    (
        _col("estimator", STR, False),
        _col("metric", STR, False),
        _col("treated", STR, False),
        _col("treatment_time", STR, False, doc="first treated period, as written by the user"),
        _col("effect", FLOAT, doc="average post-period effect (actual - counterfactual)"),
        _col("lo", FLOAT),
        _col("hi", FLOAT),
        _col("relative_effect", FLOAT, doc="effect / average counterfactual"),
        _col("p_value", FLOAT, bounds=(0.0, 1.0)),
        _col("placebo_rank", INT),
        _col("n_placebos", INT),
        _col("pre_rmspe", FLOAT),
        _col("pre_r2", FLOAT),
        _col("naive_effect", FLOAT, doc="post mean - pre mean of the treated unit (no counterfactual)"),
        _col("naive_relative", FLOAT),
        _col("n_pre", INT),
        _col("n_post", INT),
        _col("warnings", LIST),
        _col("details", JSON, doc="estimator-specific details, e.g. donor weights"),
        _col("created_at", TIME),
    ),
    key=("estimator", "metric", "treated", "treatment_time"),
    order_by="created_at",
    doc="One row per estimate; the naive before/after number always sits beside it.",
)

OUTCOME_SERIES = TableSchema(
    "outcome_series",
    (
        _col("estimator", STR, False),
        _col("metric", STR, False),
        _col("treated", STR, False),
        _col("treatment_time", STR, False),
        _col("period", STR, False, doc="period label (a date for panels, a year or index for references)"),
        _col("actual", FLOAT),
        _col("counterfactual", FLOAT),
        _col("lo", FLOAT),
        _col("hi", FLOAT),
        _col("effect", FLOAT),
    ),
    key=("estimator", "metric", "treated", "treatment_time", "period"),
    doc="Plot-ready actual vs counterfactual series of each estimate.",
)

register(OUTCOME_PANEL, POLICY_EVENT, OUTCOME_ESTIMATE, OUTCOME_SERIES)

# --------------------------------------------------------------------------- exposure

#: exposure metrics: flows (summed when aggregated) and ratios / indices (averaged)
EXPOSURE_METRICS = ("posts", "plays", "reads", "engagement", "share_of_voice", "search_index")

EXPOSURE_SERIES = TableSchema(
    "exposure_series",
    (
        _col("city", STR, False),
        _col("campaign", STR, False, doc="campaign name, 'all' (each post of the city once), 'mentions:<city>' "
                                         "or a search-index keyword"),
        _col("period", DATE, False, doc="start date of the period"),
        _col("freq", STR, False, values=FREQS),
        _col("metric", STR, False, values=EXPOSURE_METRICS),
        _col("value", FLOAT),
        _col("adstocked", FLOAT, doc="geometric adstock of value: a_t = x_t + 0.5**(1/half_life) * a_(t-1)"),
        _col("half_life", FLOAT, bounds=(0.0, None), doc="adstock half-life in periods of freq (0 = none)"),
        _col("source", STR, doc="'workspace posts' or the index file name"),
    ),
    key=("city", "campaign", "freq", "metric", "period"),
    doc="Campaign exposure per city, campaign, period and metric, with its adstocked value.",
)

EXPOSURE_OUTCOME = TableSchema(
    "exposure_outcome",
    (
        _col("city", STR, False),
        _col("campaign", STR, False),
        _col("exposure_metric", STR, False, values=EXPOSURE_METRICS),
        _col("outcome_metric", STR, False),
        _col("freq", STR, False, values=FREQS, doc="the outcome's frequency, to which exposure is aggregated"),
        _col("period", DATE, False),
        _col("exposure", FLOAT, doc="exposure in the period (sum of flows, mean of ratios); NaN = not observed"),
        _col("exposure_adstocked", FLOAT),
        _col("outcome", FLOAT),
        _col("coverage", FLOAT, bounds=(0.0, 1.0), doc="share of the period's sub-periods with exposure data"),
        _col("half_life", FLOAT),
    ),
    key=("city", "campaign", "exposure_metric", "outcome_metric", "period"),
    doc="Exposure aligned to an outcome series of the same city (the app's 'exposure beside outcomes' chart).",
)

EXPOSURE_LAG = TableSchema(
    "exposure_lags",
    (
        _col("city", STR, False),
        _col("campaign", STR, False),
        _col("exposure_metric", STR, False, values=EXPOSURE_METRICS),
        _col("outcome_metric", STR, False),
        _col("transform", STR, False, values=("level", "diff")),
        _col("lag", INT, False, bounds=(0, None), doc="periods by which exposure leads the outcome"),
        _col("r", FLOAT, bounds=(-1.0, 1.0), doc="Pearson correlation of exposure(t - lag) with outcome(t)"),
        _col("lo", FLOAT, doc="interval simultaneous over the lags (Fisher z, calibrated by block permutation)"),
        _col("hi", FLOAT),
        _col("p_value", FLOAT, bounds=(0.0, 1.0), doc="block-permutation p-value of this lag"),
        _col("p_family", FLOAT, bounds=(0.0, 1.0), doc="block-permutation p-value of the largest |r| over lags"),
        _col("n", INT, doc="pairs used at this lag"),
        _col("best", BOOL, doc="the lag with the largest |r|"),
        _col("warnings", LIST),
    ),
    key=("city", "campaign", "exposure_metric", "outcome_metric", "lag"),
    doc="Lagged correlation of exposure with an outcome: an association with honest intervals, not an effect.",
)

register(EXPOSURE_SERIES, EXPOSURE_OUTCOME, EXPOSURE_LAG)
