#include <dlfcn.h>
#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

/* libcrypto is opened on first use instead of linked: only a manifest that
   pins a plugin's sha256 needs it, and linking it made every sluice process
   map it and apply its ~18,000 relocations (about 0.7 ms and 120 page faults). */

/* The digest calls FileDigest makes, looked up in libcrypto. */
typedef struct {
    EVP_MD_CTX *(*ctx_new)(void);
    void (*ctx_free)(EVP_MD_CTX *);
    const EVP_MD *(*sha256)(void);
    int (*digest_init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
    int (*digest_update)(EVP_MD_CTX *, const void *, size_t);
    int (*digest_final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
} sluice_digest_calls;

#define SLUICE_CRYPTO_NAME_(v) "libcrypto.so." #v
#define SLUICE_CRYPTO_NAME(v) SLUICE_CRYPTO_NAME_(v)

/* Fills `c`; 0 when libcrypto (the soname of the headers built against) cannot be
   opened or lacks a call, and dlerror() says why. The library stays loaded. */
static inline int sluice_digest_calls_load(sluice_digest_calls *c) {
    void *lib = dlopen(SLUICE_CRYPTO_NAME(OPENSSL_SHLIB_VERSION), RTLD_NOW | RTLD_LOCAL);
    if (!lib) return 0;
    c->ctx_new = (EVP_MD_CTX * (*)(void)) dlsym(lib, "EVP_MD_CTX_new");
    c->ctx_free = (void (*)(EVP_MD_CTX *))dlsym(lib, "EVP_MD_CTX_free");
    c->sha256 = (const EVP_MD *(*)(void))dlsym(lib, "EVP_sha256");
    c->digest_init = (int (*)(EVP_MD_CTX *, const EVP_MD *, ENGINE *))dlsym(lib, "EVP_DigestInit_ex");
    c->digest_update = (int (*)(EVP_MD_CTX *, const void *, size_t))dlsym(lib, "EVP_DigestUpdate");
    c->digest_final = (int (*)(EVP_MD_CTX *, unsigned char *, unsigned int *))dlsym(lib, "EVP_DigestFinal_ex");
    return c->ctx_new && c->ctx_free && c->sha256 && c->digest_init && c->digest_update && c->digest_final;
}
