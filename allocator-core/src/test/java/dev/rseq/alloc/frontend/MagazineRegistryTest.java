package dev.rseq.alloc.frontend;

import dev.rseq.alloc.rseq.RseqMode;
import dev.rseq.alloc.sizeclass.SizeClasses;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagazineRegistryTest {
    private final SizeClasses sizes = new SizeClasses();
    private final MagazineLayout layout = new MagazineLayout(sizes);

    @Test
    void aMagazineIsBoundedPerClassAndInTotal() {
        long total = 0;
        for (int c = 1; c < sizes.count(); c++) {
            assertTrue((long) layout.capacity(c) * sizes.size(c) <= MagazineLayout.BYTES_PER_CLASS);
            total += (long) layout.capacity(c) * sizes.size(c);
        }
        assertEquals(total, layout.maxBytes());
    }

    @Test
    void noMoreMagazinesThanTheCapWhateverTheThreadCount() throws Exception {
        MagazineRegistry registry = new MagazineRegistry(layout, 4, sizes.count());
        int threads = 64;
        CountDownLatch hold = new CountDownLatch(1);
        AtomicInteger withMagazine = new AtomicInteger();
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            all.add(Thread.ofPlatform().start(() -> {
                Magazine m = registry.find(Thread.currentThread(), () -> RseqMode.RSEQ_GLIBC, x -> { });
                if (!m.isNone()) {
                    withMagazine.incrementAndGet();
                    assertSame(m, registry.find(Thread.currentThread(), () -> RseqMode.RSEQ_GLIBC, x -> { }));
                }
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        while (all.stream().filter(t -> t.getState() == Thread.State.WAITING).count() < threads) {
            Thread.sleep(5);
        }
        assertTrue(withMagazine.get() <= 4, "capped: " + withMagazine.get());
        assertTrue(registry.snapshot().size() <= 4);
        hold.countDown();
        for (Thread t : all) {
            t.join();
        }
        List<Magazine> flushed = new ArrayList<>();
        assertEquals(withMagazine.get(), registry.reclaimDead(flushed::add), "dead threads' slots come back");
        assertEquals(0, registry.snapshot().size());
    }

    @Test
    void aDeadThreadsSlotIsFlushedBeforeReuse() throws Exception {
        MagazineRegistry registry = new MagazineRegistry(layout, 1, sizes.count());
        Magazine[] first = new Magazine[1];
        Thread t = Thread.ofPlatform().start(() -> first[0] = registry.find(Thread.currentThread(), () -> RseqMode.RSEQ_GLIBC, x -> { }));
        t.join();
        List<Magazine> flushed = new ArrayList<>();
        Magazine mine = registry.find(Thread.currentThread(), () -> RseqMode.RSEQ_GLIBC, flushed::add);
        // The home slots may differ; if the only slot was reused, the dead magazine was flushed.
        if (!mine.isNone()) {
            assertNotSame(first[0], mine);
            assertTrue(flushed.isEmpty() || flushed.getFirst() == first[0]);
        }
    }
}
