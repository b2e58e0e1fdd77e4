/*
 * sluice_plugin.h — the one header a Sluice plugin needs.
 *
 * A plugin is a shared library that exports one symbol, sluice_plugin_entry_v1,
 * and carries an ELF note (section ".note.sluice") describing itself. The host
 * reads the note with libelf *before* dlopen, so a plugin it cannot run is
 * refused without any of its code (constructors included) being executed.
 * SLUICE_PLUGIN(...) below emits both.
 *
 * Versioning (after CLAP and SQLite):
 *   - The major ABI version is part of the entry symbol's name. A host speaks
 *     exactly one major; a change that breaks old plugins bumps it.
 *   - Minor versions only add: every struct begins with its own size
 *     (struct_size) and grows only at its end, so a newer host reads an older
 *     plugin's struct and an older plugin ignores fields it does not know.
 *     Read a field only if struct_size covers it (SLUICE_HAS_FIELD).
 *
 * Memory: nothing allocated on one side is freed on the other. The host owns
 * every batch and every string it passes in; they are valid only for the
 * duration of the call. A plugin produces output by copying it into the host
 * through host->emit, and reports errors into host-provided buffers.
 *
 * Records are BSON documents (the format of libbson and MongoDB). A batch is
 * one contiguous buffer holding N documents back to back, plus an array of
 * per-record metadata (event time, key, delivery token) and, from 1.6, the
 * texts some records were decoded from (sluice_batch.text_data).
 *
 * Threading: unless a component's descriptor sets SLUICE_COMPONENT_THREAD_SAFE,
 * the host calls one instance from one thread at a time (not always the same
 * thread). Each function below is tagged:
 *   [any-thread]     callable from any thread, at any time the instance exists;
 *   [call-thread]    only inside the host's call that passed the context
 *                    (poll, process, tick, write, flush), on its thread;
 *   [instance-thread] called by the host, one call at a time per instance.
 *
 * ABI history:
 *   1.0  sources, processors, sinks; emit, fail, forward; metrics; ack.
 *   1.1  input ports (sluice_batch.input_port, sluice_host_api.inputs),
 *        named outputs (sluice_component_descriptor.outputs,
 *        sluice_emit_options.output), held deliveries (host->hold,
 *        host->release, sluice_emit_options.holds), a per-instance state
 *        directory (sluice_host_api.state_dir). A 1.1 host runs every 1.0
 *        plugin unchanged; a 1.1 plugin checks host->abi_minor (or
 *        SLUICE_HAS_FIELD on host->struct_size) before using a 1.1 field.
 *   1.2  sluice_component_descriptor.check: `sluice validate` asks a
 *        component about its config (files, schemas, patterns, templates)
 *        without creating it. Only the descriptor grows; an older host
 *        ignores the field, and a plugin without it is checked by schema.
 *        Metric names may carry Prometheus labels,
 *        `consumer_lag_records{topic="t",partition="3"}`; a 1.1 host
 *        refuses such a name (host->metric returns NULL), so a plugin
 *        checks host->abi_minor >= 2 first.
 *   1.3  source splits and their revocation, for state kept per Kafka
 *        partition: sluice_emit_options.split (sources say which split a
 *        record was read from), sluice_record_meta.split (processors read
 *        it; present when batch->meta_stride covers it), host->revoke_splits
 *        (a source lost splits in a rebalance) and the control batch that
 *        tells processors (sluice_batch.revoked_splits). And
 *        sluice_host_api.output_wired: whether each output has a reader.
 *        A 1.3 host sends control batches only to plugins built against
 *        1.3 or later.
 *   1.4  sinks with writes in flight: host->hold inside a sink's write
 *        marks a record sent but not yet confirmed, and
 *        host->release_failed ends such a hold with a failure. A sink that
 *        pipelines (a Kafka producer) returns from write without waiting
 *        for its acknowledgements; the host acks the sources once the holds
 *        end. A 1.4 host hands older sinks no holds (they never asked).
 *   1.5  sources that split their input (SLUICE_COMPONENT_SPLITS_INPUT,
 *        sluice_host_api.worker_index, worker_count).
 *   1.6  source text: a source hands the text a record was decoded from
 *        (sluice_emit_options.text, text_length, text_format), the host
 *        keeps it while no processor changes the record, and a sink that
 *        writes the same format writes that text instead of encoding the
 *        document again (sluice_batch.text_data, text_data_length;
 *        sluice_record_meta.text_offset, text_length, text_format; the
 *        stride grows to 56; SLUICE_COMPONENT_READS_TEXT marks the sinks
 *        that use it, and the host keeps texts only on their way). A record
 *        without text has text_length 0. Also host->release_many, many
 *        holds ended in one call.
 *   1.7  host->stopping answers 2 rather than 1 when the inputs were cut
 *        short (SIGINT, SIGTERM, --duration, --max-records used up), so a
 *        processor's last tick tells a run cut short from inputs that
 *        ended. Older plugins test for non-zero and see no change. No
 *        struct changes.
 *   1.8  Each record's text in sluice_batch.text_data is followed by a line
 *        feed, so the texts of records stored one after another are JSON
 *        lines as they lie: a sink may write them in one piece. No struct
 *        changes.
 */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** ABI major: part of the entry symbol's name. */
#define SLUICE_ABI_MAJOR 1
/** ABI minor: additions that keep every older plugin working. */
#define SLUICE_ABI_MINOR 8

/** True when a struct of reported size `size` contains `field`. */
#define SLUICE_HAS_FIELD(type, size, field) \
    ((size_t)(size) >= offsetof(type, field) + sizeof(((type *)0)->field))

/** Event time value meaning "unknown". */
#define SLUICE_NO_EVENT_TIME INT64_MIN

/** Split value meaning "not read from a split" (ABI 1.3). */
#define SLUICE_NO_SPLIT UINT32_MAX

/**
 * What a record's source text is (ABI 1.6; sluice_emit_options.text_format,
 * sluice_record_meta.text_format). Plain constants, not an enum, so that the
 * fields holding them keep one size in every compiler.
 */
/** The record has no source text. */
#define SLUICE_TEXT_NONE 0u
/**
 * One JSON object in UTF-8 (RFC 8259), no whitespace before or after it and
 * no line feed (0x0A) in it, so it is one NDJSON line, that decodes to exactly the record's document (Relaxed
 * Extended JSON wrappers such as {"$date": ...} included). A sink writing
 * JSON may write it as it is: it is what the source read.
 */
#define SLUICE_TEXT_JSON 1u

/** Result of every call that can fail. */
typedef enum sluice_status {
    /** Done. */
    SLUICE_OK = 0,
    /** Transient failure (network, server busy): the host backs off and retries. */
    SLUICE_RETRIABLE = 1,
    /** Failure that retrying will not fix (bad data, rejected by server). */
    SLUICE_PERMANENT = 2,
    /** The configuration is invalid; only returned by create. */
    SLUICE_CONFIG_ERROR = 3,
    /** A finite source has emitted everything it has; only returned by poll. */
    SLUICE_END = 4
} sluice_status;

/** The role of a component in the pipeline graph. */
typedef enum sluice_component_kind {
    SLUICE_SOURCE = 1,
    SLUICE_PROCESSOR = 2,
    SLUICE_SINK = 3
} sluice_component_kind;

/** Severity of a log line sent through host->log. */
typedef enum sluice_log_level {
    SLUICE_LOG_TRACE = 0,
    SLUICE_LOG_DEBUG = 1,
    SLUICE_LOG_INFO = 2,
    SLUICE_LOG_WARNING = 3,
    SLUICE_LOG_ERROR = 4
} sluice_log_level;

/** Kind of a metric registered through host->metric. */
typedef enum sluice_metric_kind {
    /** Monotonic total; metric_record adds the value. */
    SLUICE_METRIC_COUNTER = 1,
    /** Current level; metric_record sets the value. */
    SLUICE_METRIC_GAUGE = 2,
    /** Distribution; metric_record observes the value. */
    SLUICE_METRIC_HISTOGRAM = 3
} sluice_metric_kind;

/**
 * Metadata of one record in a batch. Index the array with batch->meta_stride,
 * not sizeof(sluice_record_meta): a newer host may append fields.
 */
typedef struct sluice_record_meta {
    /** Byte offset of the record's BSON document in batch->data. */
    uint32_t offset;
    /** Length of the document in bytes (equal to its BSON length prefix). */
    uint32_t length;
    /** Event time in milliseconds since the Unix epoch, or SLUICE_NO_EVENT_TIME. */
    int64_t event_time_ms;
    /** Partitioning / idempotency key; NULL when absent. Borrowed, like the batch. */
    const uint8_t *key;
    /** Length of key in bytes. */
    uint32_t key_length;
    /** Reserved; zero. */
    uint32_t reserved;

    /* ---- ABI 1.3: read only when batch->meta_stride covers the field ---- */

    /**
     * The source split the record (or the input it was made from) was read
     * from, or SLUICE_NO_SPLIT. kafka.read: the partition number, the same
     * for every topic it reads, so partition p of co-partitioned topics
     * (same partition count, same key partitioner) is one split. State kept
     * per split can be dropped when the split is revoked (see
     * sluice_batch.revoked_splits).
     */
    uint32_t split;
    /** Reserved; zero. */
    uint32_t reserved_1_3;

    /* ---- ABI 1.6: read only when batch->meta_stride covers the field ---- */

    /**
     * Byte offset of the record's source text in batch->text_data (see
     * SLUICE_TEXT_JSON): the text the source decoded the record from, kept
     * by the host while the record passes processors unchanged (forwarded,
     * or emitted as the very bytes of the input record). Meaningful only
     * when text_length is non-zero. Lifetime as the batch's data: valid
     * only inside the call that passed the batch; copy what must outlive it.
     */
    uint32_t text_offset;
    /** Length of the source text in bytes; 0 when the record has none. */
    uint32_t text_length;
    /** SLUICE_TEXT_* of the text; SLUICE_TEXT_NONE when text_length is 0. */
    uint32_t text_format;
    /** Reserved; zero. */
    uint32_t reserved_1_6;
} sluice_record_meta;

/**
 * A batch of records, owned by the host and borrowed by the plugin for the
 * length of one call. Never keep pointers into it after the call returns:
 * copy what must outlive the call.
 */
typedef struct sluice_batch {
    /** sizeof(sluice_batch) as the host was built. */
    uint32_t struct_size;
    /** Distance in bytes between consecutive entries of meta. */
    uint32_t meta_stride;
    /** Number of records. */
    size_t count;
    /**
     * The documents, back to back. Read-only: the host shares one buffer
     * with every consumer of a fan-out, and (ABI 1.6) an emit of a record's
     * own bytes means "this record, unchanged" (input_index below), so a
     * plugin that wrote into them would change what other components read
     * and what sinks write as the record's source text.
     */
    const uint8_t *data;
    /** Total bytes in data. */
    size_t data_length;
    /** count entries of per-record metadata, meta_stride bytes apart. */
    const sluice_record_meta *meta;

    /* ---- ABI 1.1 ---- */

    /**
     * Processors: which input the batch came from, as an index into the
     * component's `inputs:` list in the manifest (and into host->inputs).
     * Always 0 for a component with one input.
     */
    uint32_t input_port;
    /** Reserved; zero. */
    uint32_t reserved_1_1;

    /* ---- ABI 1.3 ---- */

    /**
     * Processors: a control batch (count 0) when non-NULL. The source behind
     * input `input_port` stopped reading these splits (a Kafka rebalance
     * gave the partitions to another consumer, which replays them from the
     * last committed offset). Records of those splits that arrived before
     * this batch were read under the old assignment: drop what is kept for
     * them without emitting results that assume the split is complete (outer
     * rows, window results) and release their holds, so the new owner's
     * replay is the only copy that produces output. Records of the splits
     * that arrive after this batch come from a new assignment.
     * Sent only to plugins built against ABI 1.3 or later; the host passes
     * the revocation on to the processor's consumers itself.
     */
    const uint32_t *revoked_splits;
    /** Number of entries in revoked_splits. */
    size_t revoked_count;

    /* ---- ABI 1.6 ---- */

    /**
     * The records' source texts (sluice_record_meta.text_offset and
     * text_length index it), owned by the host and borrowed for the call
     * like data: never written, never kept past the call (copy what must
     * outlive it, e.g. into a producer's queue). NULL when no record of the
     * batch has text. A sink that
     * writes what a text's format says (SLUICE_TEXT_JSON: a JSON sink) may
     * write a record's text instead of encoding its document; the text is
     * present only while no processor changed the record. From 1.8 each
     * text is followed by a line feed (0x0A) that text_length does not
     * count (SLUICE_TEXT_JSON texts hold none), so where one record's
     * text_offset is the previous one's end plus one, the two are JSON
     * lines as they lie. Rely on it only when host->abi_minor >= 8: an
     * older host packs its texts with nothing between them.
     */
    const uint8_t *text_data;
    /** Total bytes in text_data. */
    size_t text_data_length;
} sluice_batch;

/**
 * A held delivery (ABI 1.1): a processor's claim that it keeps an input
 * record in its state, so the source batch the record came from must not be
 * acked yet. Opaque; created by host->hold, ended by host->release.
 */
typedef struct sluice_hold sluice_hold;

/** Options of one emitted record. Zero-initialise, then set what applies. */
typedef struct sluice_emit_options {
    /** sizeof(sluice_emit_options) as the plugin was built. */
    uint32_t struct_size;
    /** Reserved; zero. */
    uint32_t reserved;
    /** Event time (ms since epoch) or SLUICE_NO_EVENT_TIME (the default when 0 is wanted: set it). */
    int64_t event_time_ms;
    /** Key bytes, copied by the host; NULL for none. */
    const uint8_t *key;
    /** Length of key. */
    uint32_t key_length;
    /**
     * Processors: index in the input batch of the record this output derives
     * from, or -1 for none (e.g. a record produced by tick). Used to carry the
     * input's key and event time when those are not set here. An emit whose
     * document is that input record's own bytes in the batch (the very
     * pointer and length) passes the record on unchanged (ABI 1.6): the
     * host does not check it again and it keeps its source text (see text).
     */
    int32_t input_index;
    /**
     * Sources: an opaque position (offset, line number, request id) handed
     * back through ack once every sink has durably written the record.
     */
    uint64_t token;

    /* ---- ABI 1.1 ---- */

    /**
     * Which output the record goes to: 0 for the default output, i for
     * descriptor->outputs[i - 1]. The manifest wires output `name` of
     * component `c` as `inputs: [c.name]`. An index out of range makes emit
     * return -1 and emit nothing.
     */
    uint32_t output;
    /** Number of entries in holds. */
    uint32_t hold_count;
    /**
     * Processors: holds (from host->hold) of the records this output was made
     * from, e.g. both sides of a joined pair. The sources' acks of those
     * records then also wait until this output is written by every sink it
     * reaches, or dead-lettered. Attaching does not end a hold: the plugin
     * still releases each hold once, when the record leaves its state
     * (typically right after its last emit). NULL when hold_count is 0.
     */
    sluice_hold *const *holds;

    /* ---- ABI 1.3 ---- */

    /**
     * Sources: the split the record was read from (kafka.read: the
     * partition number). Read only when has_split is non-zero. Processors
     * leave both at zero: an output with input_index inherits that input's
     * split, as it inherits its key and event time.
     */
    uint32_t split;
    /** Non-zero when split is set. */
    uint32_t has_split;

    /* ---- ABI 1.6 ---- */

    /**
     * The text the record was decoded from, in the format text_format says
     * (SLUICE_TEXT_JSON: one JSON object without surrounding whitespace that
     * decodes to exactly `bson`); NULL for none. The host copies it during
     * emit, on the calling thread, so the plugin may reuse its buffer as
     * soon as emit returns (a line buffer, a consumer's message). Set it
     * only when the decoding was faithful: not for text that was repaired
     * (invalid UTF-8 replaced) or otherwise changed on the way to BSON.
     * Read inside a source's poll only; a sink writing that format may then
     * write the text instead of encoding the document. The host does not
     * parse the text to compare it with the document (that is the source's
     * promise), but it drops a SLUICE_TEXT_JSON text that is not framed as
     * one object on one line (first byte '{', last '}', no LF byte), and it
     * keeps none when no sink with SLUICE_COMPONENT_READS_TEXT reads what
     * the source emits, directly or through processors. Ignored in process
     * and tick, where the host decides: an output that is an input record
     * unchanged (host->forward, or emit of that record's own bytes, the very
     * pointer and length in the batch, with input_index set) keeps the
     * input's text, and any other output has none. Ignored by hosts older
     * than 1.6.
     */
    const uint8_t *text;
    /** Length of text in bytes; 0 for none. */
    uint32_t text_length;
    /** SLUICE_TEXT_* of text; ignored when text is NULL. */
    uint32_t text_format;
} sluice_emit_options;

/** How a record failed. */
typedef enum sluice_failure_kind {
    /** Retry this record later with backoff (e.g. HTTP 429 on one bulk item). */
    SLUICE_FAILURE_RETRIABLE = 1,
    /** Never retry: send the record to the dead-letter queue with the reason. */
    SLUICE_FAILURE_PERMANENT = 2
} sluice_failure_kind;

/** Per-call context: where output and per-record failures go. Valid for one call. */
typedef struct sluice_context sluice_context;

/** A metric handle returned by host->metric; valid until the instance is destroyed. */
typedef struct sluice_metric sluice_metric;

/**
 * The host's services, passed to create: one table per instance. The table,
 * host_data and every string it points to stay valid until destroy returns.
 */
typedef struct sluice_host_api {
    /** sizeof(sluice_host_api) as the host was built. */
    uint32_t struct_size;
    /** SLUICE_ABI_MAJOR of the host. */
    uint16_t abi_major;
    /** SLUICE_ABI_MINOR of the host. */
    uint16_t abi_minor;
    /** Opaque: the instance's identity inside the host; pass it back unchanged. */
    void *host_data;

    /** [any-thread] Writes a log line attributed to this component instance. msg is copied. */
    void (*log)(void *host_data, sluice_log_level level, const char *msg);

    /** [any-thread] Monotonic clock in nanoseconds (for timeouts and rates). */
    uint64_t (*monotonic_ns)(void *host_data);

    /** [any-thread] Wall clock in milliseconds since the Unix epoch (for event time). */
    int64_t (*wall_ms)(void *host_data);

    /**
     * [any-thread] Registers (or finds) a metric named `name` (Prometheus style, e.g.
     * "requests_total"). The host exposes it as sluice_<plugin>_<name> with the
     * labels pipeline and component. Since 1.2 the name may end with more
     * labels in the exposition format's syntax, `lag{topic="t",partition="3"}`
     * (values escape \\, \" and \n; pipeline, component, le and quantile are
     * the host's). Returns NULL if the name is invalid or already registered
     * with another kind. `help` may be NULL; the first help given for a name wins.
     */
    sluice_metric *(*metric)(void *host_data, sluice_metric_kind kind, const char *name, const char *help);

    /** [any-thread] Adds to a counter, sets a gauge, or observes a histogram value. */
    void (*metric_record)(sluice_metric *metric, double value);

    /**
     * [call-thread] Emits one output record: `bson` is a complete BSON
     * document of `length` bytes, copied by the host. `options` may be NULL.
     * Returns 0, or -1 if the document is malformed or an option is invalid
     * (an unknown output, a NULL hold); then nothing is emitted. Only valid
     * inside poll, process, tick.
     */
    int (*emit)(sluice_context *ctx, const uint8_t *bson, size_t length, const sluice_emit_options *options);

    /**
     * [call-thread] Reports that input record `index` of the current batch failed. Only
     * valid inside process and write. reason is copied. A record reported
     * twice keeps the last report, except that a retriable report never
     * replaces a permanent one (hosts from 1.7 on, whatever the plugin's
     * minor; an older host keeps the last report, so a plugin that fails a
     * whole call retriably after failing some records for good reports the
     * permanent ones last, or not again).
     */
    void (*fail)(sluice_context *ctx, size_t index, sluice_failure_kind kind, const char *reason);

    /**
     * [any-thread] Sources and sinks: non-zero once the host is draining (a
     * long poll should return early). Processors (1.1): non-zero only during
     * the last tick, after every input has ended; a SIGTERM drain still
     * delivers their inputs first. The value (1.7): 2 when the inputs were
     * cut short (SIGINT, SIGTERM, --duration, --max-records used up: the
     * sources keep their positions), 1 when they ended by themselves; a
     * processor that leaves its state for a restart to replay does so only
     * on 2, and at a real end emits what it holds.
     */
    int (*stopping)(void *host_data);

    /**
     * [call-thread] Passes input record `index` of the current batch on unchanged (bytes,
     * key, event time). Cheaper than emit: a filter that forwards its input
     * shares the host's buffer instead of copying it. Only valid inside
     * process. Returns 0, or -1 for an index out of range.
     */
    int (*forward)(sluice_context *ctx, size_t index);

    /* ---- ABI 1.1 ---- */

    /**
     * [call-thread] Holds input record `index` of the current batch: the ack
     * of the source batch it came from waits until the hold is released, and
     * then until every output the hold was attached to (emit option holds)
     * is written or dead-lettered. Only valid inside process (and, 1.4, a
     * sink's write, below). Returns NULL
     * for an index out of range. Calling it twice for one record gives two
     * holds, each to be released.
     *
     * Sinks (1.4), inside write: holds record `index` as in flight (sent,
     * its outcome not known yet), so write can return SLUICE_OK before it is
     * durable and the host goes on with the next batch while it travels.
     * The record counts as written when the hold is ended with release, and
     * as failed when it is ended with release_failed (from any thread, e.g.
     * a client library's delivery callback). flush must not return SLUICE_OK
     * while a hold taken before it is still open. Returns NULL when the host
     * wants this write to be synchronous (a disk-buffered or isolated sink,
     * a host older than 1.4): the sink then waits for the outcome inside
     * write, as a 1.0 sink does. A write that returns other than SLUICE_OK
     * is retried whole; the outcome of holds it took is then ignored, but
     * each must still be ended.
     *
     * Ownership: the hold belongs to the plugin until it passes it to
     * release (or, a sink's, release_failed), exactly once. Holds still unreleased when destroy returns are
     * abandoned: their source batches are never acked, so after a restart the
     * source replays what was in state (a Kafka offset is never committed
     * past a held record). Nothing else is lost: a drained pipeline has given
     * every processor a last tick (see sluice_processor_vtable.tick) to emit
     * what it can.
     */
    sluice_hold *(*hold)(sluice_context *ctx, size_t index);

    /**
     * [any-thread] Ends a hold: the record left the plugin's state, with or
     * without output. A held record evicted without output is acked once
     * nothing else waits on its batch (it was consumed on purpose).
     */
    void (*release)(void *host_data, sluice_hold *hold);

    /**
     * This instance's own directory for state that must survive a restart
     * (`engine.state_dir`/component name), created before create is called.
     * Write snapshots atomically (write a temporary file, then rename).
     * Processors and sources (a source's read position, such as file.read's
     * checkpoint); NULL for sinks, which keep their state in the server.
     * Hosts before 1.4 gave it to processors only.
     */
    const char *state_dir;

    /** Number of entries in inputs. */
    size_t input_count;
    /**
     * The names in the instance's `inputs:` list, in manifest order, as
     * written (`forecast.alerts` for a named output). input_port indexes it.
     */
    const char *const *inputs;

    /* ---- ABI 1.3 ---- */

    /**
     * [call-thread] Sources, inside poll: the source stopped reading
     * `splits` (a rebalance revoked the partitions). Records emitted before
     * this call were read under the old assignment; the host sends them on,
     * then a control batch naming the splits to every processor downstream
     * (sluice_batch.revoked_splits), in order. `splits` is copied.
     */
    void (*revoke_splits)(sluice_context *ctx, const uint32_t *splits, size_t count);

    /**
     * Processors: 1 + descriptor->output_count entries; entry 0 is the
     * default output, entry i is descriptor->outputs[i - 1]. Non-zero when
     * the manifest wires that output to at least one consumer. A record
     * emitted to an output nobody reads is written nowhere and acked, so a
     * plugin with an optional output (a join's `late`) sends those records
     * to the dead-letter queue (host->fail) instead when it is not wired.
     * NULL for sources and sinks.
     */
    const uint8_t *output_wired;

    /* ---- ABI 1.4 ---- */

    /**
     * [any-thread] Sinks: ends a hold taken inside write (see hold) for a
     * record that was not written. SLUICE_FAILURE_RETRIABLE: the host writes
     * it again after a backoff, counted against the component's `retry:`
     * attempts; SLUICE_FAILURE_PERMANENT: it goes to the dead-letter queue
     * with `reason` (copied). A held record that was written is ended with
     * release. Exactly one of the two per hold.
     */
    void (*release_failed)(void *host_data, sluice_hold *hold, sluice_failure_kind kind, const char *reason);

    /* ---- ABI 1.5 ---- */

    /**
     * [any-thread] This instance's index among the component's `workers: N`
     * instances, 0 ..< worker_count; 0 when it runs alone. Constant for the
     * instance's life. A source with SLUICE_COMPONENT_SPLITS_INPUT reads
     * part worker_index of worker_count of its input; the others read the
     * rest. Also set in the table `check` gets (index 0), so a check can
     * refuse a config that cannot be split.
     */
    uint32_t worker_index;
    /** [any-thread] How many instances the component runs (`workers:`), at least 1. */
    uint32_t worker_count;

    /* ---- ABI 1.6 ---- */

    /**
     * [any-thread] Ends the `count` holds of `holds`, in order, as a call
     * of release for each would (the same rules: each hold is ended exactly
     * once; one that is not live is logged and skipped, the others still
     * end), for less: the host takes its lock once, where a join that
     * evicts a run of rows took it per row. `holds` is read during the call only.
     */
    void (*release_many)(void *host_data, sluice_hold *const *holds, size_t count);
} sluice_host_api;

/**
 * Source: produces records. poll emits up to max_records records through
 * host->emit and returns within about timeout_ms (it may return earlier with
 * fewer, or none). Return SLUICE_END when a finite input is exhausted,
 * SLUICE_RETRIABLE to have the host back off before the next poll.
 */
typedef struct sluice_source_vtable {
    /** sizeof(sluice_source_vtable) as the plugin was built; must cover poll. */
    uint32_t struct_size;
    /** [instance-thread] */
    sluice_status (*poll)(void *state, sluice_context *ctx, uint32_t max_records, uint32_t timeout_ms);
    /**
     * [instance-thread] The records emitted with these tokens were written by every sink they
     * reach (or dead-lettered). Commit positions here. Tokens of one poll are
     * acked together; batches may be acked out of order. May be NULL.
     */
    void (*ack)(void *state, const uint64_t *tokens, size_t count);
} sluice_source_vtable;

/**
 * Processor: transforms records. process reads the batch and emits output
 * through host->emit, reporting bad input through host->fail. An input record
 * that is neither emitted from nor failed is filtered out on purpose.
 */
typedef struct sluice_processor_vtable {
    /** sizeof(sluice_processor_vtable) as the plugin was built; must cover process. */
    uint32_t struct_size;
    /** [instance-thread] batch->input_port says which input the batch came from (1.1). */
    sluice_status (*process)(void *state, const sluice_batch *batch, sluice_context *ctx);
    /**
     * [instance-thread] Called about every tick interval to close windows and
     * time out state, and once more when the processor's inputs have all
     * ended (drain): host->stopping is then non-zero and no process follows,
     * so a stateful processor emits what it can (outer rows, a snapshot) and
     * releases the holds it is done with. May be NULL.
     */
    sluice_status (*tick)(void *state, int64_t now_ms, sluice_context *ctx);
} sluice_processor_vtable;

/**
 * Sink: writes records to the outside world. On SLUICE_OK, every record not
 * reported through host->fail, nor held as in flight (1.4, see hold), is durably written. SLUICE_RETRIABLE retries the
 * whole batch after a backoff; per-record SLUICE_FAILURE_RETRIABLE retries
 * only those records.
 */
typedef struct sluice_sink_vtable {
    /** sizeof(sluice_sink_vtable) as the plugin was built; must cover write. */
    uint32_t struct_size;
    /** [instance-thread] */
    sluice_status (*write)(void *state, const sluice_batch *batch, sluice_context *ctx);
    /**
     * [instance-thread] Pushes buffered writes out; called on idle and before
     * destroy. A sink with writes in flight (1.4) ends every hold it took
     * before returning SLUICE_OK. May be NULL.
     */
    sluice_status (*flush)(void *state, sluice_context *ctx);
} sluice_sink_vtable;

/** Component flag: instances may be called from several threads at once. */
#define SLUICE_COMPONENT_THREAD_SAFE 0x1u
/**
 * Component flag: an instance keeps state per record key or per source
 * split (a join window, a model per series). When the manifest runs the
 * component with `workers: N`, the host then spreads records by split (when
 * a record has one) or by a hash of its key, so every record of a key or a
 * split reaches the same instance, in order; without the flag it spreads
 * whole batches round-robin. A flag bit, not a struct field: a host that
 * does not know it ignores it (and runs one instance per component).
 */
#define SLUICE_COMPONENT_KEYED_STATE 0x2u
/**
 * Component flag (sources, ABI 1.5): the source can split its input, so a
 * manifest may run it with `workers: N`. Each of the N instances reads the
 * part host->worker_index of host->worker_count (a byte range of a file, a
 * share of partitions) and keeps its own read position in its own
 * state_dir; the host merges their records into one stream and acks each
 * batch to the instance that emitted it. An instance given a config that
 * cannot be split (stdin, a followed file) fails create (and check) with
 * SLUICE_CONFIG_ERROR when worker_count > 1. Without the flag, `workers:`
 * above 1 on the source is a manifest error.
 */
#define SLUICE_COMPONENT_SPLITS_INPUT 0x4u
/**
 * Component flag (sinks, ABI 1.6): the sink may write a record's source
 * text (sluice_record_meta.text_offset, text_length, text_format) instead
 * of encoding its document. The host keeps the texts a source hands it
 * only when such a sink reads that source's records, directly or through
 * processors, and not behind a disk buffer or process isolation (which
 * carry no texts); otherwise it drops them at emit and saves their copy and
 * memory. Without the flag a sink may still find texts in a batch that
 * another sink of the same source asked for.
 */
#define SLUICE_COMPONENT_READS_TEXT 0x8u

/** One component (a source, processor or sink) a plugin provides. */
typedef struct sluice_component_descriptor {
    /** sizeof(sluice_component_descriptor) as the plugin was built. */
    uint32_t struct_size;
    /** Source, processor or sink; selects which vtable below is set. */
    sluice_component_kind kind;
    /** Name used in manifests as `plugin.component`; [a-z0-9_-]+. */
    const char *name;
    /** One line for `sluice plugins list`. */
    const char *description;
    /** JSON Schema (draft 2020-12) of the config object; NULL accepts any object. */
    const char *config_schema;
    /** SLUICE_COMPONENT_* flags. */
    uint32_t flags;
    /**
     * [instance-thread] Creates an instance. config_json is the component's `config:` as a JSON
     * object, already checked against config_schema. On failure, write a
     * NUL-terminated message of at most error_capacity bytes into error and
     * return SLUICE_CONFIG_ERROR (bad config) or SLUICE_RETRIABLE (e.g. server
     * unreachable: the host retries with backoff). `self` is this descriptor,
     * so one create function can serve several components.
     */
    sluice_status (*create)(const struct sluice_component_descriptor *self, const char *config_json,
                            const sluice_host_api *host, void **state, char *error, size_t error_capacity);
    /** [instance-thread] Releases an instance after a final flush. */
    void (*destroy)(void *state);
    /** Set when kind == SLUICE_SOURCE. */
    const sluice_source_vtable *source;
    /** Set when kind == SLUICE_PROCESSOR. */
    const sluice_processor_vtable *processor;
    /** Set when kind == SLUICE_SINK. */
    const sluice_sink_vtable *sink;

    /* ---- ABI 1.1 ---- */

    /** Number of entries in outputs. */
    size_t output_count;
    /**
     * Names of the outputs besides the default one ([a-z0-9_-]+), e.g.
     * "alerts", "late". emit chooses one with sluice_emit_options.output
     * (index + 1). The note lists them too: "processor:route[high,low]".
     */
    const char *const *outputs;

    /* ---- ABI 1.2 ---- */

    /**
     * [instance-thread] Optional (NULL: the schema is the whole check). Checks a config as
     * create would, with no side effect: no connection, no file or directory
     * written, no thread started, nothing kept. `sluice validate` calls it
     * for every component, and `sluice run` before the first create, so a
     * missing file or a bad pattern is a manifest error with its line, not a
     * failure halfway through a start. config_json is already checked against
     * config_schema, and its paths ("format": "path" in the schema) are
     * resolved against the manifest's folder. host is a table of its own:
     * log, metric and inputs work (metrics are discarded), state_dir is
     * NULL, and nothing else may be called. On problems, write
     * them into error, one per line, each starting with the config key it is
     * about as a dotted path ("schema_file: cannot read x.json"; "tls.ca_file:
     * …"), so the host can point at the manifest line; return
     * SLUICE_CONFIG_ERROR. Return SLUICE_OK when create would accept it.
     */
    sluice_status (*check)(const struct sluice_component_descriptor *self, const char *config_json,
                           const sluice_host_api *host, char *error, size_t error_capacity);
} sluice_component_descriptor;

/** What sluice_plugin_entry_v1 returns; static storage, valid while loaded. */
typedef struct sluice_plugin_descriptor {
    /** sizeof(sluice_plugin_descriptor) as the plugin was built. */
    uint32_t struct_size;
    /** SLUICE_ABI_MAJOR the plugin was built against. */
    uint16_t abi_major;
    /** SLUICE_ABI_MINOR the plugin was built against. */
    uint16_t abi_minor;
    /** Plugin name; must equal the name in the ELF note. */
    const char *name;
    /** Plugin version (semantic versioning). */
    const char *version;
    /** One line. */
    const char *description;
    /** Number of entries in components. */
    size_t component_count;
    /** The components. */
    const sluice_component_descriptor *const *components;
} sluice_plugin_descriptor;

/** Signature of the entry point. host_abi_minor lets a plugin adapt to older hosts. */
typedef const sluice_plugin_descriptor *(*sluice_plugin_entry_fn)(uint16_t host_abi_minor);

/* ---- the ELF note ------------------------------------------------------ */

/** Owner string of the note ("Sluice" + NUL, padded to 8). */
#define SLUICE_NOTE_OWNER "Sluice"
/** Note type carrying the metadata text. */
#define SLUICE_NOTE_TYPE 0x534c0001u

#define SLUICE__STR2(x) #x
#define SLUICE__STR(x) SLUICE__STR2(x)
#define SLUICE__CAT2(a, b) a##b
#define SLUICE__CAT(a, b) SLUICE__CAT2(a, b)

/**
 * The note's text: "key=value" lines. `components` is a space-separated list
 * of kind:name, e.g. "source:generate sink:write"; a component with named
 * outputs (1.1) lists them in brackets: "processor:route[high,low]".
 */
#define SLUICE__NOTE_TEXT(name, version, description, components) \
    "abi=" SLUICE__STR(SLUICE_ABI_MAJOR) "." SLUICE__STR(SLUICE_ABI_MINOR) "\n" \
    "name=" name "\n" "version=" version "\n" "description=" description "\n" \
    "components=" components "\n"

/**
 * Emits the ELF note: readable by `sluice plugins inspect` and by the loader
 * without loading the library.
 */
#define SLUICE_PLUGIN_NOTE(name, version, description, components) \
    __attribute__((section(".note.sluice"), used, aligned(4))) \
    static const struct { \
        uint32_t namesz, descsz, type; \
        char owner[8]; \
        char text[(sizeof(SLUICE__NOTE_TEXT(name, version, description, components)) + 3u) & ~3u]; \
    } sluice__note = { \
        sizeof(SLUICE_NOTE_OWNER), \
        sizeof(SLUICE__NOTE_TEXT(name, version, description, components)), \
        SLUICE_NOTE_TYPE, SLUICE_NOTE_OWNER, \
        SLUICE__NOTE_TEXT(name, version, description, components) }

#if defined(__GNUC__) || defined(__clang__)
#define SLUICE_EXPORT __attribute__((visibility("default")))
#else
#define SLUICE_EXPORT
#endif

/** The entry symbol's name for this header's major version. */
#define SLUICE_ENTRY_SYMBOL SLUICE__CAT(sluice_plugin_entry_v, SLUICE_ABI_MAJOR)

/**
 * Declares a plugin: the ELF note plus the exported entry returning
 * `descriptor_expr` (a `const sluice_plugin_descriptor *` expression; in a
 * Swift plugin, a call into the Swift side). Use once per library.
 */
#define SLUICE_PLUGIN(name, version, description, components, descriptor_expr) \
    SLUICE_PLUGIN_NOTE(name, version, description, components); \
    SLUICE_EXPORT const sluice_plugin_descriptor *SLUICE_ENTRY_SYMBOL(uint16_t host_abi_minor); \
    SLUICE_EXPORT const sluice_plugin_descriptor *SLUICE_ENTRY_SYMBOL(uint16_t host_abi_minor) { \
        (void)host_abi_minor; \
        return (descriptor_expr); \
    }

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_PLUGIN_H */
