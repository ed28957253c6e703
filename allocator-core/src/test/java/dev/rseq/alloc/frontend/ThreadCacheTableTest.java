package dev.rseq.alloc.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.sizeclass.SizeClasses;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadCacheTableTest {
    private final int classes = new SizeClasses().count();

    private ThreadCache install(ThreadCacheTable table, Thread t) {
        return table.install(
                t,
                dead -> new ThreadCache(t, dead, null, "test"),
                owner -> new ThreadCache(owner, classes, null, "test"),
                new boolean[1]);
    }

    /** Starts {@code count} platform threads that each install a cache and stay alive until {@code hold} opens. */
    private List<Thread> installAndHold(ThreadCacheTable table, int count, CountDownLatch hold)
            throws InterruptedException {
        CountDownLatch installed = new CountDownLatch(count);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                install(table, Thread.currentThread());
                installed.countDown();
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        installed.await();
        return threads;
    }

    @Test
    void theAlwaysMissingTableMissesForEveryThreadAndClass() throws Exception {
        ThreadCacheTable table = ThreadCacheTable.alwaysMissing();
        List<Thread> threads = new ArrayList<>();
        List<String> hits = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 100; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int c = 1; c < classes; c++) {
                    if (table.pop(c) != 0 || table.push(c, 0x1000L * c)) {
                        hits.add(Thread.currentThread() + " class " + c);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(hits.isEmpty(), "checked and direct mode rely on every call missing: " + hits);
        assertEquals(0, table.snapshot().length);
    }

    @Test
    void everyLiveThreadSitsInItsHomeSlotWhateverTheCount() throws Exception {
        ThreadCacheTable table = new ThreadCacheTable(classes);
        CountDownLatch hold = new CountDownLatch(1);
        List<Thread> threads = installAndHold(table, 2000, hold);
        ThreadCache[] slots = table.slots;
        long[][] hot = table.hot;
        for (Thread t : threads) {
            ThreadCache home = slots[(int) t.threadId() & (slots.length - 1)];
            assertSame(t, home.owner, "the slow path finds " + t + " at its home slot");
            long[] data = hot[(int) t.threadId() & (hot.length - 1)];
            assertSame(home.data, data, "the hit path finds " + t + "'s stacks at its home slot");
            assertEquals(t.threadId(), data[0], "and they name it as their owner");
        }
        hold.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(2000, table.removeDead().size());
        assertEquals(0, table.snapshot().length);
    }

    @Test
    void aDeadThreadsCacheIsAdoptedRatherThanANewOneMade() throws Exception {
        ThreadCacheTable table = new ThreadCacheTable(classes);
        ThreadCache[] first = new ThreadCache[1];
        Thread t1 = Thread.ofPlatform().start(() -> first[0] = install(table, Thread.currentThread()));
        t1.join();
        first[0].addAllowance(4 * 16);
        assertTrue(first[0].resize(3, 4, 16));
        first[0].push(3, 0x1000);
        boolean[] adopted = new boolean[1];
        ThreadCache mine = table.install(
                Thread.currentThread(),
                dead -> new ThreadCache(Thread.currentThread(), dead, null, "test"),
                owner -> new ThreadCache(owner, classes, null, "test"),
                adopted);
        assertNotNull(mine);
        assertEquals(true, adopted[0]);
        assertEquals(0x1000, mine.pop(3), "the dead thread's block came with it");
        assertEquals(1, table.snapshot().length, "the dead cache left the table");
    }

    @Test
    void aReplacedStackArrayIsNeverTrustedAgainAndTheNewOneIsPublished() {
        ThreadCacheTable table = new ThreadCacheTable(classes);
        Thread me = Thread.currentThread();
        ThreadCache mine = install(table, me);
        long[] before = mine.data;
        assertFalse(mine.resize(5, 8, 64), "no allowance: the growth is refused");
        assertSame(before, mine.data);
        mine.addAllowance(8 * 64);
        assertTrue(mine.resize(5, 8, 64));
        assertTrue(mine.push(5, 0x2000));
        assertEquals(ThreadCache.RETIRED, before[0], "the old array no longer names an owner");
        long[][] hot = table.hot;
        int home = (int) me.threadId() & (hot.length - 1);
        assertSame(before, hot[home], "until its owner publishes, the slot holds the retired array");
        table.publishHot(mine);
        assertSame(mine.data, table.hot[home]);
        assertEquals(me.threadId(), table.hot[home][0]);
        assertEquals(0x2000, mine.pop(5));
    }

    @Test
    void aStaleCopyOfTheHotArrayFindsOnlyTheOwnersCurrentStacksOrMisses() throws Exception {
        ThreadCacheTable table = new ThreadCacheTable(classes);
        Thread me = Thread.currentThread();
        ThreadCache mine = install(table, me);
        mine.addAllowance(8 * 64);
        assertTrue(mine.resize(5, 8, 64));
        table.publishHot(mine);
        long[][] stale = table.hot();

        CountDownLatch hold = new CountDownLatch(1);
        List<Thread> others = installAndHold(table, 300, hold);
        assertNotSame(stale, table.hot(), "300 live caches grew the table");

        assertTrue(ThreadCacheTable.push(stale, 5, 0x3000), "the copy still holds my current stacks");
        assertEquals(1, mine.count(5), "and the block went into them, not elsewhere");

        mine.addAllowance(8 * 128);
        assertTrue(mine.resize(7, 8, 128), "my stacks move to a new array, block and all");
        assertEquals(
                0,
                ThreadCacheTable.pop(stale, 5),
                "the copy's array is retired: a miss, though it still counts the block");
        assertFalse(ThreadCacheTable.push(stale, 5, 0x4000), "a miss, and nothing pushed");
        assertEquals(1, mine.count(5));
        table.publishHot(mine);
        long[][] fresh = table.hot();
        assertEquals(0x3000, ThreadCacheTable.pop(fresh, 5), "a fresh copy finds the block in the new array");
        assertTrue(ThreadCacheTable.push(fresh, 5, 0x4000));
        assertEquals(0x4000, mine.pop(5));

        hold.countDown();
        for (Thread t : others) {
            t.join();
        }
    }

    @Test
    void aCacheLeavingTheTableLeavesTheHotSlotToo() {
        ThreadCacheTable table = new ThreadCacheTable(classes);
        Thread me = Thread.currentThread();
        ThreadCache mine = install(table, me);
        assertTrue(table.remove(mine));
        long[][] hot = table.hot;
        long[] data = hot[(int) me.threadId() & (hot.length - 1)];
        assertFalse(data[0] == me.threadId(), "the hit path no longer finds the removed cache");
    }
}
