// The 8-bit library: patterns and subjects are UTF-8 bytes, as BSON stores strings.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
