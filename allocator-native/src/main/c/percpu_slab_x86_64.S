/*
 * Per-CPU slab operations as rseq critical sections, x86-64 System V ABI.
 *
 * Layout and result codes: rseqalloc.h. Every operation follows the same rules:
 *   - it publishes its struct rseq_cs descriptor in the thread's area (%fs:rseq_offset+8)
 *     before the first instruction of the section, because the kernel clears that
 *     field after every abort;
 *   - it reads cpu_id inside the section (never a cached copy: the ABI promises only
 *     that the field is current while the section runs, see DESIGN 4b), returns
 *     RA_NOT_REGISTERED without touching the slab when the thread has no registration
 *     (cpu_id -1 or -2), and RA_STOPPED when a remote editor fenced the region;
 *   - its only store visible to other code on the same cpu before the commit goes to
 *     slots beyond `current`, which nobody reads; the commit is one 64-bit store of the
 *     header word and is the last instruction of the section;
 *   - the abort handler is preceded by RA_RSEQ_SIG, counts the abort and restarts
 *     from the entry, which is safe because argument registers are never modified.
 * Macro names carry a DEFINE_ prefix because GAS macro names are case-insensitive
 * and would otherwise capture the pop/push instructions.
 * 32-bit arguments (cls, n, delta, max_end) are zero-extended first: the ABI leaves
 * the upper halves of their registers undefined.
 */
#define RA_RSEQ_SIG 0x53053053
#define RA_NOT_REGISTERED (-1)
#define RA_STOPPED (-2)
#define RA_ABORT_SLOTS 1024

    .text

/* Busy loop inside the section in the test build, to widen the window for
 * preemption and migration (the idea of the kernel selftests' delay injection). */
.macro INJECT_DELAY scratch
#ifdef RA_INJECT_DELAY
    mov ra_inject_loops(%rip), \scratch
1:  test \scratch, \scratch
    jz 2f
    pause
    dec \scratch
    jmp 1b
2:
#endif
.endm

/* Publishes the descriptor, then (inside the section) loads the region index from the
 * area at offset \idx (4: cpu_id, 24: mm_cid) and leaves the region address in %r10.
 * Uses %r9 (area offset) and %rax. */
.macro ENTER name, idx
\name\()_restart:
    mov ra_rseq_offset(%rip), %r9
    lea \name\()_cs(%rip), %rax
    mov %rax, %fs:8(%r9)
\name\()_start:
    movl %fs:4(%r9), %eax
    test %eax, %eax
    js \name\()_unregistered
    .if \idx != 4
    movl %fs:\idx(%r9), %eax
    .endif
    imul %rsi, %rax
    lea (%rdi,%rax), %r10
    cmpq $0, (%r10)
    jne \name\()_stopped
.endm

/* Descriptor, signature and abort handler of a section, and its failure exits. */
.macro LEAVE name, epilogue
\name\()_unregistered:
    \epilogue
    mov $RA_NOT_REGISTERED, %rax
    ret
\name\()_stopped:
    \epilogue
    mov $RA_STOPPED, %rax
    ret
    .long RA_RSEQ_SIG
\name\()_abort:
    /* cpu_id_start is always a valid cpu number once registered. */
    mov ra_rseq_offset(%rip), %r9
    movl %fs:0(%r9), %eax
    and $(RA_ABORT_SLOTS - 1), %eax
    shl $6, %rax
    lea ra_abort_counts(%rip), %r9
    lock incq (%r9,%rax)
    jmp \name\()_restart
    .size \name, . - \name

    .pushsection .data.rel.ro, "aw"
    .balign 32
\name\()_cs:
    .long 0                                   /* version */
    .long 0                                   /* flags */
    .quad \name\()_start                      /* start_ip */
    .quad \name\()_post - \name\()_start      /* post_commit_offset */
    .quad \name\()_abort                      /* abort_ip */
    .popsection
.endm

.macro NOTHING
.endm

.macro RESTORE_BATCH
    pop %r12
    pop %rbx
.endm

/* int64 pop(base, region_size, cls): pointer, 0 when empty, or a negative code. */
.macro DEFINE_POP name, idx
    .globl \name
    .type \name, @function
    .balign 16
\name:
    mov %edx, %edx
    ENTER \name, \idx
    mov 8(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %rax, %r8
    shr $32, %r8
    movzwl %r8w, %r8d               /* begin */
    cmp %r8d, %r11d
    jbe \name\()_empty
    mov -8(%r10,%r11,8), %rcx       /* slot[current - 1] */
    INJECT_DELAY %r8
    sub $1, %rax                    /* current > begin >= 1: no borrow leaves bits 0..15 */
    mov %rax, 8(%r10,%rdx,8)        /* commit */
\name\()_post:
    mov %rcx, %rax
    ret
\name\()_empty:
    xor %eax, %eax
    ret
    LEAVE \name, NOTHING
.endm

/* int64 push(base, region_size, cls, ptr): 1 when pushed, 0 when full, or a negative code. */
.macro DEFINE_PUSH name, idx
    .globl \name
    .type \name, @function
    .balign 16
\name:
    mov %edx, %edx
    ENTER \name, \idx
    mov 8(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %eax, %r8d
    shr $16, %r8d                   /* end */
    cmp %r8d, %r11d
    jae \name\()_full
    mov %rcx, (%r10,%r11,8)         /* slot[current] = ptr: unpublished until the commit */
    INJECT_DELAY %r8
    add $1, %rax
    mov %rax, 8(%r10,%rdx,8)        /* commit */
\name\()_post:
    mov $1, %eax
    ret
\name\()_full:
    xor %eax, %eax
    ret
    LEAVE \name, NOTHING
.endm

/* int64 pop_batch(base, region_size, cls, buf, n): pops min(n, available) pointers,
 * newest first, into buf[0..count); returns count or a negative code. */
.macro DEFINE_POP_BATCH name, idx
    .globl \name
    .type \name, @function
    .balign 16
\name:
    mov %edx, %edx
    mov %r8d, %r8d
    push %rbx
    push %r12
    ENTER \name, \idx
    mov 8(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %rax, %r9
    shr $32, %r9
    movzwl %r9w, %r9d               /* begin */
    mov %r11d, %ebx
    sub %r9d, %ebx                  /* available = current - begin */
    cmp %r8d, %ebx
    cmova %r8d, %ebx                /* count = min(available, n) */
    test %ebx, %ebx
    jz \name\()_none
    lea (%r10,%r11,8), %r11         /* one past the newest pointer */
    xor %r12d, %r12d
\name\()_copy:
    mov %r12, %r9
    not %r9                         /* -1 - i */
    mov (%r11,%r9,8), %r9           /* slot[current - 1 - i] */
    mov %r9, (%rcx,%r12,8)          /* buf[i]: the caller reads it only after we return */
    inc %r12
    cmp %rbx, %r12
    jb \name\()_copy
    INJECT_DELAY %r9
    sub %rbx, %rax
    mov %rax, 8(%r10,%rdx,8)        /* commit */
\name\()_post:
    mov %rbx, %rax
    RESTORE_BATCH
    ret
\name\()_none:
    xor %eax, %eax
    RESTORE_BATCH
    ret
    LEAVE \name, RESTORE_BATCH
.endm

/* int64 push_batch(base, region_size, cls, buf, n): pushes buf[n-1], buf[n-2], ...
 * while there is room; returns how many were pushed (taken from the end of buf). */
.macro DEFINE_PUSH_BATCH name, idx
    .globl \name
    .type \name, @function
    .balign 16
\name:
    mov %edx, %edx
    mov %r8d, %r8d
    push %rbx
    push %r12
    ENTER \name, \idx
    mov 8(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %eax, %r9d
    shr $16, %r9d                   /* end */
    mov %r9d, %ebx
    sub %r11d, %ebx                 /* room = end - current */
    cmp %r8d, %ebx
    cmova %r8d, %ebx                /* count = min(room, n) */
    test %ebx, %ebx
    jz \name\()_none
    lea (%r10,%r11,8), %r11         /* first free slot */
    xor %r12d, %r12d
\name\()_copy:
    mov %r8, %r9
    sub %r12, %r9
    mov -8(%rcx,%r9,8), %r9         /* buf[n - 1 - i] */
    mov %r9, (%r11,%r12,8)          /* slot[current + i]: unpublished until the commit */
    inc %r12
    cmp %rbx, %r12
    jb \name\()_copy
    INJECT_DELAY %r9
    add %rbx, %rax
    mov %rax, 8(%r10,%rdx,8)        /* commit */
\name\()_post:
    mov %rbx, %rax
    RESTORE_BATCH
    ret
\name\()_none:
    xor %eax, %eax
    RESTORE_BATCH
    ret
    LEAVE \name, RESTORE_BATCH
.endm

/* int64 grow(base, region_size, cls, delta, max_end): end += min(delta, max_end - end). */
.macro DEFINE_GROW name, idx
    .globl \name
    .type \name, @function
    .balign 16
\name:
    mov %edx, %edx
    mov %ecx, %ecx
    mov %r8d, %r8d
    ENTER \name, \idx
    mov 8(%r10,%rdx,8), %rax        /* header */
    mov %eax, %r11d
    shr $16, %r11d                  /* end */
    mov %r8d, %r9d
    sub %r11d, %r9d                 /* room = max_end - end */
    jbe \name\()_none
    cmp %ecx, %r9d
    cmova %ecx, %r9d                /* count = min(room, delta) */
    mov %r9, %r11
    shl $16, %r11
    add %r11, %rax
    mov %rax, 8(%r10,%rdx,8)        /* commit */
\name\()_post:
    mov %r9, %rax
    ret
\name\()_none:
    xor %eax, %eax
    ret
    LEAVE \name, NOTHING
.endm

/* int64 shrink(base, region_size, cls, delta): end -= min(delta, end - current). */
.macro DEFINE_SHRINK name, idx
    .globl \name
    .type \name, @function
    .balign 16
\name:
    mov %edx, %edx
    mov %ecx, %ecx
    ENTER \name, \idx
    mov 8(%r10,%rdx,8), %rax        /* header */
    mov %eax, %r9d
    shr $16, %r9d                   /* end */
    movzwl %ax, %r11d               /* current */
    sub %r11d, %r9d                 /* free = end - current */
    cmp %ecx, %r9d
    cmova %ecx, %r9d                /* count = min(free, delta) */
    mov %r9, %r11
    shl $16, %r11
    sub %r11, %rax
    mov %rax, 8(%r10,%rdx,8)        /* commit (a no-op store when count is 0) */
\name\()_post:
    mov %r9, %rax
    ret
    LEAVE \name, NOTHING
.endm

DEFINE_POP ra_pop_cpu, 4
DEFINE_PUSH ra_push_cpu, 4
DEFINE_POP_BATCH ra_pop_batch_cpu, 4
DEFINE_PUSH_BATCH ra_push_batch_cpu, 4
DEFINE_GROW ra_grow_cpu, 4
DEFINE_SHRINK ra_shrink_cpu, 4
DEFINE_POP ra_pop_cid, 24
DEFINE_PUSH ra_push_cid, 24
DEFINE_POP_BATCH ra_pop_batch_cid, 24
DEFINE_PUSH_BATCH ra_push_batch_cid, 24
DEFINE_GROW ra_grow_cid, 24
DEFINE_SHRINK ra_shrink_cid, 24

/* The baseline of a critical downcall. */
    .globl ra_noop
    .type ra_noop, @function
    .balign 16
ra_noop:
    xor %eax, %eax
    ret
    .size ra_noop, . - ra_noop

    .section .note.GNU-stack, "", @progbits
