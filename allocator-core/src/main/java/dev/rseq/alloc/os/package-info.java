/**
 * The bottom tier: address space and memory from the operating system. Nothing here knows
 * about size classes, spans or caches.
 */
package dev.rseq.alloc.os;
