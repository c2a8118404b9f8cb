package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The CLI driven the way a service drives it as a co-process: in-process on its own thread, stdin a pipe the test
 * writes one line at a time without closing it, stdout a writer that lets the test see only what the command has
 * flushed. A test that waits for an answer the command holds back fails on its timeout instead of hanging.
 */
final class CoProcess implements AutoCloseable {
    private final PipedOutputStream stdin = new PipedOutputStream();
    private final FlushedLines stdout = new FlushedLines();
    private final StringWriter stderr = new StringWriter();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pollen-co-process");
        t.setDaemon(true);
        return t;
    });
    private final Future<Integer> exit;

    CoProcess(String... args) throws IOException {
        PipedInputStream in = new PipedInputStream(stdin, 1 << 20);
        exit = thread.submit(() -> PollenCli.run(args, in, new PrintWriter(stdout), new PrintWriter(stderr)));
    }

    /** Writes one line to the command's stdin, leaving stdin open. */
    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /**
     * @param timeout how long the command may take
     * @return the next line the command has flushed
     */
    String answer(Duration timeout) throws InterruptedException {
        String line = stdout.lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(line, "no answer flushed within " + timeout + " while stdin stays open (exited: "
                + exit.isDone() + "; stderr: " + stderr + ")");
        return line;
    }

    /** Closes stdin and waits for the command. @return its exit code */
    int finish(Duration timeout) throws Exception {
        stdin.close();
        return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() throws IOException {
        stdin.close();
        thread.shutdownNow();
    }

    /** A writer whose complete lines become visible only when it is flushed. */
    private static final class FlushedLines extends Writer {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder pending = new StringBuilder();

        @Override
        public synchronized void write(char[] cbuf, int off, int len) {
            pending.append(cbuf, off, len);
        }

        @Override
        public synchronized void flush() {
            int end;
            while ((end = pending.indexOf("\n")) >= 0) {
                lines.add(pending.substring(0, end).replace("\r", ""));
                pending.delete(0, end + 1);
            }
        }

        @Override
        public void close() {
            flush();
        }
    }
}
