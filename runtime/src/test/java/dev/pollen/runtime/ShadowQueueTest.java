package dev.pollen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shadow queue: bounded, dropping and counting when full, never blocking the caller, working on its thread. */
class ShadowQueueTest {
    static final class Slot {
        int value;
    }

    @Test
    void aFullQueueDropsAndCountsAndTheWorkRunsOnTheQueuesThread() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        List<Integer> seen = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (ShadowQueue<Slot> q = new ShadowQueue<>("tests", 2, Slot::new, s -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            threads.add(Thread.currentThread().getName());
            seen.add(s.value);
        })) {
            Slot a = q.claim();
            a.value = 1;
            q.submit(a);
            Slot b = q.claim();
            b.value = 2;
            q.submit(b);
            assertNull(q.claim(), "both slots taken: dropped, not waited for");
            assertEquals(1, q.dropped());
            hold.countDown();
            long until = System.nanoTime() + 5_000_000_000L;
            while (q.done() < 2 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertEquals(List.of(1, 2), seen);
            assertEquals(List.of("pollen-shadow-tests", "pollen-shadow-tests"), threads);
            Slot c = q.claim();
            assertNotNull(c, "slots come back once worked");
            c.value = 3;
            q.submit(c);
        }
        assertEquals(List.of(1, 2, 3), seen, "close works what was submitted");
    }

    @Test
    void aFailingWorkIsCountedAndTheQueueGoesOn() throws Exception {
        try (ShadowQueue<Slot> q = new ShadowQueue<>("failing", 4, Slot::new, s -> {
            if (s.value == 1) {
                throw new IllegalStateException("shadow failed");
            }
        })) {
            for (int v : new int[] {1, 2}) {
                Slot s = q.claim();
                s.value = v;
                q.submit(s);
            }
            long until = System.nanoTime() + 5_000_000_000L;
            while (q.done() + q.failed() < 2 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertEquals(1, q.failed());
            assertEquals(1, q.done());
        }
        PollenException e = assertThrows(PollenException.class, () -> new ShadowQueue<>("bad", 0, Slot::new, s -> { }));
        assertTrue(e.getMessage().contains("shadow queue capacity must be from 1 to 65536 (found 0)"));
    }
}
