/**
 * The front end: one cache of free blocks per OS thread (platform thread, or carrier of
 * virtual threads), bounded by a byte budget over all caches, in front of the per-CPU tier.
 */
package dev.rseq.alloc.frontend;
