package dev.rseq.alloc;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The arenas of one allocator that are still open: its close is refused while there are
 * any, since their segments must stay valid until their own close. Guarded by its own
 * monitor, which the allocator also holds while it opens an arena or decides to close.
 */
final class OpenArenas {
    private final Set<PerCpuArena> open = Collections.newSetFromMap(new IdentityHashMap<>());

    void opened(PerCpuArena arena) {
        open.add(arena);
    }

    synchronized void closed(PerCpuArena arena) {
        open.remove(arena);
    }

    /** Called with this monitor held. */
    void refuseCloseIfAnyOpen() {
        if (!open.isEmpty()) {
            StringBuilder who = new StringBuilder();
            int shown = 0;
            for (PerCpuArena a : open) {
                if (shown++ == 3) {
                    who.append(", ...");
                    break;
                }
                who.append(shown == 1 ? "" : ", ").append(a);
            }
            throw new IllegalStateException("cannot close the allocator: " + open.size() + " arena"
                    + (open.size() == 1 ? " is" : "s are") + " still open (" + who + "); close them first");
        }
    }

    synchronized int count() {
        return open.size();
    }
}
