import Foundation

/// The files `sluice new-plugin` writes.
enum PluginTemplates {
    static func identifier(_ name: String) -> String { name.replacingOccurrences(of: "-", with: "_") }

    static func c(name: String, sdk: String) -> [(String, String)] {
        let id = identifier(name)
        return [
            ("Makefile", """
            # Builds lib\(name).so with only cc and the Sluice plugin kit's headers.
            # Another kit: make SLUICE_CFLAGS="$$(pkg-config --cflags sluice-plugin)"
            SLUICE_CFLAGS ?= -I\(sdk)/include
            CFLAGS ?= -O2 -Wall -Wextra -std=c11

            lib\(name).so: \(id).c
            \tcc $(CFLAGS) -fPIC -shared $(SLUICE_CFLAGS) -o $@ $<

            clean:
            \trm -f lib\(name).so

            .PHONY: clean

            """),
            ("\(id).c", """
            /*
             * \(name): two processors to start from.
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
            } \(id)_state;

            static sluice_status \(id)_create(const sluice_component_descriptor *self, const char *config_json,
                                              const sluice_host_api *host, void **state, char *error, size_t cap) {
                (void)self; (void)config_json; (void)error; (void)cap;
                \(id)_state *s = calloc(1, sizeof *s);
                if (!s) return SLUICE_RETRIABLE;
                s->host = host;
                s->seen = host->metric(host->host_data, SLUICE_METRIC_COUNTER, "records_seen_total", "records processed");
                *state = s;
                return SLUICE_OK;
            }

            static sluice_status \(id)_create_route(const sluice_component_descriptor *self, const char *config_json,
                                                    const sluice_host_api *host, void **state, char *error, size_t cap) {
                /* Input ports arrived in ABI 1.1: refuse an older host instead of routing everything one way. */
                if (!SLUICE_HAS_FIELD(sluice_host_api, host->struct_size, inputs)) {
                    snprintf(error, cap, "needs a Sluice host with plugin ABI 1.1 or later");
                    return SLUICE_CONFIG_ERROR;
                }
                return \(id)_create(self, config_json, host, state, error, cap);
            }

            static void \(id)_destroy(void *state) { free(state); }

            static sluice_status \(id)_process(void *state, const sluice_batch *batch, sluice_context *ctx) {
                \(id)_state *s = state;
                for (size_t i = 0; i < batch->count; i++) {
                    /* To change a record, build new BSON and call s->host->emit instead. */
                    if (s->host->forward(ctx, i) != 0)
                        s->host->fail(ctx, i, SLUICE_FAILURE_PERMANENT, "could not forward the record");
                }
                if (s->seen) s->host->metric_record(s->seen, (double)batch->count);
                return SLUICE_OK;
            }

            static sluice_status \(id)_route(void *state, const sluice_batch *batch, sluice_context *ctx) {
                \(id)_state *s = state;
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

            static const sluice_processor_vtable \(id)_vtable = {sizeof(sluice_processor_vtable), \(id)_process, NULL};
            static const sluice_processor_vtable \(id)_route_vtable = {sizeof(sluice_processor_vtable), \(id)_route, NULL};
            static const char *const \(id)_route_outputs[] = {"rest"};

            static const sluice_component_descriptor \(id)_component = {
                .struct_size = sizeof(sluice_component_descriptor), .kind = SLUICE_PROCESSOR, .name = "pass",
                .description = "Forwards every record unchanged",
                .config_schema = "{\\"type\\":\\"object\\",\\"additionalProperties\\":false}",
                .create = \(id)_create, .destroy = \(id)_destroy, .processor = &\(id)_vtable};

            static const sluice_component_descriptor \(id)_route_component = {
                .struct_size = sizeof(sluice_component_descriptor), .kind = SLUICE_PROCESSOR, .name = "route",
                .description = "First input to the default output, the others to output rest",
                .config_schema = "{\\"type\\":\\"object\\",\\"additionalProperties\\":false}",
                .create = \(id)_create_route, .destroy = \(id)_destroy, .processor = &\(id)_route_vtable,
                .output_count = 1, .outputs = \(id)_route_outputs};

            static const sluice_component_descriptor *const \(id)_components[] = {&\(id)_component, &\(id)_route_component};

            static const sluice_plugin_descriptor \(id)_plugin = {
                sizeof(sluice_plugin_descriptor), SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR,
                "\(name)", "0.1.0", "A pass-through and a two-input processor", 2, \(id)_components};

            SLUICE_PLUGIN("\(name)", "0.1.0", "A pass-through and a two-input processor", "processor:pass processor:route[rest]", &\(id)_plugin)

            """),
            ("example.yaml", exampleManifest(name)),
        ]
    }

    /// Two sources into `route`: people through `pass` to its first input,
    /// orders to its second; the default output to stdout, `rest` to a file.
    static func exampleManifest(_ name: String, plugin: String? = nil) -> String {
        """
        # Run from this folder: sluice run example.yaml
        plugins:
          - path: \(plugin ?? "./lib\(name).so")
        sources:
          people:
            use: faker.generate
            config: {profile: people, count: 10, seed: 1}
          orders:
            use: faker.generate
            config: {profile: orders, count: 5, seed: 1}
        processors:
          pass:
            use: \(name).pass
            inputs: [people]
          route:
            use: \(name).route
            inputs: [pass, orders]
        sinks:
          out:
            use: file.write
            inputs: [route]
            config: {path: "-"}
          rest:
            use: file.write
            inputs: [route.rest]
            config: {path: rest.ndjson}

        """
    }

    static func swift(name: String, sdk: String) -> [(String, String)] {
        let id = identifier(name)
        let type = name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return [
            ("Package.swift", """
            // swift-tools-version:6.0
            import PackageDescription

            let package = Package(
                name: "\(type)",
                products: [.library(name: "\(name)", type: .dynamic, targets: ["\(type)Entry", "\(type)"])],
                // The SDK package alone: it depends on nothing but the toolchain.
                dependencies: [.package(path: "\(sdk)")],
                targets: [
                    .target(name: "\(type)", dependencies: [.product(name: "SluiceSDK", package: "\(URL(fileURLWithPath: sdk).lastPathComponent)")]),
                    .target(name: "\(type)Entry", dependencies: ["\(type)", .product(name: "SluiceSDK", package: "\(URL(fileURLWithPath: sdk).lastPathComponent)")],
                            publicHeadersPath: "."),
                ],
                swiftLanguageModes: [.v6]
            )

            """),
            ("Sources/\(type)Entry/entry.c", """
            /* The ELF note and entry symbol; the component is in Swift. */
            #include <sluice/sluice_plugin.h>

            extern const sluice_plugin_descriptor *sluice_\(id)_descriptor(void);

            SLUICE_PLUGIN("\(name)", "0.1.0", "A pass-through and a two-input processor", "processor:pass processor:route[rest]",
                          sluice_\(id)_descriptor())

            """),
            ("example.yaml", exampleManifest(name, plugin: ".build/release/lib\(name).so")),
            ("Sources/\(type)/\(type).swift", """
            import SluiceSDK

            /// Forwards every record unchanged; edit process() to transform them.
            public final class Pass: Processor {
                public static let name = "pass"
                public static let summary = "Forwards every record unchanged"
                public static let configSchema = #"{"type":"object","additionalProperties":false}"#

                let seen: Metric

                public required init(config: Config, host: PluginHost) throws {
                    seen = host.metric(.counter, "records_seen_total", help: "records processed")
                }

                public func process(_ batch: Batch, _ output: Output) throws {
                    for record in batch { output.forward(record) }
                    seen.record(Double(batch.count))
                }
            }

            /// Reads several inputs (ABI 1.1 input ports): records of the first go on
            /// to the default output, those of any other input to the output `rest`.
            public final class Route: Processor {
                public static let name = "route"
                public static let summary = "First input to the default output, the others to output rest"
                public static let configSchema = #"{"type":"object","additionalProperties":false}"#
                public static let outputs = ["rest"]
                static let rest = outputIndex("rest")!

                public required init(config: Config, host: PluginHost) throws {
                    guard host.inputNames.count >= 2 else {
                        throw SluiceError.config("route reads two or more inputs; it has \\(host.inputNames)")
                    }
                }

                public func process(_ batch: Batch, _ output: Output) throws {
                    for record in batch {
                        if batch.inputPort == 0 {
                            output.forward(record)
                        } else {
                            output.emit(record.document.bytes, inputIndex: record.index, output: Self.rest)
                        }
                    }
                }
            }

            let plugin = PluginExport(name: "\(name)", version: "0.1.0", summary: "A pass-through and a two-input processor",
                                      components: [.processor(Pass.self), .processor(Route.self)])

            @_cdecl("sluice_\(id)_descriptor")
            public func descriptor() -> UnsafeRawPointer { plugin.raw }

            """),
        ]
    }
}
