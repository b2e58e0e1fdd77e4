/* The baseline for the mongodb sink: bulk-insert NDJSON documents with
 * libmongoc, `batch` per bulk write, unordered, as plainly as C allows.
 * Usage: mongo_baseline URI DB COLLECTION FILE BATCH */
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: %s URI DB COLLECTION FILE BATCH\n", argv[0]); return 2; }
    mongoc_init();
    mongoc_client_t *client = mongoc_client_new(argv[1]);
    mongoc_collection_t *coll = mongoc_client_get_collection(client, argv[2], argv[3]);
    FILE *f = fopen(argv[4], "r");
    if (!client || !f) { fprintf(stderr, "cannot open client or file\n"); return 1; }
    long batch = atol(argv[5]), queued = 0, written = 0;
    bson_t *opts = BCON_NEW("ordered", BCON_BOOL(false));
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, opts);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bson_error_t error;
    while ((n = getline(&line, &cap, f)) > 0) {
        bson_t *doc = bson_new_from_json((const uint8_t *)line, n, &error);
        if (!doc) continue;
        mongoc_bulk_operation_insert(bulk, doc);
        bson_destroy(doc);
        if (++queued == batch) {
            bson_t reply;
            if (!mongoc_bulk_operation_execute(bulk, &reply, &error)) fprintf(stderr, "bulk: %s\n", error.message);
            bson_destroy(&reply);
            mongoc_bulk_operation_destroy(bulk);
            bulk = mongoc_collection_create_bulk_operation_with_opts(coll, opts);
            written += queued;
            queued = 0;
        }
    }
    if (queued) {
        bson_t reply;
        mongoc_bulk_operation_execute(bulk, &reply, &error);
        bson_destroy(&reply);
        written += queued;
    }
    mongoc_bulk_operation_destroy(bulk);
    printf("%ld\n", written);
    free(line);
    fclose(f);
    bson_destroy(opts);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(client);
    mongoc_cleanup();
    return 0;
}
