/**
 * The page heap: spans of pages over one reservation of address space, the page map from
 * address to span, dedicated mappings for very large blocks, and the release of idle pages
 * to the OS. It knows size classes only as opaque tags.
 */
package dev.rseq.alloc.pageheap;
