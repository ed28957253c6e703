/**
 * The per-CPU tier: rseq slabs (one region per cpu or mm_cid, committed by restartable
 * sequences) for threads whose registration we can use, CAS stripes for every other thread,
 * behind one {@link dev.rseq.alloc.percpu.PerCpuTier} contract. The tier reaches the central
 * tier itself on its misses.
 */
package dev.rseq.alloc.percpu;
