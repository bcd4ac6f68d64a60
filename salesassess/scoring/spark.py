"""The automated scorer on Spark: the same statements as on DuckDB, in the Spark dialect,
over the Parquet utterances of a partition label."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from salesassess.engines.spark import write_single_parquet
from salesassess.method.rubric import cycle_rubric_file
from salesassess.scoring.auto_scorer import OUTPUT_COLUMNS, SPARK, output_sql, scoring_sql
from salesassess.scoring.scorer_spec import load_scorer


def score_on_spark(
    spark, raw_dir: Path, label: str, before: date, landing: Path, *, signal_counts: bool = False
) -> dict[str, int]:
    """The automated scorer on Spark: the rubric's signals matched and its rules applied in
    Spark SQL (the same statements as on DuckDB, in the Spark dialect) over the Parquet
    utterances labelled ``label``, under the rubric in force before the day ``before``; the
    scores replace ``raw_dir/auto_scores/<label>.parquet``. With ``signal_counts``, each
    call's count per signal (the learned scorer's features) goes to
    ``raw_dir/_signal_counts/<label>.parquet``. Returns the calls and rows scored."""
    file = cycle_rubric_file(landing, before)
    spec = load_scorer(file) if file else None
    if spec is None or not spec.criteria:
        raise SystemExit(f"{file}: the rubric declares no automated scorer")
    source = "_auto_scorer_utterances"
    spark.read.parquet(str(raw_dir.resolve() / "utterances")).createOrReplaceTempView(source)
    args = {"cycle": label}
    views = []
    try:
        for name, sql in scoring_sql(spec, SPARK, source).items():
            view = f"_auto_scorer_{name}"
            spark.sql(sql, args=args).createOrReplaceTempView(view)
            spark.catalog.cacheTable(view)
            views.append(view)
        scores = spark.sql(
            output_sql(SPARK),
            args={**args, "scorer_id": spec.scorer_id, "rubric_version": spec.rubric_version},
        ).select(*(name for name, _ in OUTPUT_COLUMNS))
        written = write_single_parquet(scores, raw_dir / "auto_scores" / f"{label}.parquet")
        if signal_counts:
            counts = ", ".join(f"n{i}" for i in range(len(spec.signals))) or "0 as none"
            frame = spark.sql(f"select call_id, {counts} from _auto_scorer_wide")
            write_single_parquet(frame, raw_dir / "_signal_counts" / f"{label}.parquet")
        calls = spark.table("_auto_scorer_calls").count()
        rows = spark.read.parquet(str(written.resolve())).count()
    finally:
        for view in views:
            spark.catalog.uncacheTable(view)
            spark.catalog.dropTempView(view)
    return {"calls": calls, "rows": rows}
