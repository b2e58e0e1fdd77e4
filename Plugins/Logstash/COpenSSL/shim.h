#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* What Swift cannot call directly (macros), and what it should not do by
   hand (signal masks), for the Logstash sink's TLS connection. */

static inline int sluice_ssl_ctx_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/* The name the peer's certificate must carry: an IP address is matched
   against IP SANs; a host name is also sent as SNI. */
static inline int sluice_ssl_expect_peer(SSL *ssl, const char *name) {
    unsigned char addr[16];
    if (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name);
    if (!SSL_set_tlsext_host_name(ssl, name)) return 0;
    return SSL_set1_host(ssl, name);
}

/* OpenSSL writes with write(2), which raises SIGPIPE on a closed peer and
   would kill the host. Block it on this thread for the call and discard
   one it raised, so the error comes back as a failed write instead. */
static inline void sluice_sigpipe_block(sigset_t *old) {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, old);
}

static inline void sluice_sigpipe_restore(const sigset_t *old) {
    sigset_t pending, pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_only, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static inline int sluice_ssl_write(SSL *ssl, const void *buf, int num) {
    sigset_t old;
    sluice_sigpipe_block(&old);
    int n = SSL_write(ssl, buf, num);
    sluice_sigpipe_restore(&old);
    return n;
}

static inline int sluice_ssl_connect(SSL *ssl) {
    sigset_t old;
    sluice_sigpipe_block(&old);
    int n = SSL_connect(ssl);
    sluice_sigpipe_restore(&old);
    return n;
}

static inline void sluice_ssl_shutdown(SSL *ssl) {
    sigset_t old;
    sluice_sigpipe_block(&old);
    SSL_shutdown(ssl);
    sluice_sigpipe_restore(&old);
}
