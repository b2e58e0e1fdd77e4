/* Linux calls Swift's Glibc module leaves out: glibc declares them only
   under _GNU_SOURCE, which that module is built without. */
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/memfd.h>

/* File seals (fcntl.h, under _GNU_SOURCE). */
#define SLUICE_F_ADD_SEALS 1033
#define SLUICE_F_SEAL_SEAL 0x0001
#define SLUICE_F_SEAL_SHRINK 0x0002

/* glibc's memfd_create (2.27), through the system call it wraps. */
static inline int sluice_memfd_create(const char *name, unsigned int flags) {
    return (int)syscall(SYS_memfd_create, name, flags);
}

int pipe2(int fds[2], int flags);
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
