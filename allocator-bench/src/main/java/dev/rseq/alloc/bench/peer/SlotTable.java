package dev.rseq.alloc.bench.peer;

/**
 * The objects behind live blocks, indexed by the caller's slot, for allocators whose
 * blocks are Java objects. Plain array stores: the harness hands a block to another
 * thread only through a queue that already orders the accesses.
 */
final class SlotTable<T> {
    private final Object[] objects;

    SlotTable(int slots) {
        this.objects = new Object[slots];
    }

    void put(int slot, T value) {
        objects[slot] = value;
    }

    @SuppressWarnings("unchecked")
    T take(int slot) {
        T value = (T) objects[slot];
        objects[slot] = null;
        return value;
    }

    int capacity() {
        return objects.length;
    }
}
