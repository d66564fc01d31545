"""Each analysis area's table schemas, one module per area, beside the foundation tables of
:mod:`brandlab.schema`.

========== ======================================================================
compare    comparison_verdict, comparison_detail
triad      triad_scores, triad_evidence
outcomes   outcome_panel, policy_events, outcome_estimates, outcome_series,
           exposure_series, exposure_outcome, exposure_lags
survey     survey_respondents, survey_answers, survey_texts, survey_shares,
           survey_differences, survey_verdicts
network    graph_edges, cascade_nodes, cascade_metrics, cascade_growth, node_metrics,
           communities, role_mix, seeding
nlp        post_text, post_tags, keywords, author_generation, audience_generation,
           trait_shares, dimension_shares, post_sentiment, sentiment_aggregates
========== ======================================================================

An area module declares its tables with the machinery of :mod:`brandlab.schema` and registers
them there. :mod:`brandlab.schema` imports every area module at its end (so one import registers
every table and ``from brandlab.schema import X`` keeps working); the import below makes that
hold whichever module is imported first: ``import brandlab.tables.network`` loads
:mod:`brandlab.schema` before any area module runs.
"""

import brandlab.schema  # noqa: F401  (see above: the machinery first, then every area in order)
