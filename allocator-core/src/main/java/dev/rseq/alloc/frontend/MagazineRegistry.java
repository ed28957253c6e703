package dev.rseq.alloc.frontend;

import dev.rseq.alloc.rseq.RseqMode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Magazines of one allocator in an open-addressed table keyed by thread id.
 *
 * <p>Why not a {@code ThreadLocal}: its lookup costs ~4.5 ns here (measured), which is
 * as much as the whole magazine operation; this table's lookup is one array load and one
 * compare ({@code table[id & mask].owner == currentThread}). A thread whose home slot is
 * taken probes {@link #PROBES} slots on its slow path.
 *
 * <p>Bounds: at most {@code maxMagazines} live magazines whatever the thread count. A
 * slot whose owner died is reused after its blocks are flushed (thread termination
 * happens-before {@code isAlive()} returning false, so the flush sees the owner's last
 * writes). A thread that finds no slot gets the "none" magazine and uses the per-CPU
 * tier directly.
 *
 * <p>Publication: slots are written with release CAS; the fast path reads them plainly,
 * which is safe because a thread only accepts a magazine whose final {@code owner} field
 * is itself, and it installed that magazine itself.
 */
public final class MagazineRegistry {
    private static final int PROBES = 4;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Magazine[].class);

    private final Magazine[] table;
    private final int mask;
    private final int maxMagazines;
    private final AtomicInteger live = new AtomicInteger();
    private final MagazineLayout layout;
    private final Magazine none;

    public MagazineRegistry(MagazineLayout layout, int maxMagazines, int classes) {
        this.layout = layout;
        this.maxMagazines = maxMagazines;
        int size = Integer.highestOneBit(Math.max(2, maxMagazines * 2) * 2 - 1);
        this.table = new Magazine[size];
        this.mask = size - 1;
        this.none = Magazine.none(classes);
        java.util.Arrays.fill(table, none);
    }

    /** The calling thread's magazine when it sits in its home slot, else null (then call {@link #find}). */
    public Magazine home(Thread self) {
        Magazine m = table[(int) self.threadId() & mask];
        return m.owner == self ? m : null;
    }

    /**
     * The calling thread's magazine, installing one if a slot is free or held by a dead
     * thread, else the "none" magazine.
     *
     * @param mode  attaches the thread and tells its rseq mode (called only to install)
     * @param flush receives a dead thread's magazine before its slot is reused
     */
    public Magazine find(Thread self, Supplier<RseqMode> mode, Consumer<Magazine> flush) {
        Magazine owned = owned(self);
        if (owned != null) {
            return owned;
        }
        int home = (int) self.threadId() & mask;
        for (int i = 0; i < PROBES; i++) {
            int slot = (home + i) & mask;
            Magazine m = (Magazine) SLOT.getAcquire(table, slot);
            boolean dead = m != none && !m.owner.isAlive();
            if (m == none) {
                // Reserve a place under the cap before taking the slot, so racing
                // installers cannot all pass a check-then-increment together.
                if (live.incrementAndGet() > maxMagazines) {
                    live.decrementAndGet();
                    continue;
                }
                Magazine mine = new Magazine(layout, self, mode.get());
                if (SLOT.compareAndSet(table, slot, m, mine)) {
                    return mine;
                }
                live.decrementAndGet();
            } else if (dead) {
                Magazine mine = new Magazine(layout, self, mode.get());
                if (SLOT.compareAndSet(table, slot, m, mine)) {
                    flush.accept(m);
                    return mine;
                }
            }
        }
        return none;
    }

    /** The calling thread's magazine wherever it sits among its probe slots, or null. */
    public Magazine owned(Thread self) {
        int home = (int) self.threadId() & mask;
        for (int i = 0; i < PROBES; i++) {
            Magazine m = table[(home + i) & mask];
            if (m.owner == self) {
                return m;
            }
        }
        return null;
    }

    /** Flushes and frees the slots of dead threads; returns how many. */
    public int reclaimDead(Consumer<Magazine> flush) {
        int n = 0;
        for (int i = 0; i < table.length; i++) {
            Magazine m = (Magazine) SLOT.getAcquire(table, i);
            if (m != none && !m.owner.isAlive() && SLOT.compareAndSet(table, i, m, none)) {
                flush.accept(m);
                live.decrementAndGet();
                n++;
            }
        }
        return n;
    }

    /** Magazines in use now (racy snapshot). */
    public List<Magazine> snapshot() {
        List<Magazine> out = new ArrayList<>();
        for (int i = 0; i < table.length; i++) {
            Magazine m = (Magazine) SLOT.getAcquire(table, i);
            if (m != none) {
                out.add(m);
            }
        }
        return out;
    }

    public Magazine none() {
        return none;
    }

    public int capacity() {
        return maxMagazines;
    }
}
