"""The learned scorer's text features: hashed word and word-pair counts per call.

A token is a run of ASCII letters, digits, apostrophes and non-ASCII bytes, lower-cased;
tokens never cross utterances, and a word pair is two neighbouring tokens of one
utterance. Each token and pair is hashed into one of ``2**HASH_BITS`` columns, the rep's
words in the first block of columns and every other speaker's in the second; hashing needs
no vocabulary, so a call is read once. Each utterance also counts once in the column of its
fifth of the call (:data:`POSITIONS`, by seq order), in its speaker's block: who speaks
where in the call.

Speed: a quarter's transcripts are read from DuckDB in batches of whole calls (about
:data:`BATCH_BYTES` of text), in storage order when each call's utterances are stored
together in seq order (as the ingestion writes landing files), else sorted in buckets of
calls. A batch's bytes are classified in a few numpy passes, its tokens dictionary-encoded
by Arrow (so only the batch's distinct tokens are hashed), and its counts summed per
utterance and per call without sorting. Two batches are processed at a time (numpy, scipy
and Arrow release the GIL).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

T = TypeVar("T")
HASH_BITS = 18
WIDTH = 1 << HASH_BITS  # columns per speaker block
MAX_TOKEN_BYTES = 24  # a token's hash reads its length and its first 24 bytes
BATCH_BYTES = 16_000_000  # transcript text per tokenising batch
BUCKET_ROWS = 2_000_000  # utterances per sorted read
_P = np.uint64(1099511628211)  # FNV prime: the per-byte multiplier of a token's hash
_MIX = np.uint64(0x9E3779B97F4A7C15)
_PAIR = np.uint64(0xC2B2AE3D27D4EB4F)
POSITIONS = 5  # an utterance's fifth of its call is a feature of its own
_POSITION = (np.arange(1, POSITIONS + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)) ^ _PAIR
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[65:91] += 32
_WORD = np.zeros(256, dtype=bool)
_WORD[[*range(65, 91), *range(97, 123), *range(48, 58), 39, *range(128, 256)]] = True


@dataclass
class Batch:
    """Whole calls: their ids, raw term counts per call (calls x 2 * WIDTH) and per
    utterance (utterances x 2 * WIDTH, for evidence), and each utterance's seq and call row."""

    call_ids: list[str]
    counts: sp.csr_matrix
    utterance_seq: np.ndarray
    utterance_call: np.ndarray
    utterance_counts: sp.csr_matrix = field(repr=False)
    utterance_start_ms: np.ndarray | None = field(default=None, repr=False)
    utterance_text: pa.Array | None = field(default=None, repr=False)  # null where none


def _hash_tokens(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit hash per token (``data[offsets[i]:offsets[i + 1]]``): its length, then its
    first MAX_TOKEN_BYTES bytes, each multiplied in with the FNV prime."""
    starts = offsets[:-1]
    length = np.diff(offsets)
    h = length.astype(np.uint64)
    for k in range(MAX_TOKEN_BYTES):
        live = np.flatnonzero(length > k)
        if not len(live):
            break
        h[live] = h[live] * _P + data[starts[live] + k].astype(np.uint64)
    return h


def tokens(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per token of the concatenated utterances (``data``, utterance i in
    ``data[offsets[i]:offsets[i + 1]]``): (its utterance, its 64-bit hash), in order."""
    word = _WORD[data]
    # edge[i]: word[i] differs from word[i - 1], or an utterance begins at i
    edge = np.empty(len(data) + 1, dtype=bool)
    edge[0] = True
    edge[-1] = True
    np.not_equal(word[1:], word[:-1], out=edge[1:-1])
    edge[offsets[:-1]] = True  # an utterance begins here
    starts = np.flatnonzero(edge[:-1] & word)
    after = np.flatnonzero(edge[1:] & word) + 1  # one past each token's last byte
    compact_offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(after - starts, out=compact_offsets[1:])
    compact = _LOWER[data[word]]
    encoded = pc.dictionary_encode(
        pa.LargeBinaryArray.from_buffers(
            pa.large_binary(),
            len(starts),
            [None, pa.py_buffer(compact_offsets), pa.py_buffer(compact)],
        )
    )
    dictionary = encoded.dictionary
    dictionary_offsets = np.frombuffer(dictionary.buffers()[1], dtype=np.int64)
    dictionary_offsets = dictionary_offsets[: len(dictionary) + 1]
    dictionary_bytes = np.frombuffer(dictionary.buffers()[2], dtype=np.uint8)
    hashes = _hash_tokens(dictionary_bytes, dictionary_offsets)
    per_utterance = np.diff(np.searchsorted(starts, offsets))
    utterance = np.repeat(np.arange(len(offsets) - 1), per_utterance)
    return utterance, hashes[encoded.indices.to_numpy()]


def _columns(hashes: np.ndarray) -> np.ndarray:
    return ((hashes * _MIX) >> np.uint64(64 - HASH_BITS)).astype(np.int64)


def position_columns() -> np.ndarray:
    """The columns of the utterances' positions (every fifth, in both speakers' blocks)."""
    columns = _columns(_POSITION)
    return np.concatenate([columns, columns + WIDTH])


def batch(call_ids, utt_call, seq, role, data, offsets) -> Batch:
    """The Batch of whole calls from their utterances in call order: each utterance's call
    row, seq, role (0 = rep) and text bytes (``data``, ``offsets``)."""
    utterance, h = tokens(data, offsets)
    n_utterances, n_calls = len(utt_call), len(call_ids)
    same = np.flatnonzero(utterance[:-1] == utterance[1:])
    pair_utterance = utterance[same]
    block = np.where(role == 0, 0, WIDTH)
    word_column = _columns(h) + block[utterance]
    pair_column = _columns((h[same] * _PAIR + h[same + 1]) ^ _PAIR) + block[pair_utterance]
    # utterances x columns: each utterance's words, then its word pairs (a column may repeat)
    words = np.bincount(utterance, minlength=n_utterances)
    pairs = np.bincount(pair_utterance, minlength=n_utterances)
    indptr = np.zeros(n_utterances + 1, dtype=np.int64)
    np.cumsum(words + pairs + 1, out=indptr[1:])  # + its position's column
    word_at = indptr[utterance] + np.arange(len(utterance)) - (np.cumsum(words) - words)[utterance]
    pair_at = (
        indptr[pair_utterance]
        + words[pair_utterance]
        + np.arange(len(same))
        - (np.cumsum(pairs) - pairs)[pair_utterance]
    )
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    indices[word_at] = word_column
    indices[pair_at] = pair_column
    # the utterance's fifth of its call (by seq order), by speaker: where in the call who speaks
    first = np.searchsorted(utt_call, np.arange(n_calls))
    length = np.bincount(utt_call, minlength=n_calls)[utt_call]
    fifth = (np.arange(n_utterances) - first[utt_call]) * POSITIONS // np.maximum(length, 1)
    indices[indptr[1:] - 1] = _columns(_POSITION[fifth]) + block
    per_utterance = sp.csr_matrix(
        (np.ones(len(indices)), indices, indptr), shape=(n_utterances, 2 * WIDTH)
    )
    # calls x columns: the sum of each call's utterances (a call's utterances are contiguous)
    call_of = sp.csr_matrix(
        (
            np.ones(n_utterances),
            np.arange(n_utterances),
            np.searchsorted(utt_call, np.arange(n_calls + 1)),
        ),
        shape=(n_calls, n_utterances),
    )
    return Batch(call_ids, sp.csr_matrix(call_of @ per_utterance), seq, utt_call, per_utterance)


def transcript_batches(
    con: duckdb.DuckDBPyConnection,
    cycle: str,
    calls: list[str] | None = None,
    then: Callable[[Batch], T] | None = None,
) -> Iterator[Batch] | Iterator[T]:
    """The cycle's calls (or only ``calls``) in batches of whole calls, each call's
    utterances in seq order (the calls in no particular order); with ``then``, what it
    returns for each batch (run in the tokenising threads)."""
    where = "u.cycle = $cycle"
    params: dict = {"cycle": cycle}
    join = ""
    if calls is not None:
        con.execute("create or replace temp table _learned_wanted (call_id varchar)")
        con.executemany("insert into _learned_wanted values (?)", [(c,) for c in calls])
        join = "join _learned_wanted w on w.call_id = u.call_id"
    select = (
        "select u.call_id, u.seq, case when u.speaker_role = 'rep' then 0 else 1 end as role, "
        f"coalesce(u.text, '') as text, u.start_ms, u.text is null as no_text "
        f"from raw.utterances u {join} where {where}"
    )

    def readers() -> Iterator:
        if calls is None and stored_in_call_order(con, where, params):
            yield con.sql(select, params=params).to_arrow_reader(200_000)
            return
        ((rows,),) = con.execute(
            f"select count(*) from raw.utterances u {join} where {where}", params
        ).fetchall()
        # sorted in buckets of calls (by a hash of the id), so no sort holds the whole cycle
        buckets = max(1, -(-rows // BUCKET_ROWS))
        for bucket in range(buckets):
            yield con.sql(
                f"{select} and hash(u.call_id) % {buckets} = {bucket} order by u.call_id, u.seq",
                params=params,
            ).to_arrow_reader(200_000)

    def emit(table: pa.Table):
        made = _batch_of(table)
        return then(made) if then is not None else made

    # tokenising releases the GIL in numpy and Arrow: two batches at a time, yielded in order
    with ThreadPoolExecutor(max_workers=2) as pool:
        in_flight: deque = deque()
        for table in (t for reader in readers() for t in _whole_calls(reader)):
            in_flight.append(pool.submit(emit, table))
            if len(in_flight) == 2:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


def _batch_of(table: pa.Table) -> Batch:
    """The Batch of a table of whole calls' utterances (call_id, seq, role, text, start_ms,
    no_text)."""
    ids = table.column("call_id").combine_chunks()
    change = np.flatnonzero(_differs(ids)) + 1
    utt_call = np.zeros(len(ids), dtype=np.int64)
    utt_call[change] = 1
    utt_call = np.cumsum(utt_call)
    text = table.column("text").combine_chunks().cast(pa.large_string())
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[: len(text) + 1]
    raw = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    made = batch(
        ids.take(np.concatenate([[0], change])).to_pylist(),
        utt_call,
        table.column("seq").to_numpy(),
        table.column("role").to_numpy(),
        raw[offsets[0] : offsets[-1]],
        offsets - offsets[0],
    )
    made.utterance_start_ms = table.column("start_ms").to_numpy()
    made.utterance_text = pc.if_else(
        table.column("no_text").combine_chunks(), pa.scalar(None, pa.large_string()), text
    )
    return made


def _differs(values: pa.Array) -> np.ndarray:
    """Per neighbouring pair of ``values``: whether the second differs from the first."""
    if len(values) < 2:
        return np.zeros(0, dtype=bool)
    return pc.not_equal(values[1:], values[:-1]).to_numpy(zero_copy_only=False)


def stored_in_call_order(con: duckdb.DuckDBPyConnection, where: str, params: dict) -> bool:
    """Whether the table stores the utterances grouped by call and in seq order within each
    call (as the ingestion writes them): then the text streams in storage order, unsorted."""
    keys = con.sql(
        f"select u.call_id, u.seq from raw.utterances u where {where}", params=params
    ).to_arrow_table()
    ids = pc.dictionary_encode(keys.column("call_id").combine_chunks())
    index = ids.indices.to_numpy(zero_copy_only=False)
    same = index[1:] == index[:-1]
    seq = keys.column("seq").to_numpy()
    runs = len(index) - int(same.sum())
    return runs == len(ids.dictionary) and bool(np.all(seq[1:][same] > seq[:-1][same]))


def _whole_calls(reader) -> Iterator[pa.Table]:
    """Tables of about BATCH_BYTES of text, never splitting a call."""
    pending: pa.Table | None = None
    size = 0
    parts: list[pa.RecordBatch] = []
    for record in reader:
        parts.append(record)
        size += record.column("text").nbytes
        if size < BATCH_BYTES:
            continue
        table = pa.Table.from_batches(parts)
        if pending is not None:
            table = pa.concat_tables([pending, table])
        ids = table.column("call_id").combine_chunks()
        others = np.flatnonzero(pc.not_equal(ids, ids[-1]).to_numpy(zero_copy_only=False))
        keep = int(others[-1]) + 1 if len(others) else 0
        if keep > 0:
            yield table.slice(0, keep)
        pending, parts, size = table.slice(keep), [], 0
    tables = ([pending] if pending is not None else []) + (
        [pa.Table.from_batches(parts)] if parts else []
    )
    if tables:
        table = pa.concat_tables(tables)
        if len(table):
            yield table
