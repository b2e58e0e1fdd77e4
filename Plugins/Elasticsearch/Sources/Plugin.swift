import SluiceSDK

let elasticsearchPlugin = PluginExport(
    name: "elasticsearch", version: "0.1.0", summary: "Elasticsearch _bulk sink: per-item errors, retries, _id from a key",
    components: [.sink(ElasticsearchSink.self)])

@_cdecl("sluice_elasticsearch_descriptor")
public func sluiceElasticsearchDescriptor() -> UnsafeRawPointer { elasticsearchPlugin.raw }
