/// The files `sluice new-plugin` writes.
enum PluginTemplates {
    static func identifier(_ name: String) -> String { name.replacingOccurrences(of: "-", with: "_") }

    static func c(name: String, sdk: String) -> [(String, String)] {
        let id = identifier(name)
        return [
            ("Makefile", """
            # Builds lib\(name).so against the Sluice plugin header.
            SLUICE_SDK ?= \(sdk)/SDK/include
            CFLAGS ?= -O2 -Wall -Wextra -std=c11

            lib\(name).so: \(id).c
            \tcc $(CFLAGS) -fPIC -shared -I$(SLUICE_SDK) -o $@ $<

            clean:
            \trm -f lib\(name).so

            .PHONY: clean

            """),
            ("\(id).c", """
            /* \(name): a pass-through processor that counts records. Edit process() to transform them. */
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

            static const sluice_processor_vtable \(id)_vtable = {sizeof(sluice_processor_vtable), \(id)_process, NULL};

            static const sluice_component_descriptor \(id)_component = {
                sizeof(sluice_component_descriptor), SLUICE_PROCESSOR, "pass", "Forwards every record unchanged",
                "{\\"type\\":\\"object\\",\\"additionalProperties\\":false}", 0,
                \(id)_create, \(id)_destroy, NULL, &\(id)_vtable, NULL};

            static const sluice_component_descriptor *const \(id)_components[] = {&\(id)_component};

            static const sluice_plugin_descriptor \(id)_plugin = {
                sizeof(sluice_plugin_descriptor), SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR,
                "\(name)", "0.1.0", "A pass-through processor", 1, \(id)_components};

            SLUICE_PLUGIN("\(name)", "0.1.0", "A pass-through processor", "processor:pass", &\(id)_plugin)

            """),
            ("example.yaml", """
            # Run from this folder: sluice run example.yaml --plugin-path .
            plugins:
              - path: ./lib\(name).so
            sources:
              gen:
                use: faker.generate
                config: {profile: people, count: 10, seed: 1}
            processors:
              pass:
                use: \(name).pass
                inputs: [gen]
            sinks:
              out:
                use: file.write
                inputs: [pass]
                config: {path: "-"}

            """),
        ]
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
                dependencies: [.package(name: "Sluice", path: "\(sdk)")],
                targets: [
                    .target(name: "\(type)", dependencies: [.product(name: "SluiceSDK", package: "Sluice")]),
                    .target(name: "\(type)Entry", dependencies: ["\(type)", .product(name: "SluiceSDK", package: "Sluice")],
                            publicHeadersPath: "."),
                ],
                swiftLanguageModes: [.v5]
            )

            """),
            ("Sources/\(type)Entry/entry.c", """
            /* The ELF note and entry symbol; the component is in Swift. */
            #include <sluice/sluice_plugin.h>

            extern const sluice_plugin_descriptor *sluice_\(id)_descriptor(void);

            SLUICE_PLUGIN("\(name)", "0.1.0", "A pass-through processor", "processor:pass", sluice_\(id)_descriptor())

            """),
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

            let plugin = PluginExport(name: "\(name)", version: "0.1.0", summary: "A pass-through processor",
                                      components: [.processor(Pass.self)])

            @_cdecl("sluice_\(id)_descriptor")
            public func descriptor() -> UnsafeRawPointer { plugin.raw }

            """),
        ]
    }
}
