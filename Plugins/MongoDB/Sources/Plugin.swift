import SluiceSDK

let mongoPlugin = PluginExport(
    name: "mongodb", version: "0.1.0", summary: "MongoDB sink on libmongoc: bulk insert, upsert or replace by key",
    components: [.sink(MongoSink.self)])

@_cdecl("sluice_mongodb_descriptor")
public func sluiceMongoDBDescriptor() -> UnsafeRawPointer { mongoPlugin.raw }
