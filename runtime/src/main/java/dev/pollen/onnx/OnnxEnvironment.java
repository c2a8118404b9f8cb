package dev.pollen.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.Objects;

/**
 * The process's ONNX Runtime environment with its global thread pools. Every Pollen session is created here with
 * per-session thread pools disabled, so all sessions share one pool and the process never oversubscribes cores.
 * Thread-safe.
 */
public final class OnnxEnvironment {
    private static OnnxEnvironment instance;

    private final OrtEnvironment env;
    private final OnnxConfig config;

    private OnnxEnvironment(OrtEnvironment env, OnnxConfig config) {
        this.env = env;
        this.config = config;
    }

    /**
     * @param config the thread pool setup; must equal the setup of the first call in this process
     * @return the process's environment
     * @throws PollenException {@link ErrorCategory#CONFIGURATION} when an environment exists with another config
     */
    public static synchronized OnnxEnvironment get(OnnxConfig config) {
        Objects.requireNonNull(config, "config");
        if (instance == null) {
            instance = create(config);
        } else if (!instance.config.equals(config)) {
            throw new PollenException(ErrorCategory.CONFIGURATION, "the ONNX Runtime environment of this process "
                    + "was created with " + instance.config + " and cannot change to " + config + " (ONNX Runtime"
                    + " fixes its thread pools once per process; an earlier runtime or a model validation during"
                    + " publish created it): build the PollenRuntime first, and use one configuration per process");
        }
        return instance;
    }

    /** @return the process's environment, created with {@link OnnxConfig#defaults()} if none exists yet */
    public static synchronized OnnxEnvironment current() {
        return instance != null ? instance : get(OnnxConfig.defaults());
    }

    private static OnnxEnvironment create(OnnxConfig config) {
        try (OrtEnvironment.ThreadingOptions threads = new OrtEnvironment.ThreadingOptions()) {
            threads.setGlobalIntraOpNumThreads(config.intraOpThreads());
            threads.setGlobalInterOpNumThreads(config.interOpThreads());
            threads.setGlobalSpinControl(config.spinning());
            OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "pollen",
                    threads);
            return new OnnxEnvironment(env, config);
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.CONFIGURATION, "cannot set up the ONNX Runtime thread pools");
        } catch (IllegalStateException e) {
            throw new PollenException(ErrorCategory.CONFIGURATION, "an ONNX Runtime environment was created in this"
                    + " process outside Pollen, so Pollen cannot set its global thread pools: " + e.getMessage(), e);
        }
    }

    /** @return the thread pool setup */
    public OnnxConfig config() {
        return config;
    }

    OrtEnvironment ortEnvironment() {
        return env;
    }

    /**
     * @param model the ONNX bytes
     * @param what the artifact, for messages
     * @return a session using the global thread pools
     */
    OrtSession createSession(byte[] model, String what) {
        try (OrtSession.SessionOptions options = sessionOptions()) {
            return env.createSession(model, options);
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "ONNX Runtime cannot load " + what);
        }
    }

    /**
     * @param path the ONNX file
     * @param what the artifact, for messages
     * @return a session using the global thread pools
     */
    OrtSession createSession(java.nio.file.Path path, String what) {
        try (OrtSession.SessionOptions options = sessionOptions()) {
            return env.createSession(path.toString(), options);
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "ONNX Runtime cannot load " + what);
        }
    }

    /**
     * The session options every Pollen session uses. Public so baselines (benchmarks) can use exactly the same.
     *
     * @return new options: global thread pools, all graph optimizations; the caller closes them
     */
    public static OrtSession.SessionOptions sessionOptions() {
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.disablePerSessionThreads();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return options;
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.CONFIGURATION, "cannot create ONNX Runtime session options");
        }
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
