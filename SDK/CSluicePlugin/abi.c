/* Compile-time checks that the ABI layout is what the header promises. */
#include <sluice/sluice_plugin.h>

/* The 1.0 metadata is 32 bytes, 40 from 1.3; 1.6 appends after that (readers step by meta_stride). */
_Static_assert(offsetof(sluice_record_meta, split) == 32, "ABI 1.0 fields of sluice_record_meta keep their layout");
_Static_assert(offsetof(sluice_record_meta, text_offset) == 40, "ABI 1.3 fields of sluice_record_meta keep their layout");
_Static_assert(sizeof(sluice_record_meta) == 56, "sluice_record_meta is 56 bytes in ABI 1.6");
_Static_assert(offsetof(sluice_record_meta, text_length) == 44 && offsetof(sluice_record_meta, text_format) == 48,
               "ABI 1.6 fields of sluice_record_meta follow text_offset");
_Static_assert(offsetof(sluice_emit_options, text) == 64 && offsetof(sluice_emit_options, text_length) == 72 &&
               offsetof(sluice_emit_options, text_format) == 76 && sizeof(sluice_emit_options) == 80,
               "ABI 1.6 fields of sluice_emit_options follow the 1.3 ones");
_Static_assert(offsetof(sluice_batch, text_data) > offsetof(sluice_batch, revoked_count), "ABI 1.6 fields of sluice_batch come last");
_Static_assert(offsetof(sluice_host_api, release_many) > offsetof(sluice_host_api, worker_count), "ABI 1.6 fields of sluice_host_api come last");
_Static_assert(offsetof(sluice_batch, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_host_api, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_emit_options, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_plugin_descriptor, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_component_descriptor, struct_size) == 0, "struct_size first");
