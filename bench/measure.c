/* Wall seconds, CPU seconds and peak RSS of a command and of every process it starts.
 * Usage: measure TIMEOUT_SECONDS COMMAND [ARGS...]
 * Prints one JSON line {"seconds", "cpu_s", "peak_rss_kib", "status"}; the
 * command's stdout goes to stderr, so stdout carries only that line.
 *
 * It is a child subreaper: what the command leaves behind (Spark's JVM outlives
 * its Python driver by a moment) is reparented here and reaped here, so its
 * CPU time and RSS count too. It is C because a process forked from Python
 * starts with the interpreter's resident pages, and ru_maxrss keeps that
 * high-water mark across exec: every command would have looked 13 MiB or more. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t expired;

static void on_alarm(int sig) { (void)sig; expired = 1; }

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* SIGKILL to every process whose parent is this one: the command, or what it left behind. */
static void kill_children(void) {
    DIR *proc = opendir("/proc");
    struct dirent *e;
    char path[64], stat[512];
    while (proc && (e = readdir(proc))) {
        int pid = atoi(e->d_name), ppid;
        if (pid <= 0) continue;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = 0;
        char *end = strrchr(stat, ')');
        if (end && sscanf(end + 2, "%*c %d", &ppid) == 1 && ppid == getpid()) kill(pid, SIGKILL);
    }
    if (proc) closedir(proc);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s TIMEOUT_SECONDS COMMAND [ARGS...]\n", argv[0]);
        return 2;
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct sigaction alarm_action = {0};
    alarm_action.sa_handler = on_alarm; /* no SA_RESTART: waitpid returns EINTR */
    sigaction(SIGALRM, &alarm_action, NULL);
    alarm((unsigned)atoi(argv[1]));

    double start = now();
    pid_t command = fork();
    if (command == 0) {
        dup2(2, 1);
        setsid();
        execvp(argv[2], argv + 2);
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = -1, timed_out = 0;
    for (;;) {
        int ws;
        pid_t pid = waitpid(-1, &ws, 0);
        if (pid == command) status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        if (pid >= 0) continue;
        if (errno != EINTR) break; /* ECHILD: everything is reaped */
        if (expired) {
            expired = 0;
            timed_out = timed_out || status < 0;
            kill_children();
            alarm(1); /* and again for whatever was reparented meanwhile */
        }
    }
    double seconds = now() - start;
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    double cpu = u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
    char code[16];
    snprintf(code, sizeof code, "%d", status);
    printf("{\"seconds\": %.6f, \"cpu_s\": %.6f, \"peak_rss_kib\": %ld, \"status\": %s}\n", seconds, cpu,
           u.ru_maxrss, timed_out ? "\"timeout\"" : code);
    return 0;
}
