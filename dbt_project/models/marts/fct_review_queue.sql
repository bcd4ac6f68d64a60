-- Step 2 review queue: calls proposed for manual scoring, per rep and cycle. A random
-- sample stratified by ISO week: calls are shuffled within each week by md5(cycle, call)
-- (reproducible from the cycle key), then the queue takes each week's first call, then
-- each week's second, and so on, so the sample spreads across the quarter instead of
-- favouring the most recent calls.
with

calls as (
    select * from {{ ref('fct_call_scores') }}
    where cycle = {{ cycle_key() }}
),

human_scored as (
    select distinct call_id
    from {{ ref('stg_raw__scores') }}
    where scorer_kind = 'human'
),

shuffled as (
    select
        calls.rep_id,
        calls.call_id,
        calls.call_date,
        calls.started_at,
        {{ iso_week_key('calls.call_date') }} as iso_week,
        human_scored.call_id is not null as already_human_scored,
        row_number() over (
            partition by calls.rep_id, {{ iso_week_key('calls.call_date') }}
            order by md5({{ cycle_key() }} || '/' || calls.call_id)
        ) as position_in_week
    from calls
    left join human_scored on calls.call_id = human_scored.call_id
),

queued as (
    select
        *,
        row_number() over (
            partition by rep_id
            order by
                position_in_week,
                md5({{ cycle_key() }} || '/' || iso_week),
                call_id
        ) as queue_position
    from shuffled
)

select
    rep_id,
    {{ cycle_key() }} as cycle,
    call_id,
    cast(queue_position as bigint) as queue_position,
    iso_week,
    call_date,
    started_at,
    already_human_scored
from queued
where queue_position <= {{ var("review_queue_calls_per_rep") }}
