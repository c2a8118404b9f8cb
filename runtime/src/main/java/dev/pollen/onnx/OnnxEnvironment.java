package dev.pollen.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.Map;
import java.util.Objects;

/**
 * The process's ONNX Runtime environment, shared with any other ONNX Runtime user in the JVM (DJL, langchain4j, a
 * direct {@code OrtEnvironment} caller). Thread-safe.
 *
 * <p>ONNX Runtime allows one environment per process, created by whoever asks first. How Pollen's sessions get their
 * threads depends on who that was ({@link #origin()}):
 *
 * <ul>
 *   <li>{@link Origin#POLLEN}: Pollen created it with global thread pools sized by its {@link OnnxConfig}, and every
 *       Pollen session runs on them (per-session pools off), so the process never oversubscribes cores.</li>
 *   <li>{@link Origin#DJL}: DJL's ONNX Runtime engine is on the class path, so Pollen had DJL create the environment
 *       (see below), and then uses it like {@link Origin#EXISTING}.</li>
 *   <li>{@link Origin#EXISTING}: another library created it before Pollen. Its thread pools are unknown (and may not
 *       exist), so each Pollen session gets the {@link OnnxConfig}'s thread counts and spinning on its own
 *       {@code SessionOptions}. With one intra-op thread (the default) that is the same as the global setup: every
 *       run stays on the caller's thread. With more, each loaded model has its own pool.</li>
 * </ul>
 *
 * <p>Which it is gets logged once, at INFO, when the environment is first needed.
 *
 * <p>Implementation note, why DJL creates the environment when it is present. {@code OrtEnvironment} has two
 * factories: {@code getEnvironment(level, name)} returns an existing environment (logging a warning if the name or
 * level differs), but {@code getEnvironment(level, name, ThreadingOptions)} throws {@code IllegalStateException}
 * whenever one exists, whatever its name, level or pools. langchain4j uses the first ({@code getEnvironment()}), so
 * it works after anyone. DJL 0.36's {@code OrtEngine} always uses the second, in a static initializer, so once any
 * environment exists DJL's ONNX Runtime engine fails for the life of the JVM ({@code ExceptionInInitializerError});
 * no name, level or pool setting on Pollen's side avoids that. So when {@code ai.djl.onnxruntime.engine} is on the
 * class path and no environment exists yet, Pollen starts DJL's engine first ({@code Engine.getEngine("OnnxRuntime")},
 * by reflection: Pollen has no compile-time dependency on DJL's engine) and adopts the environment it creates.
 * Starting DJL's engine runs DJL's engine discovery, which calls DJL's EC2 telemetry unless {@code OPT_OUT_TRACKING}
 * or {@code ai.djl.offline} is set; Pollen sets {@code OPT_OUT_TRACKING=true} first unless the application set it (as
 * the text encoder does), so nothing phones home on Pollen's account. {@code -Dpollen.onnx.djlHandoff=false} turns the
 * hand-off off (for a JVM that has DJL's engine on its class path but never uses it, and wants Pollen's global pools).
 */
public final class OnnxEnvironment {
    /** System property: {@code false} stops Pollen from letting DJL's ONNX Runtime engine create the environment. */
    public static final String DJL_HANDOFF_PROPERTY = "pollen.onnx.djlHandoff";

    private static final System.Logger LOG = System.getLogger(OnnxEnvironment.class.getName());
    private static OnnxEnvironment instance;

    private final OrtEnvironment env;
    private final OnnxConfig config;
    private final Origin origin;

    /** Who created the process's ONNX Runtime environment, and so where Pollen's sessions get their threads. */
    public enum Origin {
        /** Pollen, with global thread pools that every Pollen session shares. */
        POLLEN,
        /** DJL's ONNX Runtime engine, started by Pollen so that DJL works in this process too; per-session threads. */
        DJL,
        /** Another library, before Pollen; per-session threads. */
        EXISTING
    }

    private OnnxEnvironment(OrtEnvironment env, OnnxConfig config, Origin origin) {
        this.env = env;
        this.config = config;
        this.origin = origin;
    }

    /**
     * @param config the thread setup; must equal the setup of the first call in this process
     * @return the process's environment
     * @throws PollenException {@link ErrorCategory#CONFIGURATION} when an environment exists with another config
     */
    public static synchronized OnnxEnvironment get(OnnxConfig config) {
        Objects.requireNonNull(config, "config");
        if (instance == null) {
            instance = create(config);
        } else if (!instance.config.equals(config)) {
            throw new PollenException(ErrorCategory.CONFIGURATION, "the ONNX Runtime environment of this process "
                    + "was set up for Pollen with " + instance.config + " and cannot change to " + config + " (ONNX"
                    + " Runtime fixes its thread pools once per process; an earlier runtime or a model validation during"
                    + " publish created it): build the PollenRuntime first, and use one configuration per process");
        }
        return instance;
    }

    /** @return the process's environment, created with {@link OnnxConfig#defaults()} if none exists yet */
    public static synchronized OnnxEnvironment current() {
        return instance != null ? instance : get(OnnxConfig.defaults());
    }

    private static OnnxEnvironment create(OnnxConfig config) {
        if (DjlEngine.handOffEnabled() && DjlEngine.present()) {
            OrtEnvironment djl = DjlEngine.start();
            if (djl != null) {
                return adopt(djl, config, Origin.DJL);
            }
        }
        try (OrtEnvironment.ThreadingOptions threads = new OrtEnvironment.ThreadingOptions()) {
            threads.setGlobalIntraOpNumThreads(config.intraOpThreads());
            threads.setGlobalInterOpNumThreads(config.interOpThreads());
            threads.setGlobalSpinControl(config.spinning());
            OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "pollen",
                    threads);
            LOG.log(System.Logger.Level.DEBUG, "created the ONNX Runtime environment with global thread pools ({0})",
                    config);
            return new OnnxEnvironment(env, config, Origin.POLLEN);
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.CONFIGURATION, "cannot set up the ONNX Runtime thread pools");
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof OrtException cause) {
                throw OnnxErrors.map(cause, ErrorCategory.CONFIGURATION, "cannot create the ONNX Runtime environment");
            }
            // The thread-pool factory refuses any existing environment; the plain one returns it, unchanged.
            return adopt(OrtEnvironment.getEnvironment(), config, Origin.EXISTING);
        }
    }

    private static OnnxEnvironment adopt(OrtEnvironment env, OnnxConfig config, Origin origin) {
        String by = origin == Origin.DJL ? "by DJL's ONNX Runtime engine, started by Pollen so that DJL can use it"
                + " too (-D" + DJL_HANDOFF_PROPERTY + "=false turns this off)"
                : "outside Pollen, by another library";
        LOG.log(System.Logger.Level.INFO, "the ONNX Runtime environment of this process ({0}) was created {1}; Pollen"
                + " uses it, with thread settings on each of its sessions instead of global thread pools: {2} intra-op"
                + " and {3} inter-op thread(s) per session, spinning {4}", env, by, config.intraOpThreads(),
                config.interOpThreads(), config.spinning() ? "on" : "off");
        return new OnnxEnvironment(env, config, origin);
    }

    /** @return the thread setup */
    public OnnxConfig config() {
        return config;
    }

    /** @return who created the environment, which says whether Pollen's sessions share global thread pools */
    public Origin origin() {
        return origin;
    }

    /** @return {@code true} when Pollen's sessions run on the environment's global pools ({@link Origin#POLLEN}) */
    public boolean globalThreadPools() {
        return origin == Origin.POLLEN;
    }

    OrtEnvironment ortEnvironment() {
        return env;
    }

    /**
     * @param model the ONNX bytes
     * @param what the artifact, for messages
     * @return a session with {@link #newSessionOptions()}
     */
    OrtSession createSession(byte[] model, String what) {
        return createSession(model, what, Map.of());
    }

    /**
     * @param model the ONNX bytes
     * @param what the artifact, for messages
     * @param config session configuration entries added to {@link #newSessionOptions()}
     * @return the session
     */
    OrtSession createSession(byte[] model, String what, Map<String, String> config) {
        try (OrtSession.SessionOptions options = newSessionOptions()) {
            for (Map.Entry<String, String> e : config.entrySet()) {
                options.addConfigEntry(e.getKey(), e.getValue());
            }
            return env.createSession(model, options);
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "ONNX Runtime cannot load " + what);
        }
    }

    /**
     * @param path the ONNX file
     * @param what the artifact, for messages
     * @return a session with {@link #newSessionOptions()}
     */
    OrtSession createSession(java.nio.file.Path path, String what) {
        return createSession(path, what, Map.of());
    }

    /**
     * @param path the ONNX file
     * @param what the artifact, for messages
     * @param config session configuration entries added to {@link #newSessionOptions()}
     * @return the session
     */
    OrtSession createSession(java.nio.file.Path path, String what, Map<String, String> config) {
        try (OrtSession.SessionOptions options = newSessionOptions()) {
            for (Map.Entry<String, String> e : config.entrySet()) {
                options.addConfigEntry(e.getKey(), e.getValue());
            }
            return env.createSession(path.toString(), options);
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "ONNX Runtime cannot load " + what);
        }
    }

    /**
     * The session options every Pollen session starts from: all graph optimizations, ONNX Runtime's session log at
     * ERROR (so a borrowed environment's WARNING level does not reach the user), and either the global thread pools
     * ({@link Origin#POLLEN}) or the config's thread counts and spinning on the session itself.
     *
     * @return new options; the caller closes them
     */
    public OrtSession.SessionOptions newSessionOptions() {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            if (origin == Origin.POLLEN) {
                options.disablePerSessionThreads();
            } else {
                options.setIntraOpNumThreads(config.intraOpThreads());
                options.setInterOpNumThreads(config.interOpThreads());
                String spin = config.spinning() ? "1" : "0";
                options.addConfigEntry("session.intra_op.allow_spinning", spin);
                options.addConfigEntry("session.inter_op.allow_spinning", spin);
            }
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return options;
        } catch (OrtException e) {
            options.close();
            throw OnnxErrors.map(e, ErrorCategory.CONFIGURATION, "cannot create ONNX Runtime session options");
        }
    }

    /**
     * The session options every Pollen session uses, for baselines (benchmarks) that must use exactly the same: those
     * of {@link #current()}.
     *
     * @return new options, see {@link #newSessionOptions()}; the caller closes them
     */
    public static OrtSession.SessionOptions sessionOptions() {
        return current().newSessionOptions();
    }

    /**
     * For baselines that must share the exact environment Pollen uses.
     *
     * @return ONNX Runtime's environment object
     */
    public OrtEnvironment unwrap() {
        return env;
    }
}
