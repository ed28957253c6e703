/*
 * Test launcher: installs a seccomp filter that makes rseq(2) fail with ENOSYS (as on
 * a kernel without rseq, or under a sandbox that blocks it), then execs its arguments.
 * With --block-membarrier, membarrier(2) fails with ENOSYS too, to exercise the
 * allocator's fence fallback. glibc's own registration at start-up fails as well, so
 * the exec'd process sees __rseq_size == 0 and cpu_id == RSEQ_CPU_ID_REGISTRATION_FAILED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_rseq
#define __NR_rseq 334
#endif

int main(int argc, char **argv)
{
    int arg = 1;
    int block_membarrier = 0;
    if (arg < argc && strcmp(argv[arg], "--block-membarrier") == 0) {
        block_membarrier = 1;
        arg++;
    }
    if (arg >= argc) {
        fprintf(stderr, "usage: %s [--block-membarrier] command [args...]\n", argv[0]);
        return 2;
    }
    unsigned int membarrier_nr = block_membarrier ? __NR_membarrier : __NR_rseq;
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rseq, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, membarrier_nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("prctl(PR_SET_NO_NEW_PRIVS)");
        return 1;
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("prctl(PR_SET_SECCOMP)");
        return 1;
    }
    execvp(argv[arg], argv + arg);
    perror("execvp");
    return 127;
}
