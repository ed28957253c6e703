/**
 * A hostile stress engine for {@link dev.rseq.alloc.PerCpuAllocator}: threads allocate and
 * free random sizes, hand blocks to each other, fill every block with a pattern derived
 * from its address, size and owner and verify it on free, keep a concurrent set of live
 * addresses to catch a block handed out twice, and end with exact accounting once every
 * thread has stopped. Fault injectors (migration, thread churn, virtual threads, memory
 * pressure, arena close races, delay injection) run alongside.
 *
 * <p>Used by allocator-bench's {@code stress} command and by the reliability tests.
 * Entry point: {@link dev.rseq.alloc.stress.StressRun#run(StressConfig)}.
 */
package dev.rseq.alloc.stress;
