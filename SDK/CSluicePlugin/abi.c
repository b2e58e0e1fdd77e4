/* Compile-time checks that the ABI layout is what the header promises. */
#include <sluice/sluice_plugin.h>

_Static_assert(sizeof(sluice_record_meta) == 32, "sluice_record_meta must stay 32 bytes");
_Static_assert(offsetof(sluice_batch, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_host_api, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_emit_options, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_plugin_descriptor, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sluice_component_descriptor, struct_size) == 0, "struct_size first");
