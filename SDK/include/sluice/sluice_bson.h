/*
 * sluice_bson.h — read and build the BSON records a Sluice plugin sees,
 * without libbson. Header-only C99 (and C++); it needs no other Sluice header.
 *
 * Records arrive as BSON documents (sluice_batch.data + offsets[i], length
 * lengths[i]). This header gives what a filter or a small transform needs:
 *
 *   reading   sluice_bson_iter over a document's elements; find a field by
 *             key or by dotted path ("payment.amount", "items.0.sku");
 *             typed getters that say whether the value has the type asked for.
 *   building  sluice_bson_builder: a growable buffer (malloc/realloc) to
 *             append fields, nested documents and arrays, or copy elements
 *             from a record; then host->emit the bytes.
 *
 * Every function is bounds-checked against the length it is given: a
 * malformed document makes iteration stop (sluice_bson_iter.malformed is
 * set), never read past the buffer. Nothing here is thread-unsafe beyond
 * the objects passed in. Integers are read little-endian byte by byte, so
 * the header works on any host byte order.
 *
 * Example (a processor's process call, keeping readings whose
 * WaterTemperature is a number at or above 0):
 *
 *   for (size_t i = 0; i < batch->count; i++) {
 *       const sluice_record_meta *m = (const void *)((const uint8_t *)batch->meta + i * batch->meta_stride);
 *       sluice_bson_iter t;
 *       double celsius;
 *       if (sluice_bson_find_path(batch->data + m->offset, m->length, "WaterTemperature", &t)
 *           && sluice_bson_as_double(&t, &celsius) && celsius >= 0)
 *           host->forward(ctx, i);
 *   }
 */
#ifndef SLUICE_BSON_H
#define SLUICE_BSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** BSON element types. */
enum {
    SLUICE_BSON_DOUBLE = 0x01, SLUICE_BSON_STRING = 0x02, SLUICE_BSON_DOCUMENT = 0x03, SLUICE_BSON_ARRAY = 0x04,
    SLUICE_BSON_BINARY = 0x05, SLUICE_BSON_UNDEFINED = 0x06, SLUICE_BSON_OBJECTID = 0x07, SLUICE_BSON_BOOL = 0x08,
    SLUICE_BSON_DATETIME = 0x09, SLUICE_BSON_NULL = 0x0A, SLUICE_BSON_REGEX = 0x0B, SLUICE_BSON_DBPOINTER = 0x0C,
    SLUICE_BSON_CODE = 0x0D, SLUICE_BSON_SYMBOL = 0x0E, SLUICE_BSON_CODE_W_SCOPE = 0x0F, SLUICE_BSON_INT32 = 0x10,
    SLUICE_BSON_TIMESTAMP = 0x11, SLUICE_BSON_INT64 = 0x12, SLUICE_BSON_DECIMAL128 = 0x13,
    SLUICE_BSON_MAXKEY = 0x7F, SLUICE_BSON_MINKEY = 0xFF
};

/** The current element of an iteration over one document's fields. */
typedef struct sluice_bson_iter {
    /** The document being iterated and its length in bytes. */
    const uint8_t *doc;
    size_t len;
    /** Offset of the next element. */
    size_t next;
    /** The current element: its type, NUL-terminated key, value bytes and their count. */
    uint8_t type;
    const char *key;
    const uint8_t *value;
    size_t value_len;
    /** Set when iteration stopped at bytes that are not BSON. */
    int malformed;
} sluice_bson_iter;

static inline uint32_t sluice_bson__u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t sluice_bson__u64(const uint8_t *p) {
    return (uint64_t)sluice_bson__u32(p) | (uint64_t)sluice_bson__u32(p + 4) << 32;
}

/** Starts an iteration; returns 0 (and sets malformed) if doc is not a BSON document of len bytes. */
static inline int sluice_bson_iter_init(sluice_bson_iter *it, const uint8_t *doc, size_t len) {
    memset(it, 0, sizeof *it);
    it->doc = doc;
    it->len = len;
    it->next = 4;
    if (len < 5 || sluice_bson__u32(doc) != len || doc[len - 1] != 0) {
        it->malformed = 1;
        it->next = len;
        return 0;
    }
    return 1;
}

/** Length of a NUL-terminated string at p, within end; (size_t)-1 if unterminated. */
static inline size_t sluice_bson__cstr(const uint8_t *p, const uint8_t *end) {
    const uint8_t *z = (const uint8_t *)memchr(p, 0, (size_t)(end - p));
    return z ? (size_t)(z - p) : (size_t)-1;
}

/** Bytes of a value of `type` at p (before end), or (size_t)-1 when they do not fit or type is unknown. */
static inline size_t sluice_bson__value_len(uint8_t type, const uint8_t *p, const uint8_t *end) {
    size_t left = (size_t)(end - p), n;
    switch (type) {
    case SLUICE_BSON_DOUBLE: case SLUICE_BSON_DATETIME: case SLUICE_BSON_TIMESTAMP: case SLUICE_BSON_INT64: n = 8; break;
    case SLUICE_BSON_INT32: n = 4; break;
    case SLUICE_BSON_BOOL: n = 1; break;
    case SLUICE_BSON_OBJECTID: n = 12; break;
    case SLUICE_BSON_DECIMAL128: n = 16; break;
    case SLUICE_BSON_UNDEFINED: case SLUICE_BSON_NULL: case SLUICE_BSON_MINKEY: case SLUICE_BSON_MAXKEY: n = 0; break;
    case SLUICE_BSON_STRING: case SLUICE_BSON_CODE: case SLUICE_BSON_SYMBOL:
        if (left < 4 || sluice_bson__u32(p) < 1 || sluice_bson__u32(p) > left - 4 || p[4 + sluice_bson__u32(p) - 1] != 0) return (size_t)-1;
        n = 4 + (size_t)sluice_bson__u32(p);
        break;
    case SLUICE_BSON_DOCUMENT: case SLUICE_BSON_ARRAY: case SLUICE_BSON_CODE_W_SCOPE:
        if (left < 5 || sluice_bson__u32(p) < 5 || sluice_bson__u32(p) > left) return (size_t)-1;
        n = sluice_bson__u32(p);
        break;
    case SLUICE_BSON_BINARY:
        if (left < 5 || sluice_bson__u32(p) > left - 5) return (size_t)-1;
        n = 5 + (size_t)sluice_bson__u32(p);
        break;
    case SLUICE_BSON_REGEX: {
        size_t a = sluice_bson__cstr(p, end), b;
        if (a == (size_t)-1) return (size_t)-1;
        b = sluice_bson__cstr(p + a + 1, end);
        if (b == (size_t)-1) return (size_t)-1;
        n = a + b + 2;
        break;
    }
    case SLUICE_BSON_DBPOINTER:
        if (left < 16 || sluice_bson__u32(p) < 1 || sluice_bson__u32(p) > left - 16) return (size_t)-1;
        n = 4 + (size_t)sluice_bson__u32(p) + 12;
        break;
    default: return (size_t)-1;
    }
    return n > left ? (size_t)-1 : n;
}

/** Moves to the next element. Returns 1 on an element, 0 at the end or on malformed bytes. */
static inline int sluice_bson_iter_next(sluice_bson_iter *it) {
    const uint8_t *end = it->doc + it->len - 1; /* the document's terminating 0 */
    const uint8_t *p;
    size_t klen, n;
    if (it->malformed || it->doc + it->next >= end) return 0;
    p = it->doc + it->next;
    klen = sluice_bson__cstr(p + 1, end);
    n = klen == (size_t)-1 ? (size_t)-1 : sluice_bson__value_len(p[0], p + 1 + klen + 1, end);
    if (n == (size_t)-1) {
        it->malformed = 1;
        return 0;
    }
    it->type = p[0];
    it->key = (const char *)p + 1;
    it->value = p + 1 + klen + 1;
    it->value_len = n;
    it->next = (size_t)(it->value + n - it->doc);
    return 1;
}

/** Finds the field `key` at the top level of doc. Returns 1 and sets *out to it, or 0. */
static inline int sluice_bson_find(const uint8_t *doc, size_t len, const char *key, size_t key_len, sluice_bson_iter *out) {
    sluice_bson_iter it;
    if (!sluice_bson_iter_init(&it, doc, len)) return 0;
    while (sluice_bson_iter_next(&it)) {
        if (strlen(it.key) == key_len && memcmp(it.key, key, key_len) == 0) {
            *out = it;
            return 1;
        }
    }
    return 0;
}

/** Finds a field by dotted path ("a.b.0.c": array elements by index). Returns 1 and sets *out, or 0. */
static inline int sluice_bson_find_path(const uint8_t *doc, size_t len, const char *path, sluice_bson_iter *out) {
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t part = dot ? (size_t)(dot - path) : strlen(path);
        if (!sluice_bson_find(doc, len, path, part, out)) return 0;
        if (!dot) return 1;
        if (out->type != SLUICE_BSON_DOCUMENT && out->type != SLUICE_BSON_ARRAY) return 0;
        doc = out->value;
        len = out->value_len;
        path = dot + 1;
    }
}

/** A number (double, int32 or int64) as a double. Returns 0 if the value is not a number. */
static inline int sluice_bson_as_double(const sluice_bson_iter *it, double *out) {
    switch (it->type) {
    case SLUICE_BSON_DOUBLE: { uint64_t bits = sluice_bson__u64(it->value); memcpy(out, &bits, sizeof *out); return 1; }
    case SLUICE_BSON_INT32: *out = (double)(int32_t)sluice_bson__u32(it->value); return 1;
    case SLUICE_BSON_INT64: *out = (double)(int64_t)sluice_bson__u64(it->value); return 1;
    default: return 0;
    }
}

/** An int32 or int64 as int64. Returns 0 for any other type (a double is not converted). */
static inline int sluice_bson_as_int64(const sluice_bson_iter *it, int64_t *out) {
    switch (it->type) {
    case SLUICE_BSON_INT32: *out = (int32_t)sluice_bson__u32(it->value); return 1;
    case SLUICE_BSON_INT64: *out = (int64_t)sluice_bson__u64(it->value); return 1;
    default: return 0;
    }
}

/** A string's UTF-8 bytes (NUL-terminated; *len excludes the NUL), or NULL if the value is not a string. */
static inline const char *sluice_bson_as_string(const sluice_bson_iter *it, size_t *len) {
    if (it->type != SLUICE_BSON_STRING) return NULL;
    if (len) *len = sluice_bson__u32(it->value) - 1;
    return (const char *)it->value + 4;
}

/** A boolean. Returns 0 if the value is not one. */
static inline int sluice_bson_as_bool(const sluice_bson_iter *it, int *out) {
    if (it->type != SLUICE_BSON_BOOL) return 0;
    *out = it->value[0] != 0;
    return 1;
}

/** A date as milliseconds since the Unix epoch. Returns 0 if the value is not a date. */
static inline int sluice_bson_as_datetime(const sluice_bson_iter *it, int64_t *ms) {
    if (it->type != SLUICE_BSON_DATETIME) return 0;
    *ms = (int64_t)sluice_bson__u64(it->value);
    return 1;
}

/** A nested document or array, to iterate or search. Returns 0 for other types. */
static inline int sluice_bson_as_document(const sluice_bson_iter *it, const uint8_t **doc, size_t *len) {
    if (it->type != SLUICE_BSON_DOCUMENT && it->type != SLUICE_BSON_ARRAY) return 0;
    *doc = it->value;
    *len = it->value_len;
    return 1;
}

/* ---- building -------------------------------------------------------- */

/** Nesting a builder supports (documents and arrays inside the root). */
#define SLUICE_BSON_MAX_DEPTH 32

/**
 * A document under construction. Zero it (or call sluice_bson_builder_init),
 * append, then sluice_bson_builder_finish; the bytes stay valid until the
 * next append or reset. One builder can be reset and reused for every record
 * of a batch, so its buffer is allocated once.
 */
typedef struct sluice_bson_builder {
    uint8_t *data;
    size_t len;
    size_t cap;
    /** Offsets of the open documents' length fields; [0] is the root. */
    size_t open[SLUICE_BSON_MAX_DEPTH + 1];
    int depth;
    /** Array element counters, for the next index key, per open level. */
    uint32_t index[SLUICE_BSON_MAX_DEPTH + 1];
    uint8_t is_array[SLUICE_BSON_MAX_DEPTH + 1];
    /** Set when memory ran out or nesting was wrong; finish then returns NULL. */
    int failed;
} sluice_bson_builder;

static inline int sluice_bson__reserve(sluice_bson_builder *b, size_t more) {
    if (b->failed) return 0;
    if (b->len + more <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) cap *= 2;
    uint8_t *p = (uint8_t *)realloc(b->data, cap);
    if (!p) { b->failed = 1; return 0; }
    b->data = p;
    b->cap = cap;
    return 1;
}

static inline void sluice_bson__put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/** Starts (or restarts) an empty document, keeping the buffer. */
static inline void sluice_bson_builder_reset(sluice_bson_builder *b) {
    b->len = 0;
    b->depth = 0;
    b->failed = 0;
    b->open[0] = 0;
    b->index[0] = 0;
    b->is_array[0] = 0;
    if (sluice_bson__reserve(b, 4)) b->len = 4;
}

static inline void sluice_bson_builder_init(sluice_bson_builder *b) {
    memset(b, 0, sizeof *b);
    sluice_bson_builder_reset(b);
}

/** Frees the buffer. */
static inline void sluice_bson_builder_free(sluice_bson_builder *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

/** Writes an element header: type and key (inside an array, the key is the next index). */
static inline int sluice_bson__head(sluice_bson_builder *b, uint8_t type, const char *key, size_t payload) {
    char index[11];
    if (b->is_array[b->depth]) {
        uint32_t i = b->index[b->depth]++, d = 0;
        char rev[11];
        do { rev[d++] = (char)('0' + i % 10); i /= 10; } while (i);
        for (uint32_t k = 0; k < d; k++) index[k] = rev[d - 1 - k];
        index[d] = 0;
        key = index;
    }
    size_t klen = strlen(key);
    if (!sluice_bson__reserve(b, 1 + klen + 1 + payload)) return 0;
    b->data[b->len++] = type;
    memcpy(b->data + b->len, key, klen + 1);
    b->len += klen + 1;
    return 1;
}

static inline void sluice_bson_append_double(sluice_bson_builder *b, const char *key, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (!sluice_bson__head(b, SLUICE_BSON_DOUBLE, key, 8)) return;
    sluice_bson__put32(b->data + b->len, (uint32_t)bits);
    sluice_bson__put32(b->data + b->len + 4, (uint32_t)(bits >> 32));
    b->len += 8;
}

static inline void sluice_bson_append_int32(sluice_bson_builder *b, const char *key, int32_t v) {
    if (!sluice_bson__head(b, SLUICE_BSON_INT32, key, 4)) return;
    sluice_bson__put32(b->data + b->len, (uint32_t)v);
    b->len += 4;
}

static inline void sluice_bson__append64(sluice_bson_builder *b, uint8_t type, const char *key, int64_t v) {
    if (!sluice_bson__head(b, type, key, 8)) return;
    sluice_bson__put32(b->data + b->len, (uint32_t)(uint64_t)v);
    sluice_bson__put32(b->data + b->len + 4, (uint32_t)((uint64_t)v >> 32));
    b->len += 8;
}

static inline void sluice_bson_append_int64(sluice_bson_builder *b, const char *key, int64_t v) {
    sluice_bson__append64(b, SLUICE_BSON_INT64, key, v);
}

/** A date, milliseconds since the Unix epoch. */
static inline void sluice_bson_append_datetime(sluice_bson_builder *b, const char *key, int64_t ms) {
    sluice_bson__append64(b, SLUICE_BSON_DATETIME, key, ms);
}

static inline void sluice_bson_append_bool(sluice_bson_builder *b, const char *key, int v) {
    if (!sluice_bson__head(b, SLUICE_BSON_BOOL, key, 1)) return;
    b->data[b->len++] = v ? 1 : 0;
}

static inline void sluice_bson_append_null(sluice_bson_builder *b, const char *key) {
    sluice_bson__head(b, SLUICE_BSON_NULL, key, 0);
}

/** A UTF-8 string of len bytes (it need not be NUL-terminated). */
static inline void sluice_bson_append_string(sluice_bson_builder *b, const char *key, const char *s, size_t len) {
    if (len > 0x7FFFFFFE) { b->failed = 1; return; }
    if (!sluice_bson__head(b, SLUICE_BSON_STRING, key, 4 + len + 1)) return;
    sluice_bson__put32(b->data + b->len, (uint32_t)len + 1);
    memcpy(b->data + b->len + 4, s, len);
    b->data[b->len + 4 + len] = 0;
    b->len += 4 + len + 1;
}

static inline void sluice_bson__begin(sluice_bson_builder *b, uint8_t type, const char *key) {
    if (b->depth >= SLUICE_BSON_MAX_DEPTH) { b->failed = 1; return; }
    if (!sluice_bson__head(b, type, key, 4)) return;
    b->depth++;
    b->open[b->depth] = b->len;
    b->index[b->depth] = 0;
    b->is_array[b->depth] = type == SLUICE_BSON_ARRAY;
    b->len += 4;
}

/** Opens a nested document; close it with sluice_bson_end. */
static inline void sluice_bson_begin_document(sluice_bson_builder *b, const char *key) { sluice_bson__begin(b, SLUICE_BSON_DOCUMENT, key); }

/** Opens an array: the keys of what is appended next are ignored (0, 1, 2… are written). */
static inline void sluice_bson_begin_array(sluice_bson_builder *b, const char *key) { sluice_bson__begin(b, SLUICE_BSON_ARRAY, key); }

/** Closes the innermost open document or array. */
static inline void sluice_bson_end(sluice_bson_builder *b) {
    if (b->depth == 0) { b->failed = 1; return; }
    if (!sluice_bson__reserve(b, 1)) return;
    b->data[b->len++] = 0;
    size_t start = b->open[b->depth];
    sluice_bson__put32(b->data + start, (uint32_t)(b->len - start));
    b->depth--;
}

/** Copies the iterator's current element (from a record), under `key` or its own key when key is NULL. */
static inline void sluice_bson_append_element(sluice_bson_builder *b, const char *key, const sluice_bson_iter *it) {
    if (!sluice_bson__head(b, it->type, key ? key : it->key, it->value_len)) return;
    memcpy(b->data + b->len, it->value, it->value_len);
    b->len += it->value_len;
}

/** Ends the root document. Returns its bytes (and *len), or NULL if a step failed or a level is still open. */
static inline const uint8_t *sluice_bson_builder_finish(sluice_bson_builder *b, size_t *len) {
    if (b->failed || b->depth != 0 || !sluice_bson__reserve(b, 1)) return NULL;
    b->data[b->len++] = 0;
    sluice_bson__put32(b->data, (uint32_t)b->len);
    *len = b->len;
    return b->data;
}

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_BSON_H */
