package dev.pollen.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ShutdownParams;

/**
 * A Redis server on 127.0.0.1 for the benchmarks' Redis peers ({@link LookupBenchmark}, {@link
 * RedisFeaturesBenchmark}): either one this object starts and stops, or one already running that it only connects to.
 *
 * <p><b>Started.</b> {@link #start()} finds {@code redis-server} ({@link #executable()}), picks a free loopback port,
 * and runs {@code redis-server --port N --bind 127.0.0.1 --save "" --appendonly no --protected-mode yes} in a
 * temporary directory of its own (no snapshots, no append-only file, nothing reachable from other hosts); it returns
 * once the server answers {@code PING}. {@link #close()} sends {@code SHUTDOWN NOSAVE}, then destroys the process and
 * removes the directory; a JVM that exits without closing (a failed trial set-up, for one) does both from a shutdown
 * hook.
 *
 * <p><b>Shared.</b> {@link #startOrAttach()} connects to the server on {@code 127.0.0.1:}{@value #PORT_PROPERTY}
 * when that system property is set, and starts one otherwise. A suite runner can thus start one server for every
 * JMH fork ({@code -jvmArgsAppend -Dpollen.bench.redis.port=N}); each benchmark's trial set-up calls {@code
 * startOrAttach()} and its tear-down {@code close()}, which stops only a server it started. Benchmarks that share
 * a server keep their keys in different databases ({@link LookupBenchmark}: 0, {@link RedisFeaturesBenchmark}: 1).
 *
 * <p>Not thread-safe; {@link #close()} is idempotent.
 */
public final class RedisServer implements AutoCloseable {
    /** System property naming the port of a Redis server already running on 127.0.0.1 to use instead of starting one. */
    public static final String PORT_PROPERTY = "pollen.bench.redis.port";
    /** The only host the benchmarks talk to. */
    public static final String HOST = "127.0.0.1";

    private static final long START_TIMEOUT_MILLIS = 20_000;
    private static final List<Path> SEARCHED = List.of(Path.of("/usr/bin/redis-server"),
            Path.of("/usr/sbin/redis-server"), Path.of("/usr/local/bin/redis-server"));

    private final int port;
    private final Process process;
    private final Path dir;
    private final Thread hook;
    private boolean closed;

    private RedisServer(int port, Process process, Path dir, Thread hook) {
        this.port = port;
        this.process = process;
        this.dir = dir;
        this.hook = hook;
    }

    /**
     * @return the server named by {@value #PORT_PROPERTY} (not stopped by {@link #close()}), or a new one started
     *     by {@link #start()}
     * @throws IllegalStateException when the named server does not answer, or as {@link #start()}
     */
    public static RedisServer startOrAttach() {
        String named = System.getProperty(PORT_PROPERTY);
        if (named == null || named.isBlank()) {
            return start();
        }
        int port;
        try {
            port = Integer.parseInt(named.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(PORT_PROPERTY + " must be a port from 1 to 65535 (found '" + named + "')");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalStateException(PORT_PROPERTY + " must be a port from 1 to 65535 (found " + port + ")");
        }
        RedisServer attached = new RedisServer(port, null, null, null);
        if (!attached.answers()) {
            throw new IllegalStateException("no Redis server answers PING on " + HOST + ":" + port + " (named by "
                    + PORT_PROPERTY + ")");
        }
        return attached;
    }

    /**
     * Starts a private server on a free loopback port and waits until it answers {@code PING}.
     *
     * @return the running server
     * @throws IllegalStateException when {@code redis-server} cannot be found or installed, or does not start
     */
    public static RedisServer start() {
        Path exe = executable();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // another process may take the free port before Redis does
            try {
                return start(exe, freePort());
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    private static RedisServer start(Path exe, int port) {
        Path dir;
        try {
            dir = Files.createTempDirectory("pollen-redis");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for redis-server", e);
        }
        Path log = dir.resolve("redis.log");
        Process process;
        try {
            process = new ProcessBuilder(exe.toString(), "--port", Integer.toString(port), "--bind", HOST,
                    "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", dir.toString(),
                    "--daemonize", "no")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new IllegalStateException("cannot run " + exe + ": " + e.getMessage(), e);
        }
        Thread hook = new Thread(() -> {
            try {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteQuietly(dir);
        }, "pollen-redis-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        RedisServer server = new RedisServer(port, process, dir, hook);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (server.answers()) {
                return server;
            }
            if (!process.isAlive()) {
                break;
            }
            sleep(20);
        }
        String output = readQuietly(log);
        server.close();
        throw new IllegalStateException("redis-server did not answer PING on " + HOST + ":" + port + " within "
                + START_TIMEOUT_MILLIS + " ms" + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
                + "; its output:\n" + output);
    }

    /**
     * Finds {@code redis-server} on the {@code PATH} or in {@code /usr/bin}, {@code /usr/sbin}, {@code
     * /usr/local/bin}. When none is there and this JVM runs as root on a system with {@code apt-get}, installs
     * Debian's {@code redis-server} package ({@code apt-get install}; on failure {@code apt-get update}, then once
     * more).
     *
     * @return the executable
     * @throws IllegalStateException when it is missing and cannot be installed, saying what to install
     */
    public static Path executable() {
        Path found = find();
        if (found != null) {
            return found;
        }
        Path aptGet = Path.of("/usr/bin/apt-get");
        if (!Files.isExecutable(aptGet) || !isRoot()) {
            throw new IllegalStateException("redis-server is not installed (looked on the PATH and in " + SEARCHED
                    + "); install it, for example 'sudo apt-get install redis-server' on Debian or Ubuntu, or point "
                    + PORT_PROPERTY + " at a Redis server running on " + HOST);
        }
        List<String> install = List.of(aptGet.toString(), "install", "-y", "-q", "redis-server");
        if (run(install) != 0) {
            run(List.of(aptGet.toString(), "update"));
            int status = run(install);
            if (status != 0) {
                throw new IllegalStateException("'apt-get install -y -q redis-server' failed (exit " + status
                        + ") even after 'apt-get update'; install Debian's redis-server package by hand");
            }
        }
        found = find();
        if (found == null) {
            throw new IllegalStateException("apt-get installed redis-server, but no redis-server executable is on the"
                    + " PATH or in " + SEARCHED);
        }
        return found;
    }

    private static Path find() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "redis-server"));
                }
            }
        }
        candidates.addAll(SEARCHED);
        for (Path p : candidates) {
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Whether this process runs as root: {@code Uid:} in {@code /proc/self/status} is 0 (Linux only). */
    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    String[] parts = line.substring(4).trim().split("\\s+");
                    return parts.length > 0 && parts[0].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Runs a command with its output on this JVM's, and the noninteractive front end apt-get needs; its exit status. */
    private static int run(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        try {
            return pb.start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }

    /** @return the port the server listens on, on {@value #HOST} */
    public int port() {
        return port;
    }

    /** @return whether this object started the server (and stops it on {@link #close()}) */
    public boolean owned() {
        return process != null;
    }

    /**
     * @param database the database the connection selects, from 0 to 15
     * @return a new connection to the server (the caller closes it; not thread-safe, as any {@link Jedis})
     */
    public Jedis connect(int database) {
        return new Jedis(HOST, port, config(database));
    }

    private static JedisClientConfig config(int database) {
        return DefaultJedisClientConfig.builder().database(database).timeoutMillis(10_000).build();
    }

    private boolean answers() {
        try (Jedis j = connect(0)) {
            return "PONG".equals(j.ping());
        } catch (JedisException e) {
            return false;
        }
    }

    /** Stops a server this object started (SHUTDOWN NOSAVE, then the process is destroyed); idempotent. */
    @Override
    public void close() {
        if (closed || process == null) {
            closed = true;
            return;
        }
        closed = true;
        try (Jedis j = connect(0)) {
            j.shutdown(ShutdownParams.shutdownParams().nosave());
        } catch (JedisException e) {
            // the server closes the connection as it shuts down, or is already gone: the process is destroyed below
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway, harmlessly
        }
        deleteQuietly(dir);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            TempDirectory.delete(dir);
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
