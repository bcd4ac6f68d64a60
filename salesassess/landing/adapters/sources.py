"""Which adapter reads which landing kind: the sources configuration.

A ``sources.yaml`` in the landing folder (or the file named by ``ASSESSMENT_SOURCES``)
maps landing kinds to a source, or a list of sources, each an adapter, the export's path
(a file, a folder or a glob; relative to the configuration file) and the adapter's
options::

    reps: {adapter: salesforce, path: exports/User.csv}
    opportunities: {adapter: hubspot, path: exports/hubspot/deals/, owners: owners.yaml}
    calls: {adapter: gong, path: exports/gong/calls/}
    utterances:
      - {adapter: gong, path: exports/gong/transcripts/, calls: exports/gong/calls/}
      - {adapter: webvtt, path: exports/zoom/*.vtt, speaker_roles: {Ana Silva: rep}}

A kind listed there is read from what its adapters translate (its canonical files in the
landing folder are not read); a kind not listed is read from the landing folder as before,
and without a configuration nothing changes. The translation is written as JSON Lines to
``ASSESSMENT_ADAPTED_DIR`` (default ``data/adapted``), one folder per kind and
fingerprint of the configuration and the exports (paths, sizes, modification times), so
every asset of a run reads the same translation and an unchanged export is translated
once. The landing then reads those files like any canonical file: the same rules,
quarantine, load log and Great Expectations checks.

Each export file gets its own verdict: a file that cannot be read at all (not JSON, a
missing column, an undecodable byte) is refused with its rule and left out, and the
source's other files are translated without it (:func:`translate_files`); the refusal is
kept in the translation log and in ``raw.adapter_log.refused``. A kind none of whose
files could be read, and a source whose configuration is wrong (an option, a path with
no export), fail its ingestion naming the file, the record and the rule.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import yaml

from salesassess.engines.warehouse import rollback
from salesassess.landing.adapters import gong, hubspot, persuasion, salesforce, transcripts
from salesassess.landing.adapters.base import AdapterError, Source
from salesassess.landing.contract import KINDS
from salesassess.platform.environment import PROJECT_ROOT, allowed_folders
from salesassess.platform.yaml_input import load_yaml_file

CONFIG_NAMES = ("sources.yaml", "sources.yml")
DEFAULT_ADAPTED_DIR = "data/adapted"

Adapter = Callable[[Source], Iterable[dict]]
ADAPTERS: dict[str, dict[str, Adapter]] = {
    "gong": gong.KINDS,
    "salesforce": salesforce.KINDS,
    "hubspot": hubspot.KINDS,
    "webvtt": {"utterances": transcripts.webvtt},
    "assemblyai": {"utterances": transcripts.assemblyai},
    "deepgram": {"utterances": transcripts.deepgram},
    "persuasion": persuasion.KINDS,
}
# the landing kinds some adapter writes, in the contract's order
ADAPTED_KINDS = tuple(kind for kind in KINDS if any(kind in kinds for kinds in ADAPTERS.values()))


def config_path(landing_dir: Path) -> Path | None:
    """``ASSESSMENT_SOURCES``, else ``sources.yaml`` in the landing folder, else None."""
    value = os.environ.get("ASSESSMENT_SOURCES")
    if value:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else PROJECT_ROOT / path
        if not path.is_file():
            raise AdapterError(path, "sources_file_present", "ASSESSMENT_SOURCES names no file")
        return path
    for name in CONFIG_NAMES:
        if (landing_dir / name).is_file():
            return landing_dir / name
    return None


def load_sources(config: Path) -> dict[str, list[Source]]:
    """Every configured kind and its sources, validated: kinds, adapters and paths."""
    try:
        document = load_yaml_file(config) or {}
    except yaml.YAMLError as error:
        raise AdapterError(config, "parsable_yaml", str(error)) from None
    if not isinstance(document, dict):
        raise AdapterError(config, "sources_mapping", "must map landing kinds to sources")
    result: dict[str, list[Source]] = {}
    for kind, entries in document.items():
        if kind not in ADAPTED_KINDS:
            raise AdapterError(
                config,
                "known_kind",
                f"{kind!r} is not a landing kind an adapter can write ({', '.join(ADAPTED_KINDS)})",
            )
        entries = entries if isinstance(entries, list) else [entries]
        result[kind] = [_source(config, kind, entry, n) for n, entry in enumerate(entries)]
    return result


def _source(config: Path, kind: str, entry: object, number: int) -> Source:
    where = f"{kind}[{number}]"
    if not isinstance(entry, dict):
        raise AdapterError(config, "source_mapping", "a source maps adapter, path, options", where)
    adapter = entry.get("adapter")
    if adapter not in ADAPTERS or kind not in ADAPTERS[adapter]:
        able = sorted(name for name, kinds in ADAPTERS.items() if kind in kinds)
        raise AdapterError(
            config,
            "known_adapter",
            f"adapter {adapter!r} cannot write {kind} (adapters for {kind}: {', '.join(able)})",
            where,
        )
    if not entry.get("path"):
        raise AdapterError(config, "required_field", "field 'path' is missing", where)
    path = Path(str(entry["path"])).expanduser()
    options = {key: value for key, value in entry.items() if key not in ("adapter", "path")}
    source = Source(
        kind=kind,
        adapter=adapter,
        path=path if path.is_absolute() else config.parent / path,
        options=options,
        base_dir=config.parent,
        config_file=str(config),
    )
    confine_paths(source, config, where)
    return source


def confine_paths(source: Source, config: Path, where: str) -> None:
    """Refuse a source whose export (or a path option: a text with a ``/`` or naming an
    existing file) resolves, links followed, outside the allowed folders: a sources file
    must not make the landing read ``../../etc/passwd``."""
    folders = allowed_folders(config.parent)
    candidates = [("path", source.path)] + [
        (name, source.option_path(name))
        for name, value in source.options.items()
        if isinstance(value, str) and ("/" in value or source.option_path(name).exists())
    ]
    for name, path in candidates:
        globbed = any(mark in path.name for mark in "*?[")
        real = (path.parent if globbed else path).resolve()
        if not any(real == folder or real.is_relative_to(folder) for folder in folders):
            raise AdapterError(
                config,
                "path_inside_landing",
                f"field {name!r} points outside the landing folder ({folders[0]}); "
                "an operator can allow other folders with ASSESSMENT_SOURCES_ALLOW",
                where,
            )


def translate(source: Source) -> list[dict]:
    """The canonical rows of one source, in export order."""
    return list(ADAPTERS[source.adapter][source.kind](source))


def translate_files(source: Source) -> tuple[list[dict], dict[str, AdapterError]]:
    """The canonical rows of the source's readable export files, and the error of each
    refused one. An export file the adapter cannot read is left out and the source is
    translated again without it, so no row of a refused file is written and the others
    keep what they read together (paginated files, managers' names). An error naming no
    export file (an option, the configuration) refuses the whole source: it is raised."""
    refused: dict[str, AdapterError] = {}
    while True:
        source.log.clear()
        try:
            return translate(replace(source, excluded=frozenset(refused))), refused
        except AdapterError as error:
            if error.file in refused or not source.holds(error.file):
                raise
            refused[error.file] = error


def refusal(error: AdapterError) -> dict:
    """A refused file's verdict as the translation log keeps it."""
    return {"rule": error.rule, "record": error.record, "message": error.message}


def refusal_error(file: str, verdict: dict) -> AdapterError:
    """The :class:`AdapterError` of a verdict kept by :func:`refusal`."""
    return AdapterError(file, verdict["rule"], verdict["message"], verdict["record"])


def translation_log(
    source: Source, rows: list[dict], refused: dict[str, AdapterError] | None = None
) -> list[dict]:
    """Per export file of ``source``: how it was read (encoding, table), the records read,
    skipped (by reason) and written, and the rows written; then each ``refused`` file
    (:func:`translate_files`) with its verdict (``refused``) and nothing written. Where the
    adapter counted the records it read, every record read is skipped or written (a record
    may give several rows, e.g. a cue with two voices): else the translation lost data and
    fails."""
    written: dict[str, set[str]] = {}
    row_counts: dict[str, int] = {}
    for item in rows:
        file = item["source_file"]
        written.setdefault(file, set()).add(item["source_record"])
        row_counts[file] = row_counts.get(file, 0) + 1
    entries = []
    for file in dict.fromkeys([*source.log, *written]):
        facts = source.log.get(file, {})
        entry = {
            "source_file": file,
            "encoding": facts.get("encoding"),
            "source_table": facts.get("table"),
            "records_read": facts.get("records_read") if file in source.log else None,
            "records_skipped": dict(sorted(facts.get("skipped", {}).items())),
            "records_written": len(written.get(file, ())),
            "rows_written": row_counts.get(file, 0),
            "refused": None,
        }
        read = entry["records_read"]
        skipped = sum(entry["records_skipped"].values())
        if read is not None and read != skipped + entry["records_written"]:
            raise AdapterError(
                file,
                "translation_reconciles",
                f"{read} records read but {entry['records_written']} written and {skipped} "
                "skipped: the adapter lost records",
            )
        entries.append(entry)
    for file, error in (refused or {}).items():
        entries.append(
            {
                "source_file": file,
                "encoding": None,
                "source_table": None,
                "records_read": None,
                "records_skipped": {},
                "records_written": 0,
                "rows_written": 0,
                "refused": refusal(error),
            }
        )
    return entries


def write_kind(kind: str, sources: list[Source], folder: Path) -> list[dict]:
    """Translate ``kind``'s sources into ``folder/<kind>/NN_<adapter>.jsonl``, each export
    file with its own verdict (:func:`translate_files`); the translation logs, in source
    order. A source that yields no row writes no file (the landing then says none was
    found). Beside each, ``NN_<adapter>.log.json`` holds its log: ``files``, the
    :func:`translation_log` with the refused files, and ``refused``, the verdict of a
    source refused as a whole (with ``refused_file``, the file its error names) or None."""
    logs = []
    (folder / kind).mkdir(parents=True, exist_ok=True)
    for number, source in enumerate(sources, start=1):
        path = folder / kind / f"{number:02d}_{source.adapter}.jsonl"
        log: dict = {"adapter": source.adapter, "landing_file": None, "refused": None}
        try:
            rows, refused = translate_files(source)
        except AdapterError as error:
            rows, refused = [], {}
            log.update(refused=refusal(error), refused_file=error.file)
        log["files"] = translation_log(source, rows, refused)
        if rows:
            log["landing_file"] = str(path)
            with path.open("w", encoding="utf-8") as handle:
                for item in rows:
                    handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        path.with_suffix(".log.json").write_text(json.dumps(log, ensure_ascii=False, indent=1))
        logs.append(log)
    return logs


def logs_at(folder: Path) -> list[dict]:
    """The translation logs written in ``folder`` (one kind's), in source order."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.log.json"))]


def _inputs(source: Source) -> list[Path]:
    """Every file the source may read: its export and the files its options name."""
    paths = [source.path] + [
        source.option_path(name)
        for name, value in source.options.items()
        if isinstance(value, str) and source.option_path(name).exists()
    ]
    files: list[Path] = []
    for path in paths:
        if any(mark in path.name for mark in "*?["):
            files += sorted(path.parent.glob(path.name))
        elif path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file())
        else:
            files.append(path)
    return files


def _fingerprint(config: Path, kind: str, sources: list[Source]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{config}\n{config.read_bytes()!r}\n{kind}\n".encode())
    for source in sources:
        for file in _inputs(source):
            stat = file.stat() if file.exists() else None
            state = (stat.st_size, stat.st_mtime_ns) if stat else None
            digest.update(f"{file}\t{state}\n".encode())
    return digest.hexdigest()[:20]


def adapted_dir() -> Path:
    value = os.environ.get("ASSESSMENT_ADAPTED_DIR") or DEFAULT_ADAPTED_DIR
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def adapted_files(landing_dir: Path, kind: str) -> list[Path] | None:
    """The files translated for ``kind`` when the sources configuration lists it, else
    None (read the landing folder). Translations are cached by fingerprint and published
    with an atomic rename, so concurrent assets never read a half-written file."""
    folder = _adapted_folder(landing_dir, kind)
    return None if folder is None else sorted(folder.glob("*.jsonl"))


def _adapted_folder(landing_dir: Path, kind: str) -> Path | None:
    config = config_path(landing_dir)
    if config is None:
        return None
    sources = load_sources(config).get(kind)
    if not sources:
        return None
    root = adapted_dir()
    target = root / f"{kind}-{_fingerprint(config, kind, sources)}"
    if not target.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root))
        try:
            unreadable(kind, write_kind(kind, sources, scratch))
            try:
                scratch.rename(target)
            except OSError:
                if not target.is_dir():  # not a concurrent twin's identical translation
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return target / kind


def unreadable(kind: str, logs: list[dict]) -> None:
    """Raise when ``kind`` cannot be read: a source refused as a whole (its own error), or
    every export file refused (the first one's error, naming how many were)."""
    for log in logs:
        if log["refused"]:
            raise refusal_error(log["refused_file"], log["refused"])
    entries = [entry for log in logs for entry in log["files"]]
    refused = [entry for entry in entries if entry["refused"]]
    if refused and len(refused) == len(entries):
        first = refusal_error(refused[0]["source_file"], refused[0]["refused"])
        if len(refused) > 1:
            first = AdapterError(
                first.file,
                first.rule,
                f"{first.message} (every export file of {kind} was refused: "
                f"{len(refused)} files, see the translation log)",
                first.record,
            )
        raise first


ADAPTER_LOG_DDL = (
    "cycle varchar, kind varchar, adapter varchar, landing_file varchar, source_file varchar, "
    "encoding varchar, source_table varchar, records_read bigint, records_skipped bigint, "
    "skipped_reasons varchar, records_written bigint, rows_written bigint, "
    "logged_at timestamptz, refused varchar"
)
ADAPTER_LOG_COLUMNS = (
    "cycle, kind, adapter, landing_file, source_file, encoding, source_table, records_read, "
    "records_skipped, skipped_reasons, records_written, rows_written, refused, logged_at"
)


def _refused_text(entry: dict) -> str | None:
    verdict = entry.get("refused")  # translations cached before per-file verdicts have none
    return str(refusal_error(entry["source_file"], verdict)) if verdict else None


def store_adapter_log(con, kind: str, cycle: str, landing_dir: Path) -> int:
    """Replace ``raw.adapter_log``'s rows of ``cycle`` and ``kind`` with the translation
    logs of the kind's sources (none when the kind is read from landing files); rows. A
    refused export file has a row with ``refused`` ("rule ...: message")."""
    con.execute(f"create table if not exists raw.adapter_log ({ADAPTER_LOG_DDL})")
    # a warehouse from before per-file verdicts
    con.execute("alter table raw.adapter_log add column if not exists refused varchar")
    folder = _adapted_folder(landing_dir, kind)
    rows = [
        (
            cycle,
            kind,
            log["adapter"],
            log["landing_file"],
            entry["source_file"],
            entry["encoding"],
            entry["source_table"],
            entry["records_read"],
            sum(entry["records_skipped"].values()),
            json.dumps(entry["records_skipped"]) if entry["records_skipped"] else None,
            entry["records_written"],
            entry["rows_written"],
            _refused_text(entry),
        )
        for log in (logs_at(folder) if folder else [])
        for entry in log["files"]
    ]
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from raw.adapter_log where cycle = $cycle and kind = $kind",
            {"cycle": cycle, "kind": kind},
        )
        if rows:
            con.executemany(
                f"insert into raw.adapter_log ({ADAPTER_LOG_COLUMNS}) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                rows,
            )
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
    return len(rows)
