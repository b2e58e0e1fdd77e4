/*
 * c-pass: two processors to start from.
 *   pass  forwards every record unchanged and counts them; edit process() to transform them.
 *   route reads several inputs (ABI 1.1 input ports): records of its first input go on to the
 *         default output, records of any other input to the named output `rest`.
 */
#include <stdio.h>
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

static sluice_status c_pass_create_route(const sluice_component_descriptor *self, const char *config_json,
                                        const sluice_host_api *host, void **state, char *error, size_t cap) {
    /* Input ports arrived in ABI 1.1: refuse an older host instead of routing everything one way. */
    if (!SLUICE_HAS_FIELD(sluice_host_api, host->struct_size, inputs)) {
        snprintf(error, cap, "needs a Sluice host with plugin ABI 1.1 or later");
        return SLUICE_CONFIG_ERROR;
    }
    return c_pass_create(self, config_json, host, state, error, cap);
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

static sluice_status c_pass_route(void *state, const sluice_batch *batch, sluice_context *ctx) {
    c_pass_state *s = state;
    for (size_t i = 0; i < batch->count; i++) {
        if (batch->input_port == 0) {
            s->host->forward(ctx, i);
            continue;
        }
        const sluice_record_meta *m = (const sluice_record_meta *)((const char *)batch->meta + i * batch->meta_stride);
        sluice_emit_options o = {0};
        o.struct_size = sizeof o;
        o.event_time_ms = SLUICE_NO_EVENT_TIME;
        o.input_index = (int32_t)i;
        o.output = 1; /* outputs[0], "rest" */
        if (s->host->emit(ctx, batch->data + m->offset, m->length, &o) != 0)
            s->host->fail(ctx, i, SLUICE_FAILURE_PERMANENT, "could not emit the record");
    }
    if (s->seen) s->host->metric_record(s->seen, (double)batch->count);
    return SLUICE_OK;
}

static const sluice_processor_vtable c_pass_vtable = {sizeof(sluice_processor_vtable), c_pass_process, NULL};
static const sluice_processor_vtable c_pass_route_vtable = {sizeof(sluice_processor_vtable), c_pass_route, NULL};
static const char *const c_pass_route_outputs[] = {"rest"};

static const sluice_component_descriptor c_pass_component = {
    .struct_size = sizeof(sluice_component_descriptor), .kind = SLUICE_PROCESSOR, .name = "pass",
    .description = "Forwards every record unchanged",
    .config_schema = "{\"type\":\"object\",\"additionalProperties\":false}",
    .create = c_pass_create, .destroy = c_pass_destroy, .processor = &c_pass_vtable};

static const sluice_component_descriptor c_pass_route_component = {
    .struct_size = sizeof(sluice_component_descriptor), .kind = SLUICE_PROCESSOR, .name = "route",
    .description = "First input to the default output, the others to output rest",
    .config_schema = "{\"type\":\"object\",\"additionalProperties\":false}",
    .create = c_pass_create_route, .destroy = c_pass_destroy, .processor = &c_pass_route_vtable,
    .output_count = 1, .outputs = c_pass_route_outputs};

static const sluice_component_descriptor *const c_pass_components[] = {&c_pass_component, &c_pass_route_component};

static const sluice_plugin_descriptor c_pass_plugin = {
    sizeof(sluice_plugin_descriptor), SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR,
    "c-pass", "0.1.0", "A pass-through and a two-input processor", 2, c_pass_components};

SLUICE_PLUGIN("c-pass", "0.1.0", "A pass-through and a two-input processor", "processor:pass processor:route[rest]", &c_pass_plugin)
