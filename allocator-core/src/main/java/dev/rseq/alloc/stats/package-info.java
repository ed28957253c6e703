/** Counters and the snapshot collector the tiers fill for {@code stats()}. */
package dev.rseq.alloc.stats;
