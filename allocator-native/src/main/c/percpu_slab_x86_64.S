/*
 * Per-CPU slab operations as rseq critical sections, x86-64 System V ABI.
 *
 * Layout, offsets and result codes: rseqalloc.h and rseq_abi.h, shared with the C side
 * (nothing is restated here). Every operation follows the same rules:
 *   - it publishes its struct rseq_cs descriptor in the thread's area
 *     (%fs:ra_rseq_offset + RA_OFF_RSEQ_CS)
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
#include "rseqalloc.h"

/* What the instructions below assume of the contract; a change to rseqalloc.h that
 * breaks it stops the build here instead of corrupting slabs. */
.if RA_SLAB_HDR_CURRENT_SHIFT != 0 || RA_SLAB_HDR_FIELD_BITS != 16 || RA_SLAB_HDR_END_SHIFT != 16 || RA_SLAB_HDR_BEGIN_SHIFT != 32
.error "header fields are read with movzwl and shifts by 16 and 32: current at bit 0, end at 16, begin at 32, 16 bits each"
.endif
.if RA_SLAB_WORD_BYTES != 8
.error "slab words are addressed with scale 8"
.endif
.if RA_ABORT_SLOTS & (RA_ABORT_SLOTS - 1)
.error "RA_ABORT_SLOTS must be a power of two (it is used as a mask)"
.endif

/* Byte offsets inside a region. */
.set CONTROL, RA_SLAB_CONTROL_WORD * RA_SLAB_WORD_BYTES
.set HEADERS, RA_SLAB_FIRST_HEADER_WORD * RA_SLAB_WORD_BYTES

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
 * area at offset \idx (RA_OFF_CPU_ID or RA_OFF_MM_CID) and leaves the region address in
 * %r10. Uses %r9 (area offset) and %rax. */
.macro ENTER name, idx
\name\()_restart:
    mov ra_rseq_offset(%rip), %r9
    lea \name\()_cs(%rip), %rax
    mov %rax, %fs:RA_OFF_RSEQ_CS(%r9)
\name\()_start:
    movl %fs:RA_OFF_CPU_ID(%r9), %eax
    test %eax, %eax
    js \name\()_unregistered
    .if \idx != RA_OFF_CPU_ID
    movl %fs:\idx(%r9), %eax
    .endif
    imul %rsi, %rax
    lea (%rdi,%rax), %r10
    cmpq $0, CONTROL(%r10)
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
    movl %fs:RA_OFF_CPU_ID_START(%r9), %eax
    and $(RA_ABORT_SLOTS - 1), %eax
    shl $RA_ABORT_SLOT_SHIFT, %rax
    lea ra_abort_counts(%rip), %r9
    lock incq (%r9,%rax)
    jmp \name\()_restart
    .size \name, . - \name

    .pushsection .data.rel.ro, "aw"
    .balign RA_CS_ALIGN
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
    mov HEADERS(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %rax, %r8
    shr $RA_SLAB_HDR_BEGIN_SHIFT, %r8
    movzwl %r8w, %r8d               /* begin */
    cmp %r8d, %r11d
    jbe \name\()_empty
    mov -RA_SLAB_WORD_BYTES(%r10,%r11,8), %rcx /* slot[current - 1] */
    INJECT_DELAY %r8
    sub $1, %rax                    /* current > begin >= 1: no borrow leaves bits 0..15 */
    mov %rax, HEADERS(%r10,%rdx,8)        /* commit */
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
    mov HEADERS(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %eax, %r8d
    shr $RA_SLAB_HDR_END_SHIFT, %r8d                   /* end */
    cmp %r8d, %r11d
    jae \name\()_full
    mov %rcx, (%r10,%r11,8)         /* slot[current] = ptr: unpublished until the commit */
    INJECT_DELAY %r8
    add $1, %rax
    mov %rax, HEADERS(%r10,%rdx,8)        /* commit */
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
    mov HEADERS(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %rax, %r9
    shr $RA_SLAB_HDR_BEGIN_SHIFT, %r9
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
    mov %rax, HEADERS(%r10,%rdx,8)        /* commit */
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
    mov HEADERS(%r10,%rdx,8), %rax        /* header */
    movzwl %ax, %r11d               /* current */
    mov %eax, %r9d
    shr $RA_SLAB_HDR_END_SHIFT, %r9d                   /* end */
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
    mov %rax, HEADERS(%r10,%rdx,8)        /* commit */
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
    mov HEADERS(%r10,%rdx,8), %rax        /* header */
    mov %eax, %r11d
    shr $RA_SLAB_HDR_END_SHIFT, %r11d                  /* end */
    mov %r8d, %r9d
    sub %r11d, %r9d                 /* room = max_end - end */
    jbe \name\()_none
    cmp %ecx, %r9d
    cmova %ecx, %r9d                /* count = min(room, delta) */
    mov %r9, %r11
    shl $RA_SLAB_HDR_END_SHIFT, %r11
    add %r11, %rax
    mov %rax, HEADERS(%r10,%rdx,8)        /* commit */
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
    mov HEADERS(%r10,%rdx,8), %rax        /* header */
    mov %eax, %r9d
    shr $RA_SLAB_HDR_END_SHIFT, %r9d                   /* end */
    movzwl %ax, %r11d               /* current */
    sub %r11d, %r9d                 /* free = end - current */
    cmp %ecx, %r9d
    cmova %ecx, %r9d                /* count = min(free, delta) */
    mov %r9, %r11
    shl $RA_SLAB_HDR_END_SHIFT, %r11
    sub %r11, %rax
    mov %rax, HEADERS(%r10,%rdx,8)        /* commit (a no-op store when count is 0) */
\name\()_post:
    mov %r9, %rax
    ret
    LEAVE \name, NOTHING
.endm

DEFINE_POP ra_pop_cpu, RA_OFF_CPU_ID
DEFINE_PUSH ra_push_cpu, RA_OFF_CPU_ID
DEFINE_POP_BATCH ra_pop_batch_cpu, RA_OFF_CPU_ID
DEFINE_PUSH_BATCH ra_push_batch_cpu, RA_OFF_CPU_ID
DEFINE_GROW ra_grow_cpu, RA_OFF_CPU_ID
DEFINE_SHRINK ra_shrink_cpu, RA_OFF_CPU_ID
DEFINE_POP ra_pop_cid, RA_OFF_MM_CID
DEFINE_PUSH ra_push_cid, RA_OFF_MM_CID
DEFINE_POP_BATCH ra_pop_batch_cid, RA_OFF_MM_CID
DEFINE_PUSH_BATCH ra_push_batch_cid, RA_OFF_MM_CID
DEFINE_GROW ra_grow_cid, RA_OFF_MM_CID
DEFINE_SHRINK ra_shrink_cid, RA_OFF_MM_CID

/* The baseline of a critical downcall. */
    .globl ra_noop
    .type ra_noop, @function
    .balign 16
ra_noop:
    xor %eax, %eax
    ret
    .size ra_noop, . - ra_noop

/* int64 ra_rdtscp(void): the TSC. rdtscp waits until every earlier instruction has
 * executed, so the reading does not float above the code being timed; cpus without it
 * (ra_has_rdtscp == 0, set from cpuid when the library loads) get lfence; rdtsc, the
 * same ordering. %ecx (TSC_AUX) is clobbered, which the ABI allows. */
    .globl ra_rdtscp
    .type ra_rdtscp, @function
    .balign 16
ra_rdtscp:
    cmpb $0, ra_has_rdtscp(%rip)
    je 1f
    rdtscp
    jmp 2f
1:  lfence
    rdtsc
2:  shl $32, %rdx
    or %rdx, %rax
    ret
    .size ra_rdtscp, . - ra_rdtscp

    .section .note.GNU-stack, "", @progbits
