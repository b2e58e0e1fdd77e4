#include <dlfcn.h>
#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

/* libcrypto is opened by each digest instead of linked: only a manifest that
   pins a plugin's sha256 needs it, and linking it made every sluice process
   map it and apply its ~18,000 relocations (about 0.7 ms and 120 page faults).
   A dlopen of a library already open only counts a reference. */

/* OpenSSL 3 names its soname version here; 1.1's headers do not, and the
   stringised macro name would build and then fail every pin at run time. */
#ifndef OPENSSL_SHLIB_VERSION
#error "sluice needs OpenSSL 3 headers (OPENSSL_SHLIB_VERSION) to name libcrypto"
#endif

/* The digest calls FileDigest makes, looked up in libcrypto; each typed as
   the header declares it, so the compiler checks the signatures. */
typedef struct {
    __typeof__(EVP_MD_CTX_new) *ctx_new;
    __typeof__(EVP_MD_CTX_free) *ctx_free;
    __typeof__(EVP_sha256) *sha256;
    __typeof__(EVP_DigestInit_ex) *digest_init;
    __typeof__(EVP_DigestUpdate) *digest_update;
    __typeof__(EVP_DigestFinal_ex) *digest_final;
} sluice_digest_calls;

#define SLUICE_CRYPTO_NAME_(v) "libcrypto.so." #v
#define SLUICE_CRYPTO_NAME(v) SLUICE_CRYPTO_NAME_(v)

/* Fills `c`; 0 when libcrypto (the soname of the headers built against) cannot be
   opened or lacks a call, and dlerror() says why. The library stays loaded. */
static inline int sluice_digest_calls_load(sluice_digest_calls *c) {
    void *lib = dlopen(SLUICE_CRYPTO_NAME(OPENSSL_SHLIB_VERSION), RTLD_NOW | RTLD_LOCAL);
    if (!lib) return 0;
    c->ctx_new = (__typeof__(c->ctx_new))dlsym(lib, "EVP_MD_CTX_new");
    c->ctx_free = (__typeof__(c->ctx_free))dlsym(lib, "EVP_MD_CTX_free");
    c->sha256 = (__typeof__(c->sha256))dlsym(lib, "EVP_sha256");
    c->digest_init = (__typeof__(c->digest_init))dlsym(lib, "EVP_DigestInit_ex");
    c->digest_update = (__typeof__(c->digest_update))dlsym(lib, "EVP_DigestUpdate");
    c->digest_final = (__typeof__(c->digest_final))dlsym(lib, "EVP_DigestFinal_ex");
    return c->ctx_new && c->ctx_free && c->sha256 && c->digest_init && c->digest_update && c->digest_final;
}
