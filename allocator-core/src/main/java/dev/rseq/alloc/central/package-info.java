/**
 * The central tier: per size class, a transfer cache in front of a free list of spans with
 * free bitmaps. Reached only on per-CPU misses, through {@link dev.rseq.alloc.central.CentralCache}.
 */
package dev.rseq.alloc.central;
