package dev.rseq.alloc.sync;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ReentrantLock} whose {@link #lock()} spins briefly before it parks. The central
 * lists and the page heap hold their locks for well under a microsecond, while parking and
 * waking a thread costs several (measured: with two threads churning 4–64 KiB blocks, a
 * plain ReentrantLock parked ~20,000 times a second and set the p99.9). Spinning is bounded,
 * so a holder that was descheduled costs the waiter at most {@link #SPINS} pauses before
 * it parks as usual.
 */
public final class SpinningLock extends ReentrantLock {
    private static final long serialVersionUID = 1L;

    /** About a few microseconds of {@code PAUSE} on current x86. */
    static final int SPINS = 128;

    @Override
    public void lock() {
        if (tryLock()) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (!isLocked() && tryLock()) {
                return;
            }
        }
        super.lock();
    }
}
