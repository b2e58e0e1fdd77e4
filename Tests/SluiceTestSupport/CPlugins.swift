/// C plugins the tests compile with `cc` against the public header, as a
/// third party would.
public enum CPlugins {
    /// The C the test plugins read their flat JSON configs with: a number
    /// or a string value by key, good enough for configs the tests write.
    static let configReaders = #"""
    static long config_number(const char *json, const char *key, long fallback) {
        char pattern[64];
        snprintf(pattern, sizeof pattern, "\"%s\":", key);
        const char *p = strstr(json, pattern);
        return p ? strtol(p + strlen(pattern), NULL, 10) : fallback;
    }

    static void config_string(const char *json, const char *key, char *out, size_t cap) {
        char pattern[64];
        snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
        const char *p = strstr(json, pattern);
        out[0] = 0;
        if (!p) return;
        p += strlen(pattern);
        size_t i = 0;
        while (p[i] && p[i] != '"' && i + 1 < cap) { out[i] = p[i]; i++; }
        out[i] = 0;
    }
    """#

    /// `emit_n`: the record of the counting sources, `{"n": v}` with token v + 1.
    static let countingEmit = #"""
    static int emit_n(const sluice_host_api *host, sluice_context *ctx, int32_t v) {
        uint8_t doc[12] = {12, 0, 0, 0, 0x10, 'n', 0, 0, 0, 0, 0, 0};
        memcpy(doc + 7, &v, 4);
        sluice_emit_options o = {0};
        o.struct_size = sizeof o;
        o.event_time_ms = SLUICE_NO_EVENT_TIME;
        o.input_index = -1;
        o.token = (uint64_t)v + 1;
        return host->emit(ctx, doc, sizeof doc, &o);
    }
    """#

    /// A processor forwarding every record; records holding the bytes
    /// "poison" fail permanently. Also a sink that sleeps `delay_ms` per
    /// batch, answers RETRIABLE to its first `fail_first` writes, and fails
    /// "poison" records permanently, and logs `chatter` lines per write the
    /// way a client library retrying a dead server does; and a source that emits `count`
    /// records and writes how many tokens were acked to `ack_file` on destroy.
    public static let testkit = #"""
    #define _DEFAULT_SOURCE
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>
    #include <sluice/sluice_plugin.h>

    \#(configReaders)
    \#(countingEmit)

    static int has_poison(const uint8_t *doc, uint32_t len) {
        for (uint32_t i = 0; i + 6 <= len; i++) if (memcmp(doc + i, "poison", 6) == 0) return 1;
        return 0;
    }

    static const sluice_record_meta *meta_at(const sluice_batch *b, size_t i) {
        return (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
    }

    typedef struct { const sluice_host_api *host; long delay_ms, fail_first, calls, count, emitted, acked, chatter; char ack_file[512]; } state_t;

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        (void)self;
        if (strstr(json, "\"refuse\":true")) { snprintf(error, cap, "refused on purpose"); return SLUICE_CONFIG_ERROR; }
        state_t *s = calloc(1, sizeof *s);
        s->host = host;
        s->delay_ms = config_number(json, "delay_ms", 0);
        s->fail_first = config_number(json, "fail_first", 0);
        s->count = config_number(json, "count", 100);
        s->chatter = config_number(json, "chatter", 0);
        config_string(json, "ack_file", s->ack_file, sizeof s->ack_file);
        *state = s;
        return SLUICE_OK;
    }

    static void destroy(void *state) {
        state_t *s = state;
        if (s->ack_file[0]) {
            FILE *f = fopen(s->ack_file, "w");
            if (f) { fprintf(f, "%ld %ld\n", s->emitted, s->acked); fclose(f); }
        }
        free(s);
    }

    static sluice_status process(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = meta_at(b, i);
            if (has_poison(b->data + m->offset, m->length)) {
                s->host->fail(ctx, i, SLUICE_FAILURE_PERMANENT, "poison in record");
                continue;
            }
            /* Alternate the zero-copy forward and a copying emit: order must hold across both. */
            if (i % 2 == 0) {
                s->host->forward(ctx, i);
                continue;
            }
            sluice_emit_options o = {0};
            o.struct_size = sizeof o;
            o.event_time_ms = SLUICE_NO_EVENT_TIME;
            o.input_index = (int32_t)i;
            s->host->emit(ctx, b->data + m->offset, m->length, &o);
        }
        return SLUICE_OK;
    }

    static sluice_status write_batch(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        if (s->delay_ms) usleep((useconds_t)s->delay_ms * 1000);
        for (long k = 0; k < s->chatter; k++) {
            char line[96];
            snprintf(line, sizeof line, "connect to 127.0.0.1:%ld failed after %ld ms", 9000 + k % 7, k);
            s->host->log(s->host->host_data, SLUICE_LOG_WARNING, line);
        }
        if (s->calls++ < s->fail_first) return SLUICE_RETRIABLE;
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = meta_at(b, i);
            if (has_poison(b->data + m->offset, m->length)) s->host->fail(ctx, i, SLUICE_FAILURE_PERMANENT, "sink rejects poison");
        }
        return SLUICE_OK;
    }

    static sluice_status poll(void *state, sluice_context *ctx, uint32_t max, uint32_t timeout_ms) {
        state_t *s = state;
        (void)timeout_ms;
        for (uint32_t k = 0; k < max && s->emitted < s->count; k++) emit_n(s->host, ctx, (int32_t)s->emitted++);
        return s->emitted >= s->count ? SLUICE_END : SLUICE_OK;
    }

    static void ack(void *state, const uint64_t *tokens, size_t n) {
        state_t *s = state;
        for (size_t i = 0; i < n; i++) if (tokens[i]) s->acked++;
    }

    static const sluice_processor_vtable pv = {sizeof pv, process, NULL};
    static const sluice_sink_vtable sv = {sizeof sv, write_batch, NULL};
    static const sluice_source_vtable srcv = {sizeof srcv, poll, ack};
    static const sluice_component_descriptor pass = {sizeof pass, SLUICE_PROCESSOR, "pass", "forward", NULL, 0, create, destroy, NULL, &pv, NULL};
    static const sluice_component_descriptor slow = {sizeof slow, SLUICE_SINK, "slow", "slow sink", NULL, 0, create, destroy, NULL, NULL, &sv};
    static const sluice_component_descriptor count = {sizeof count, SLUICE_SOURCE, "count", "counting source", NULL, 0, create, destroy, &srcv, NULL, NULL};
    static const sluice_component_descriptor *const list[] = {&pass, &slow, &count};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "testkit", "1.0.0", "test components", 3, list};
    SLUICE_PLUGIN("testkit", "1.0.0", "test components", "processor:pass sink:slow source:count", &plugin)
    """#

    /// A sink that appends every record's BSON to `out` and, on its
    /// `crash_at`-th write in a process, segfaults once (with `"hang":true`,
    /// never returns instead): the first process to get there creates
    /// `marker` and fails, later ones see it and go on.
    public static let crashingSink = #"""
    #define _DEFAULT_SOURCE
    #include <stdint.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>
    #include <sluice/sluice_plugin.h>

    \#(configReaders)

    typedef struct { FILE *out; char marker[512]; long calls, crash_at; int hang; } state_t;

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        (void)self; (void)host;
        state_t *s = calloc(1, sizeof *s);
        char path[512];
        config_string(json, "out", path, sizeof path);
        config_string(json, "marker", s->marker, sizeof s->marker);
        s->crash_at = config_number(json, "crash_at", 0);
        s->hang = strstr(json, "\"hang\":true") != NULL;
        s->out = fopen(path, "ab");
        if (!s->out) { snprintf(error, cap, "cannot open %s", path); free(s); return SLUICE_CONFIG_ERROR; }
        *state = s;
        return SLUICE_OK;
    }

    static void destroy(void *state) { state_t *s = state; fclose(s->out); free(s); }

    static sluice_status write_batch(void *state, const sluice_batch *b, sluice_context *ctx) {
        (void)ctx;
        state_t *s = state;
        if (++s->calls == s->crash_at && access(s->marker, F_OK) != 0) {
            FILE *m = fopen(s->marker, "w");
            if (m) fclose(m);
            if (s->hang) for (;;) sleep(3600);
            // A real fault, not raise(): Swift's crash handler returns from
            // a raised signal, and a raised SIGSEGV would then be survived.
            *(volatile int *)(uintptr_t)8 = 1;
        }
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
            fwrite(b->data + m->offset, 1, m->length, s->out);
        }
        fflush(s->out);
        return SLUICE_OK;
    }

    static const sluice_sink_vtable sv = {sizeof sv, write_batch, NULL};
    static const sluice_component_descriptor crashy = {sizeof crashy, SLUICE_SINK, "crashy", "a sink that segfaults once", NULL, 0, create, destroy, NULL, NULL, &sv};
    static const sluice_component_descriptor *const list[] = {&crashy};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "crashkit", "1.0.0", "a crashing sink", 1, list};
    SLUICE_PLUGIN("crashkit", "1.0.0", "a crashing sink", "sink:crashy", &plugin)
    """#

    /// Components for `isolation: process` (plugin `faulty`). `crashy` forwards every record
    /// to its default output and emits a copy of it to `copies`; at the
    /// last tick it emits `{final: S}` to `copies`, S what `stopping`
    /// answered (1: the inputs ended, 2: cut short). Built with
    /// `-DDECLARED_MINOR=m`, it declares ABI 1.m instead of the header's. On its
    /// `crash_at`-th process call in a process it faults once (the first
    /// process to get there creates `marker`; later ones go on): a
    /// segfault, or with `"abort":true` abort(), or with `"hang":true` a call
    /// that never returns. A batch holding a record `{n: crash_on}` faults
    /// every time. `keyed` forwards, and declares keyed state. `counter` is
    /// a source of `count` records `{n}` (token n + 1) that keeps the last
    /// acknowledged token in the file `state` and resumes after it when
    /// created; its `crash_at`-th poll in a process faults once, as above.
    public static let faulty = #"""
    #define _DEFAULT_SOURCE
    #include <stdint.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>
    #include <sluice/sluice_plugin.h>
    #ifdef DECLARED_MINOR
    #undef SLUICE_ABI_MINOR
    #define SLUICE_ABI_MINOR DECLARED_MINOR
    #endif

    \#(configReaders)
    \#(countingEmit)

    typedef struct {
        const sluice_host_api *host;
        char marker[512], state[512];
        long calls, crash_at, crash_on, count, next;
        int hang, abort_, final_sent;
    } state_t;

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        (void)self; (void)error; (void)cap;
        state_t *s = calloc(1, sizeof *s);
        s->host = host;
        config_string(json, "marker", s->marker, sizeof s->marker);
        s->crash_at = config_number(json, "crash_at", 0);
        s->crash_on = config_number(json, "crash_on", -1);
        s->hang = strstr(json, "\"hang\":true") != NULL;
        s->abort_ = strstr(json, "\"abort\":true") != NULL;
        s->count = config_number(json, "count", 0);
        config_string(json, "state", s->state, sizeof s->state);
        FILE *f = s->state[0] ? fopen(s->state, "r") : NULL;
        if (f) { if (fscanf(f, "%ld", &s->next) != 1) s->next = 0; fclose(f); }
        *state = s;
        return SLUICE_OK;
    }

    static void destroy(void *state) { free(state); }

    static void fault(state_t *s) {
        if (s->hang) for (;;) sleep(3600);
        if (s->abort_) abort();
        // A real fault, not raise(): see crashingSink.
        *(volatile int *)(uintptr_t)8 = 1;
    }

    /* The record's leading field "n" as an integer (int32 or int64), or -1. */
    static long field_n(const uint8_t *doc, uint32_t len) {
        if (len >= 11 && doc[4] == 0x10 && doc[5] == 'n' && doc[6] == 0) { int32_t v; memcpy(&v, doc + 7, 4); return v; }
        if (len >= 15 && doc[4] == 0x12 && doc[5] == 'n' && doc[6] == 0) { int64_t v; memcpy(&v, doc + 7, 8); return (long)v; }
        return -1;
    }

    /* Faults on the crash_at-th call in this process, unless another process already did. */
    static void count_call(state_t *s) {
        if (++s->calls == s->crash_at && access(s->marker, F_OK) != 0) {
            FILE *m = fopen(s->marker, "w");
            if (m) fclose(m);
            fault(s);
        }
    }

    static sluice_status process(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        count_call(s);
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
            if (s->crash_on >= 0 && field_n(b->data + m->offset, m->length) == s->crash_on) fault(s);
        }
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
            s->host->forward(ctx, i);
            sluice_emit_options o = {0};
            o.struct_size = sizeof o;
            o.event_time_ms = SLUICE_NO_EVENT_TIME;
            o.input_index = (int32_t)i;
            o.output = 1;
            if (s->host->emit(ctx, b->data + m->offset, m->length, &o) != 0) return SLUICE_PERMANENT;
        }
        return SLUICE_OK;
    }

    static sluice_status tick(void *state, int64_t now_ms, sluice_context *ctx) {
        state_t *s = state;
        (void)now_ms;
        int stopping = s->host->stopping(s->host->host_data);
        if (!stopping || s->final_sent) return SLUICE_OK;
        s->final_sent = 1;
        uint8_t doc[] = {16, 0, 0, 0, 0x10, 'f', 'i', 'n', 'a', 'l', 0, 0, 0, 0, 0, 0};
        doc[11] = (uint8_t)stopping;
        sluice_emit_options o = {0};
        o.struct_size = sizeof o;
        o.event_time_ms = SLUICE_NO_EVENT_TIME;
        o.input_index = -1;
        o.output = 1;
        return s->host->emit(ctx, doc, sizeof doc, &o) == 0 ? SLUICE_OK : SLUICE_PERMANENT;
    }

    static sluice_status forward_all(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        for (size_t i = 0; i < b->count; i++) s->host->forward(ctx, i);
        return SLUICE_OK;
    }

    static sluice_status poll(void *state, sluice_context *ctx, uint32_t max, uint32_t timeout_ms) {
        state_t *s = state;
        (void)timeout_ms;
        count_call(s);
        for (uint32_t k = 0; k < max && s->next < s->count; k++, s->next++) {
            if (emit_n(s->host, ctx, (int32_t)s->next) != 0) return SLUICE_PERMANENT;
        }
        return s->next < s->count ? SLUICE_OK : SLUICE_END;
    }

    static void ack(void *state, const uint64_t *tokens, size_t n) {
        state_t *s = state;
        uint64_t last = 0;
        for (size_t i = 0; i < n; i++) if (tokens[i] > last) last = tokens[i];
        FILE *f = fopen(s->state, "r");
        long kept = 0;
        if (f) { if (fscanf(f, "%ld", &kept) != 1) kept = 0; fclose(f); }
        if ((long)last <= kept) return;
        f = fopen(s->state, "w");
        if (f) { fprintf(f, "%ld\n", (long)last); fclose(f); }
    }

    static const char *const outputs[] = {"copies"};
    static const sluice_processor_vtable crashy_v = {sizeof crashy_v, process, tick};
    static const sluice_processor_vtable keyed_v = {sizeof keyed_v, forward_all, NULL};
    static const sluice_component_descriptor crashy_d = {
        .struct_size = sizeof crashy_d, .kind = SLUICE_PROCESSOR, .name = "crashy", .description = "a processor that faults",
        .create = create, .destroy = destroy, .processor = &crashy_v, .output_count = 1, .outputs = outputs};
    static const sluice_component_descriptor keyed_d = {
        .struct_size = sizeof keyed_d, .kind = SLUICE_PROCESSOR, .name = "keyed", .description = "keyed state", .flags = SLUICE_COMPONENT_KEYED_STATE,
        .create = create, .destroy = destroy, .processor = &keyed_v};
    static const sluice_source_vtable counter_v = {sizeof counter_v, poll, ack};
    static const sluice_component_descriptor counter_d = {
        .struct_size = sizeof counter_d, .kind = SLUICE_SOURCE, .name = "counter", .description = "a source that faults",
        .create = create, .destroy = destroy, .source = &counter_v};
    static const sluice_component_descriptor *const list[] = {&crashy_d, &keyed_d, &counter_d};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "faulty", "1.0.0", "faulting components", 3, list};
    SLUICE_PLUGIN("faulty", "1.0.0", "faulting components", "processor:crashy[copies] processor:keyed source:counter", &plugin)
    """#

    /// A sink with writes in flight (ABI 1.4): it holds every record of a
    /// write and ends those holds during the next write or flush, appending
    /// each record's `n` to `out` (one per line). Record `fail_n` is ended
    /// failed for good, `retry_n` failed retriably once; with
    /// `"keep_last":true` the holds of the last write are never ended (a
    /// buggy sink). When the host gives no hold it writes at once. On
    /// destroy it writes `held=H sync=S open=O` to `stats`.
    public static let inFlightSink = #"""
    #define _DEFAULT_SOURCE
    #include <stdint.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sluice/sluice_plugin.h>

    \#(configReaders)

    typedef struct { sluice_hold *hold; int32_t n; } pending_t;
    typedef struct {
        const sluice_host_api *host;
        FILE *out;
        char stats[512];
        long fail_n, retry_n, retried, held, sync;
        int keep_last;
        pending_t *pending;
        size_t count, cap;
    } state_t;

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        (void)self;
        state_t *s = calloc(1, sizeof *s);
        char path[512];
        s->host = host;
        config_string(json, "out", path, sizeof path);
        config_string(json, "stats", s->stats, sizeof s->stats);
        s->fail_n = config_number(json, "fail_n", -1);
        s->retry_n = config_number(json, "retry_n", -1);
        s->keep_last = strstr(json, "\"keep_last\":true") != NULL;
        s->out = fopen(path, "a");
        if (!s->out) { snprintf(error, cap, "cannot open %s", path); free(s); return SLUICE_CONFIG_ERROR; }
        *state = s;
        return SLUICE_OK;
    }

    static void destroy(void *state) {
        state_t *s = state;
        FILE *f = s->stats[0] ? fopen(s->stats, "w") : NULL;
        if (f) { fprintf(f, "held=%ld sync=%ld open=%zu\n", s->held, s->sync, s->count); fclose(f); }
        fclose(s->out);
        free(s->pending);
        free(s);
    }

    /* {"n": <int32>} as the testkit's count source makes it. */
    static int32_t n_of(const uint8_t *doc) { int32_t n; memcpy(&n, doc + 7, 4); return n; }

    static void settle(state_t *s) {
        for (size_t i = 0; i < s->count; i++) {
            pending_t *p = &s->pending[i];
            if (p->n == s->fail_n) {
                s->host->release_failed(s->host->host_data, p->hold, SLUICE_FAILURE_PERMANENT, "the server refused the record");
            } else if (p->n == s->retry_n && !s->retried++) {
                s->host->release_failed(s->host->host_data, p->hold, SLUICE_FAILURE_RETRIABLE, "the server timed out");
            } else {
                fprintf(s->out, "%d\n", p->n);
                s->host->release(s->host->host_data, p->hold);
            }
        }
        fflush(s->out);
        s->count = 0;
    }

    static sluice_status write_batch(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        settle(s);
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
            sluice_hold *h = s->host->hold(ctx, i);
            if (!h) {
                fprintf(s->out, "%d\n", n_of(b->data + m->offset));
                s->sync++;
                continue;
            }
            if (s->count == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 256;
                s->pending = realloc(s->pending, s->cap * sizeof *s->pending);
            }
            s->pending[s->count++] = (pending_t){h, n_of(b->data + m->offset)};
            s->held++;
        }
        fflush(s->out);
        return SLUICE_OK;
    }

    static sluice_status flush(void *state, sluice_context *ctx) {
        (void)ctx;
        state_t *s = state;
        if (!s->keep_last) settle(s);
        return SLUICE_OK;
    }

    static const sluice_sink_vtable sv = {sizeof sv, write_batch, flush};
    static const sluice_component_descriptor lagging = {sizeof lagging, SLUICE_SINK, "lagging", "a sink with writes in flight", NULL, 0, create, destroy, NULL, NULL, &sv};
    static const sluice_component_descriptor *const list[] = {&lagging};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "inflight", "1.0.0", "a sink with writes in flight", 1, list};
    SLUICE_PLUGIN("inflight", "1.0.0", "a sink with writes in flight", "sink:lagging", &plugin)
    """#

    /// A library whose constructor writes MARKER, then `tail`.
    public static func withConstructor(marker: String, tail: String) -> String {
        """
        #include <stdio.h>
        #include <sluice/sluice_plugin.h>
        __attribute__((constructor)) static void touch(void) { FILE *f = fopen("\(marker)", "w"); if (f) fclose(f); }
        \(tail)
        """
    }

    /// A note only: looks like a plugin but exports no entry.
    public static let noteOnly = #"SLUICE_PLUGIN_NOTE("noentry", "1.0.0", "no entry", "source:x");"#

    /// A complete plugin of the given name (no components).
    public static func minimal(_ name: String, noteName: String? = nil) -> String {
        """
        static const sluice_plugin_descriptor d = {sizeof d, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "\(name)", "1.0.0", "minimal", 0, 0};
        SLUICE_PLUGIN("\(noteName ?? name)", "1.0.0", "minimal", "", &d)
        """
    }

    /// A plugin from a future ABI: note says 2.0 and only sluice_plugin_entry_v2 is exported.
    public static let futureABI = #"""
    #include <stdint.h>
    #define TEXT "abi=2.0\nname=future\nversion=9.0.0\ndescription=from the future\ncomponents=source:x\n"
    __attribute__((section(".note.sluice"), used, aligned(4)))
    static const struct { uint32_t namesz, descsz, type; char owner[8]; char text[(sizeof(TEXT) + 3u) & ~3u]; } note =
        {7, sizeof(TEXT), 0x534c0001u, "Sluice", TEXT};
    __attribute__((visibility("default"))) const void *sluice_plugin_entry_v2(uint16_t minor) { (void)minor; return 0; }
    """#

    /// ABI 1.1 components. `route` reads any number of inputs and sends
    /// each record, as `{n, from, port}`, to the output named after its input
    /// port (`first` for port 0, `second` for port 1). `hold` keeps every
    /// record for `hold_ticks` ticks, then emits it from `tick` with its hold
    /// attached (`attach: false` leaves it off: the pre-1.1 behaviour that
    /// loses records on a crash) and releases the hold; at the last tick it
    /// emits everything left unless `keep_on_drain` is set.
    public static let stateful = #"""
    #include <stdlib.h>
    #include <string.h>
    #include <sluice/sluice_plugin.h>

    static const sluice_record_meta *meta_at(const sluice_batch *b, size_t i) {
        return (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
    }

    /* {"n": int32, "from": string, "port": int32} */
    static size_t route_doc(uint8_t *out, int32_t n, const char *from, int32_t port) {
        size_t len = strlen(from) + 1, at = 4;
        int32_t slen = (int32_t)len;
        out[at++] = 0x10; memcpy(out + at, "n", 2); at += 2; memcpy(out + at, &n, 4); at += 4;
        out[at++] = 0x02; memcpy(out + at, "from", 5); at += 5; memcpy(out + at, &slen, 4); at += 4;
        memcpy(out + at, from, len); at += len;
        out[at++] = 0x10; memcpy(out + at, "port", 5); at += 5; memcpy(out + at, &port, 4); at += 4;
        out[at++] = 0;
        int32_t total = (int32_t)at;
        memcpy(out, &total, 4);
        return at;
    }

    typedef struct { uint8_t *doc; uint32_t len; sluice_hold *hold; long age; } held_t;
    typedef struct {
        const sluice_host_api *host;
        long hold_ticks; int attach, keep_on_drain;
        held_t *held; size_t count, cap;
    } state_t;

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        if (host->abi_minor < 1 || !SLUICE_HAS_FIELD(sluice_host_api, host->struct_size, inputs)) {
            strncpy(error, "needs a host with ABI 1.1", cap);
            return SLUICE_CONFIG_ERROR;
        }
        if (strcmp(self->name, "route") == 0 && host->input_count != 2) {
            strncpy(error, "route reads exactly two inputs", cap);
            return SLUICE_CONFIG_ERROR;
        }
        state_t *s = calloc(1, sizeof *s);
        s->host = host;
        const char *p = strstr(json, "\"hold_ticks\":");
        s->hold_ticks = p ? strtol(p + 13, NULL, 10) : 2;
        s->attach = strstr(json, "\"attach\":false") == NULL;
        s->keep_on_drain = strstr(json, "\"keep_on_drain\":true") != NULL;
        *state = s;
        return SLUICE_OK;
    }

    static void destroy(void *state) {
        state_t *s = state;
        for (size_t i = 0; i < s->count; i++) free(s->held[i].doc);
        free(s->held);
        free(s);
    }

    static sluice_status route(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        uint8_t doc[256];
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = meta_at(b, i);
            const uint8_t *in = b->data + m->offset;
            int32_t n = -1;
            if (m->length >= 11 && in[4] == 0x10 && in[5] == 'n' && in[6] == 0) memcpy(&n, in + 7, 4);
            size_t len = route_doc(doc, n, s->host->inputs[b->input_port], (int32_t)b->input_port);
            sluice_emit_options o = {0};
            o.struct_size = sizeof o;
            o.event_time_ms = SLUICE_NO_EVENT_TIME;
            o.input_index = (int32_t)i;
            o.output = b->input_port + 1;
            if (s->host->emit(ctx, doc, len, &o) != 0) return SLUICE_PERMANENT;
        }
        return SLUICE_OK;
    }

    static sluice_status hold(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = meta_at(b, i);
            if (s->count == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 256;
                s->held = realloc(s->held, s->cap * sizeof *s->held);
            }
            held_t *h = &s->held[s->count++];
            h->doc = malloc(m->length);
            memcpy(h->doc, b->data + m->offset, m->length);
            h->len = m->length;
            h->hold = s->host->hold(ctx, i);
            h->age = 0;
            if (!h->hold) return SLUICE_PERMANENT;
        }
        return SLUICE_OK;
    }

    static sluice_status tick(void *state, int64_t now_ms, sluice_context *ctx) {
        state_t *s = state;
        (void)now_ms;
        int draining = s->host->stopping(s->host->host_data);
        size_t kept = 0;
        for (size_t i = 0; i < s->count; i++) {
            held_t *h = &s->held[i];
            h->age++;
            if ((draining && !s->keep_on_drain) || (!draining && h->age > s->hold_ticks)) {
                sluice_emit_options o = {0};
                o.struct_size = sizeof o;
                o.event_time_ms = SLUICE_NO_EVENT_TIME;
                o.input_index = -1;
                if (s->attach) { o.hold_count = 1; o.holds = &h->hold; }
                if (s->host->emit(ctx, h->doc, h->len, &o) != 0) return SLUICE_PERMANENT;
                s->host->release(s->host->host_data, h->hold);
                free(h->doc);
            } else {
                s->held[kept++] = *h;
            }
        }
        s->count = kept;
        return SLUICE_OK;
    }

    static const char *const route_outputs[] = {"first", "second"};
    static const sluice_processor_vtable route_v = {sizeof route_v, route, NULL};
    static const sluice_processor_vtable hold_v = {sizeof hold_v, hold, tick};
    static const sluice_component_descriptor route_d = {
        .struct_size = sizeof route_d, .kind = SLUICE_PROCESSOR, .name = "route", .description = "routes by input port",
        .create = create, .destroy = destroy, .processor = &route_v, .output_count = 2, .outputs = route_outputs};
    static const sluice_component_descriptor hold_d = {
        .struct_size = sizeof hold_d, .kind = SLUICE_PROCESSOR, .name = "hold", .description = "holds records for a few ticks",
        .create = create, .destroy = destroy, .processor = &hold_v};
    static const sluice_component_descriptor *const list[] = {&route_d, &hold_d};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "stateful", "1.1.0", "ABI 1.1 test components", 2, list};
    SLUICE_PLUGIN("stateful", "1.1.0", "ABI 1.1 test components", "processor:route[first,second] processor:hold", &plugin)
    """#

    /// ABI 1.3 components. `count` emits `count` records `{n}` with split
    /// `n % 4`, and calls revoke_splits for splits 1 and 3 right after record
    /// `revoke_at`, inside the same poll. `log` turns each record into
    /// `{n, split}` (split -1 when none) and each control batch into
    /// `{revoked: "1,3"}`, and stamps each with `wired`: whether its named
    /// output `extra` has a reader.
    public static let splits = #"""
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sluice/sluice_plugin.h>

    typedef struct { const sluice_host_api *host; long count, revoke_at, next; } state_t;

    static long number(const char *json, const char *key, long fallback) {
        const char *p = strstr(json, key);
        return p ? strtol(p + strlen(key), NULL, 10) : fallback;
    }

    /* A BSON document built field by field: at starts at 4, end() writes the length. */
    static void add_int(uint8_t *out, size_t *at, const char *name, int32_t v) {
        size_t nl = strlen(name) + 1;
        out[(*at)++] = 0x10; memcpy(out + *at, name, nl); *at += nl; memcpy(out + *at, &v, 4); *at += 4;
    }
    static void add_str(uint8_t *out, size_t *at, const char *name, const char *text) {
        size_t nl = strlen(name) + 1;
        int32_t len = (int32_t)strlen(text) + 1;
        out[(*at)++] = 0x02; memcpy(out + *at, name, nl); *at += nl; memcpy(out + *at, &len, 4); *at += 4;
        memcpy(out + *at, text, (size_t)len); *at += (size_t)len;
    }
    static size_t end(uint8_t *out, size_t at) {
        out[at++] = 0;
        int32_t total = (int32_t)at;
        memcpy(out, &total, 4);
        return at;
    }

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        (void)self;
        if (host->abi_minor < 3 || !SLUICE_HAS_FIELD(sluice_host_api, host->struct_size, output_wired)) {
            strncpy(error, "needs a host with ABI 1.3", cap);
            return SLUICE_CONFIG_ERROR;
        }
        state_t *s = calloc(1, sizeof *s);
        s->host = host;
        s->count = number(json, "\"count\":", 100);
        s->revoke_at = number(json, "\"revoke_at\":", -1);
        *state = s;
        return SLUICE_OK;
    }

    static void destroy(void *state) { free(state); }

    static sluice_status poll(void *state, sluice_context *ctx, uint32_t max, uint32_t timeout_ms) {
        state_t *s = state;
        (void)timeout_ms;
        uint8_t doc[64];
        for (uint32_t i = 0; i < max && s->next < s->count; i++, s->next++) {
            size_t at = 4;
            add_int(doc, &at, "n", (int32_t)s->next);
            size_t len = end(doc, at);
            sluice_emit_options o = {0};
            o.struct_size = sizeof o;
            o.event_time_ms = SLUICE_NO_EVENT_TIME;
            o.input_index = -1;
            o.split = (uint32_t)(s->next % 4);
            o.has_split = 1;
            if (s->host->emit(ctx, doc, len, &o) != 0) return SLUICE_PERMANENT;
            if (s->next == s->revoke_at) {
                static const uint32_t revoked[] = {1, 3};
                s->host->revoke_splits(ctx, revoked, 2);
            }
        }
        return s->next < s->count ? SLUICE_OK : SLUICE_END;
    }

    static sluice_status log_batch(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        uint8_t doc[128];
        int32_t wired = s->host->output_wired ? s->host->output_wired[1] : -1;
        sluice_emit_options o = {0};
        o.struct_size = sizeof o;
        o.event_time_ms = SLUICE_NO_EVENT_TIME;
        if (b->revoked_splits) {
            char text[64] = "";
            for (size_t i = 0; i < b->revoked_count; i++) {
                snprintf(text + strlen(text), sizeof text - strlen(text), i ? ",%u" : "%u", b->revoked_splits[i]);
            }
            o.input_index = -1;
            size_t at = 4;
            add_str(doc, &at, "revoked", text);
            add_int(doc, &at, "wired", wired);
            return s->host->emit(ctx, doc, end(doc, at), &o) == 0 ? SLUICE_OK : SLUICE_PERMANENT;
        }
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
            const uint8_t *in = b->data + m->offset;
            int32_t n = -1;
            if (in[4] == 0x10 && in[5] == 'n' && in[6] == 0) memcpy(&n, in + 7, 4);
            int32_t split = SLUICE_HAS_FIELD(sluice_record_meta, b->meta_stride, split) && m->split != SLUICE_NO_SPLIT ? (int32_t)m->split : -1;
            size_t at = 4;
            add_int(doc, &at, "n", n);
            add_int(doc, &at, "split", split);
            add_int(doc, &at, "wired", wired);
            o.input_index = (int32_t)i;
            if (s->host->emit(ctx, doc, end(doc, at), &o) != 0) return SLUICE_PERMANENT;
        }
        return SLUICE_OK;
    }

    static const char *const log_outputs[] = {"extra"};
    static const sluice_source_vtable count_v = {sizeof count_v, poll, NULL};
    static const sluice_processor_vtable log_v = {sizeof log_v, log_batch, NULL};
    static const sluice_component_descriptor count_d = {
        .struct_size = sizeof count_d, .kind = SLUICE_SOURCE, .name = "count", .description = "records on four splits",
        .create = create, .destroy = destroy, .source = &count_v};
    static const sluice_component_descriptor log_d = {
        .struct_size = sizeof log_d, .kind = SLUICE_PROCESSOR, .name = "log", .description = "records splits and revocations",
        .create = create, .destroy = destroy, .processor = &log_v, .output_count = 1, .outputs = log_outputs};
    static const sluice_component_descriptor *const list[] = {&count_d, &log_d};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "splits", "1.3.0", "ABI 1.3 test components", 2, list};
    SLUICE_PLUGIN("splits", "1.3.0", "ABI 1.3 test components", "source:count processor:log[extra]", &plugin)
    """#

    /// A processor whose component descriptor (`descriptor`) or vtable
    /// (`vtable`) reports a struct_size too small to hold what the host reads.
    public static func tooSmall(_ which: String) -> String {
        let descriptorSize = which == "descriptor" ? "16" : "sizeof d"
        let vtableSize = which == "vtable" ? "4" : "sizeof v"
        return """
        #include <sluice/sluice_plugin.h>
        static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                    void **state, char *error, size_t cap) { (void)self; (void)json; (void)host; (void)error; (void)cap; *state = 0; return SLUICE_OK; }
        static void destroy(void *state) { (void)state; }
        static sluice_status process(void *state, const sluice_batch *b, sluice_context *ctx) { (void)state; (void)b; (void)ctx; return SLUICE_OK; }
        static const sluice_processor_vtable v = {\(vtableSize), process, 0};
        static const sluice_component_descriptor d = {\(descriptorSize), SLUICE_PROCESSOR, "p", "small", 0, 0, create, destroy, 0, &v, 0, 0, 0};
        static const sluice_component_descriptor *const list[] = {&d};
        static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "small", "1.0.0", "too small", 1, list};
        SLUICE_PLUGIN("small", "1.0.0", "too small", "processor:p", &plugin)
        """
    }
}
