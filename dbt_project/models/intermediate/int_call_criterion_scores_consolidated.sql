-- One score per call and criterion of the cycle, by the score consolidation policy
-- (macro consolidated_scores).
with

calls as (
    select * from {{ ref('int_calls_enriched') }}
),

scores as (
    select * from {{ ref('stg_raw__scores') }}
)

{{ consolidated_scores('calls', 'scores') }}
