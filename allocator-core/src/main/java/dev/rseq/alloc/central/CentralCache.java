package dev.rseq.alloc.central;

/**
 * What the per-CPU tier reaches below it: batches of objects of one size class, out and
 * back. The only way down from the caches, so a tier test can put a small fake here.
 */
public interface CentralCache {
    /** Moves exactly {@code n} objects of class {@code sizeClass} into {@code out[off ..]}. */
    void remove(int sizeClass, long[] out, int off, int n);

    /**
     * Takes back {@code n} objects of class {@code sizeClass} from {@code in[off ..]}. Every
     * valid object is taken even when some are not; then the first problem is thrown.
     *
     * @throws IllegalArgumentException for an address that is no object of this class
     * @throws IllegalStateException    for an object that is already free (double free)
     */
    void insert(int sizeClass, long[] in, int off, int n);
}
