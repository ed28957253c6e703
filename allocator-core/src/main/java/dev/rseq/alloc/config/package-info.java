/** Every {@code rseqalloc.*} property and {@code RSEQALLOC_*} variable, and the one reader of them. */
package dev.rseq.alloc.config;
