package dev.pollen.embedding;

import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Checks the files of open tables for changes in the background, on one daemon thread per JVM
 * ({@code pollen-table-watch}): each table's files every {@link TableOpenOptions#changeCheckInterval()}, a few
 * system calls per file (about 7 µs a table here), never on a reader's thread. A change it sees makes every later
 * read of the table fail cleanly instead of reading pages that are gone.
 *
 * <p>A watch ends when its table is closed, or when the table is collected without being closed (a
 * {@link Cleaner} then closes the files' channels too).
 */
final class MappedFileWatch {
    private static final Cleaner CLEANER = Cleaner.create(runnable -> daemon(runnable, "pollen-table-cleaner"));

    private MappedFileWatch() {
    }

    /** The scheduler, started on first use. */
    private static final class Scheduler {
        static final ScheduledThreadPoolExecutor INSTANCE = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                    runnable -> daemon(runnable, "pollen-table-watch"));
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            return executor;
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread t = new Thread(runnable, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts watching the files of one table.
     *
     * @param owner the table; when it is collected unclosed the watch ends and the files are closed
     * @param interval how often to look; {@link Duration#ZERO} for never (the files are still checked after a
     *     read faulted)
     * @param files the table's files
     * @return the watch; {@link Cleaner.Cleanable#clean()} ends it and closes the files
     */
    static Cleaner.Cleanable watch(Object owner, Duration interval, List<MappedFile> files) {
        ScheduledFuture<?> task = null;
        if (!interval.isZero()) {
            long nanos = interval.toNanos();
            task = Scheduler.INSTANCE.scheduleWithFixedDelay(() -> {
                for (MappedFile f : files) {
                    f.check();
                }
            }, nanos, nanos, TimeUnit.NANOSECONDS);
        }
        ScheduledFuture<?> scheduled = task;
        return CLEANER.register(owner, () -> {
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            files.forEach(MappedFile::close);
        });
    }
}
