/**
 * JFR events for the allocator's slow paths (thread-cache refills and spills, per-CPU misses
 * that reach the central tier, memory taken from and returned to the OS). Each has a default
 * threshold, so a recording with the default settings shows only slow ones; set the
 * threshold to 0 ms to see them all. Cost when not recording: one check per slow path.
 */
package dev.rseq.alloc.jfr;
