/* c-pass: a pass-through processor that counts records. Edit process() to transform them. */
#include <stdlib.h>
#include <sluice/sluice_plugin.h>

typedef struct {
    const sluice_host_api *host;
    sluice_metric *seen;
} c_pass_state;

static sluice_status c_pass_create(const sluice_component_descriptor *self, const char *config_json,
                                  const sluice_host_api *host, void **state, char *error, size_t cap) {
    (void)self; (void)config_json; (void)error; (void)cap;
    c_pass_state *s = calloc(1, sizeof *s);
    if (!s) return SLUICE_RETRIABLE;
    s->host = host;
    s->seen = host->metric(host->host_data, SLUICE_METRIC_COUNTER, "records_seen_total", "records processed");
    *state = s;
    return SLUICE_OK;
}

static void c_pass_destroy(void *state) { free(state); }

static sluice_status c_pass_process(void *state, const sluice_batch *batch, sluice_context *ctx) {
    c_pass_state *s = state;
    for (size_t i = 0; i < batch->count; i++) {
        /* To change a record, build new BSON and call s->host->emit instead. */
        if (s->host->forward(ctx, i) != 0)
            s->host->fail(ctx, i, SLUICE_FAILURE_PERMANENT, "could not forward the record");
    }
    if (s->seen) s->host->metric_record(s->seen, (double)batch->count);
    return SLUICE_OK;
}

static const sluice_processor_vtable c_pass_vtable = {sizeof(sluice_processor_vtable), c_pass_process, NULL};

static const sluice_component_descriptor c_pass_component = {
    sizeof(sluice_component_descriptor), SLUICE_PROCESSOR, "pass", "Forwards every record unchanged",
    "{\"type\":\"object\",\"additionalProperties\":false}", 0,
    c_pass_create, c_pass_destroy, NULL, &c_pass_vtable, NULL};

static const sluice_component_descriptor *const c_pass_components[] = {&c_pass_component};

static const sluice_plugin_descriptor c_pass_plugin = {
    sizeof(sluice_plugin_descriptor), SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR,
    "c-pass", "0.1.0", "A pass-through processor", 1, c_pass_components};

SLUICE_PLUGIN("c-pass", "0.1.0", "A pass-through processor", "processor:pass", &c_pass_plugin)
