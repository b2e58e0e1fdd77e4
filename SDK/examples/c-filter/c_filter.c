/*
 * c-filter: keeps beach readings whose WaterTemperature is a number from -5 to 40 (°C), adds
 * WaterTemperatureF, and sends the rest to the dead-letter queue with the reason.
 * Needs only cc and the two Sluice headers: sluice_bson.h reads and builds BSON without libbson.
 */
#include <stdlib.h>
#include <sluice/sluice_plugin.h>
#include <sluice/sluice_bson.h>

typedef struct { const sluice_host_api *host; sluice_bson_builder out; } filter_state;

static sluice_status filter_create(const sluice_component_descriptor *self, const char *config, const sluice_host_api *host,
                                   void **state, char *error, size_t cap) {
    (void)self; (void)config; (void)error; (void)cap;
    filter_state *s = calloc(1, sizeof *s);
    if (!s) return SLUICE_RETRIABLE;
    s->host = host;
    sluice_bson_builder_init(&s->out); /* one buffer, reused for every record */
    *state = s;
    return SLUICE_OK;
}

static void filter_destroy(void *state) { sluice_bson_builder_free(&((filter_state *)state)->out); free(state); }

static sluice_status filter_process(void *state, const sluice_batch *batch, sluice_context *ctx) {
    filter_state *s = state;
    for (size_t i = 0; i < batch->count; i++) {
        const sluice_record_meta *m = (const void *)((const uint8_t *)batch->meta + i * batch->meta_stride);
        const uint8_t *doc = batch->data + m->offset;
        sluice_bson_iter it;
        double c;
        if (!sluice_bson_find_path(doc, m->length, "WaterTemperature", &it) || !sluice_bson_as_double(&it, &c) || c < -5 || c > 40) {
            s->host->fail(ctx, i, SLUICE_FAILURE_PERMANENT, "WaterTemperature is missing, not a number, or outside -5..40");
            continue;
        }
        sluice_bson_builder_reset(&s->out);
        for (sluice_bson_iter_init(&it, doc, m->length); sluice_bson_iter_next(&it);) sluice_bson_append_element(&s->out, NULL, &it);
        sluice_bson_append_double(&s->out, "WaterTemperatureF", c * 9 / 5 + 32);
        size_t len;
        const uint8_t *out = sluice_bson_builder_finish(&s->out, &len);
        sluice_emit_options o = {.struct_size = sizeof o, .event_time_ms = SLUICE_NO_EVENT_TIME, .input_index = (int32_t)i};
        if (!out || s->host->emit(ctx, out, len, &o) != 0) s->host->fail(ctx, i, SLUICE_FAILURE_PERMANENT, "could not build the record");
    }
    return SLUICE_OK;
}

static const sluice_processor_vtable filter_vtable = {sizeof(sluice_processor_vtable), filter_process, NULL};
static const sluice_component_descriptor filter_component = {
    .struct_size = sizeof(sluice_component_descriptor), .kind = SLUICE_PROCESSOR, .name = "filter",
    .description = "Keeps plausible water temperatures and adds Fahrenheit",
    .config_schema = "{\"type\":\"object\",\"additionalProperties\":false}",
    .create = filter_create, .destroy = filter_destroy, .processor = &filter_vtable};
static const sluice_component_descriptor *const filter_components[] = {&filter_component};
static const sluice_plugin_descriptor filter_plugin = {
    sizeof(sluice_plugin_descriptor), SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "c-filter", "0.1.0", "A BSON filter in C", 1, filter_components};
SLUICE_PLUGIN("c-filter", "0.1.0", "A BSON filter in C", "processor:filter", &filter_plugin)
