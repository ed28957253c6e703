/** The validation every free makes in default mode, and checked mode's ownership bits. */
package dev.rseq.alloc.check;
