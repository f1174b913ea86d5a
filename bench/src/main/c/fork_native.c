/*
 * The native side of io.pinsim.bench.ScalingFigures: the machine's own kernel forking a process
 * that has N populated private anonymous 4 KiB pages (MADV_NOHUGEPAGE, so base pages as in the
 * model). Prints one line per fork: "native fork <ms> ms" (the parent's wall-clock time in fork()).
 * Usage: fork_native [iterations [pages]]   (defaults: 10, 262144)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 10;
    size_t pages = argc > 2 ? strtoul(argv[2], NULL, 10) : 262144;
    size_t len = pages * 4096;
    for (int i = 0; i < iters; i++) {
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        madvise(p, len, MADV_NOHUGEPAGE);
        for (size_t o = 0; o < len; o += 4096) {
            p[o] = 1;
        }
        double t0 = now_ms();
        pid_t c = fork();
        if (c == 0) {
            _exit(0);
        }
        double t1 = now_ms();
        waitpid(c, NULL, 0);
        printf("native fork %.3f ms\n", t1 - t0);
        munmap(p, len);
    }
    return 0;
}
