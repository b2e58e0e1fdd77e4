extension CPlugins {
    /// Plugin `keeper`, for holds across the isolation wire. `count` is a
    /// source of `count` records `{n}` (token n + 1) that appends `acked N`
    /// to the file `log` for each record acknowledged, and counts what it
    /// emits in `polled_total{by="count"}`; with `linger: true` it does not
    /// end after them (it waits for a SIGTERM). `keep` holds every
    /// record it is given (`host->hold`) and counts it in its counter
    /// `kept_total` (`sluice_keeper_kept_total`); each tick ages what it holds, and a record older
    /// than `hold_ticks` ticks (or any, at the last tick) is emitted with its
    /// hold attached, then released, and `released N` appended to `log`. On
    /// its `crash_at`-th process call in a process it segfaults once, while
    /// holding earlier batches (the first process to get there creates
    /// `marker`; later ones go on). It logs "keeper ready, holding for N
    /// ticks" at info when created.
    public static let keeper = #"""
    #define _DEFAULT_SOURCE
    #include <stdint.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>
    #include <sluice/sluice_plugin.h>

    \#(configReaders)
    \#(countingEmit)

    typedef struct { uint8_t *doc; uint32_t len; sluice_hold *hold; long age; } held_t;
    typedef struct {
        const sluice_host_api *host;
        char log[512], marker[512];
        long count, emitted, hold_ticks, crash_at, calls, linger;
        sluice_metric *kept, *polled;
        held_t *held; size_t used, cap;
    } state_t;

    static sluice_status create(const sluice_component_descriptor *self, const char *json, const sluice_host_api *host,
                                void **state, char *error, size_t cap) {
        (void)self;
        if (!SLUICE_HAS_FIELD(sluice_host_api, host->struct_size, release)) {
            snprintf(error, cap, "needs a host with ABI 1.1");
            return SLUICE_CONFIG_ERROR;
        }
        state_t *s = calloc(1, sizeof *s);
        s->host = host;
        config_string(json, "log", s->log, sizeof s->log);
        config_string(json, "marker", s->marker, sizeof s->marker);
        s->count = config_number(json, "count", 100);
        s->hold_ticks = config_number(json, "hold_ticks", 2);
        s->crash_at = config_number(json, "crash_at", 0);
        s->linger = strstr(json, "\"linger\":true") != NULL;
        if (strcmp(self->name, "count") == 0) {
            s->polled = host->metric(host->host_data, SLUICE_METRIC_COUNTER, "polled_total{by=\"count\"}", "Records emitted.");
        }
        if (strcmp(self->name, "keep") == 0) {
            s->kept = host->metric(host->host_data, SLUICE_METRIC_COUNTER, "kept_total", "Records held.");
            char line[96];
            snprintf(line, sizeof line, "keeper ready, holding for %ld ticks", s->hold_ticks);
            host->log(host->host_data, SLUICE_LOG_INFO, line);
        }
        *state = s;
        return SLUICE_OK;
    }

    static void destroy(void *state) {
        state_t *s = state;
        for (size_t i = 0; i < s->used; i++) free(s->held[i].doc);
        free(s->held);
        free(s);
    }

    static void note(state_t *s, const char *what, long n) {
        FILE *f = fopen(s->log, "a");
        if (!f) return;
        fprintf(f, "%s %ld\n", what, n);
        fclose(f);
    }

    static long field_n(const uint8_t *doc, uint32_t len) {
        int32_t n = -1;
        if (len >= 11 && doc[4] == 0x10 && doc[5] == 'n' && doc[6] == 0) memcpy(&n, doc + 7, 4);
        return n;
    }

    static sluice_status poll(void *state, sluice_context *ctx, uint32_t max, uint32_t timeout_ms) {
        state_t *s = state;
        for (uint32_t k = 0; k < max && s->emitted < s->count; k++) {
            emit_n(s->host, ctx, (int32_t)s->emitted++);
            s->host->metric_record(s->polled, 1);
        }
        if (s->emitted < s->count) return SLUICE_OK;
        if (!s->linger) return SLUICE_END;
        usleep((timeout_ms < 100 ? timeout_ms : 100) * 1000);
        return SLUICE_OK;
    }

    static void ack(void *state, const uint64_t *tokens, size_t n) {
        state_t *s = state;
        FILE *f = fopen(s->log, "a");
        if (!f) return;
        for (size_t i = 0; i < n; i++) if (tokens[i]) fprintf(f, "acked %ld\n", (long)tokens[i] - 1);
        fclose(f);
    }

    static sluice_status keep(void *state, const sluice_batch *b, sluice_context *ctx) {
        state_t *s = state;
        if (++s->calls == s->crash_at && s->used > 0 && access(s->marker, F_OK) != 0) {
            FILE *m = fopen(s->marker, "w");
            if (m) fclose(m);
            *(volatile int *)(uintptr_t)8 = 1;
        }
        for (size_t i = 0; i < b->count; i++) {
            const sluice_record_meta *m = (const sluice_record_meta *)((const char *)b->meta + i * b->meta_stride);
            if (s->used == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 256;
                s->held = realloc(s->held, s->cap * sizeof *s->held);
            }
            held_t *h = &s->held[s->used];
            h->hold = s->host->hold(ctx, i);
            if (!h->hold) return SLUICE_PERMANENT;
            h->doc = malloc(m->length);
            memcpy(h->doc, b->data + m->offset, m->length);
            h->len = m->length;
            h->age = 0;
            s->used++;
            s->host->metric_record(s->kept, 1);
        }
        return SLUICE_OK;
    }

    static sluice_status tick(void *state, int64_t now_ms, sluice_context *ctx) {
        state_t *s = state;
        (void)now_ms;
        int last = s->host->stopping(s->host->host_data);
        size_t kept = 0;
        for (size_t i = 0; i < s->used; i++) {
            held_t *h = &s->held[i];
            if (last || ++h->age > s->hold_ticks) {
                sluice_emit_options o = {0};
                o.struct_size = sizeof o;
                o.event_time_ms = SLUICE_NO_EVENT_TIME;
                o.input_index = -1;
                o.hold_count = 1;
                o.holds = &h->hold;
                if (s->host->emit(ctx, h->doc, h->len, &o) != 0) return SLUICE_PERMANENT;
                note(s, "released", field_n(h->doc, h->len));
                s->host->release(s->host->host_data, h->hold);
                free(h->doc);
            } else {
                s->held[kept++] = *h;
            }
        }
        s->used = kept;
        return SLUICE_OK;
    }

    static const sluice_processor_vtable keep_v = {sizeof keep_v, keep, tick};
    static const sluice_source_vtable count_v = {sizeof count_v, poll, ack};
    static const sluice_component_descriptor keep_d = {
        .struct_size = sizeof keep_d, .kind = SLUICE_PROCESSOR, .name = "keep", .description = "holds records for a few ticks",
        .create = create, .destroy = destroy, .processor = &keep_v};
    static const sluice_component_descriptor count_d = {
        .struct_size = sizeof count_d, .kind = SLUICE_SOURCE, .name = "count", .description = "counts, logging acks",
        .create = create, .destroy = destroy, .source = &count_v};
    static const sluice_component_descriptor *const list[] = {&keep_d, &count_d};
    static const sluice_plugin_descriptor plugin = {sizeof plugin, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "keeper", "1.0.0", "holds records", 2, list};
    SLUICE_PLUGIN("keeper", "1.0.0", "holds records", "processor:keep source:count", &plugin)
    """#
}
