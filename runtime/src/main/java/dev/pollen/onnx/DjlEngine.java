package dev.pollen.onnx;

import ai.onnxruntime.OrtEnvironment;
import java.lang.reflect.InvocationTargetException;

/**
 * Starts DJL's ONNX Runtime engine, when it is on the class path, so that it creates the process's ONNX Runtime
 * environment: DJL refuses every environment it did not create (see {@link OnnxEnvironment}). By reflection, so Pollen
 * has no dependency on DJL's engine; only {@code ai.djl.engine.Engine.getEngine(String)}, DJL's public API, is called.
 */
final class DjlEngine {
    /** DJL's ONNX Runtime engine provider, present only when {@code ai.djl.onnxruntime:onnxruntime-engine} is. */
    static final String PROVIDER = "ai.djl.onnxruntime.engine.OrtEngineProvider";
    static final String ENGINE = "ai.djl.engine.Engine";
    static final String ENGINE_NAME = "OnnxRuntime";
    /** DJL's telemetry switch, read as a system property or an environment variable. */
    static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

    private static final System.Logger LOG = System.getLogger(DjlEngine.class.getName());

    private DjlEngine() {
    }

    /** @return whether {@link OnnxEnvironment#DJL_HANDOFF_PROPERTY} leaves the hand-off on (the default) */
    static boolean handOffEnabled() {
        return !"false".equalsIgnoreCase(System.getProperty(OnnxEnvironment.DJL_HANDOFF_PROPERTY, "true").trim());
    }

    /** @return whether DJL's ONNX Runtime engine can be loaded by Pollen's class loader (nothing is initialized) */
    static boolean present() {
        try {
            Class.forName(PROVIDER, false, DjlEngine.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Starts DJL's ONNX Runtime engine (a no-op if it already runs) and returns the environment it created.
     *
     * @return the environment, or {@code null} when DJL's engine did not start (then DJL cannot use ONNX Runtime in
     *     this process, whatever Pollen does; logged at WARNING)
     */
    static OrtEnvironment start() {
        if (System.getProperty(OPT_OUT_TRACKING) == null && System.getenv(OPT_OUT_TRACKING) == null) {
            System.setProperty(OPT_OUT_TRACKING, "true");
        }
        try {
            Class<?> engine = Class.forName(ENGINE, true, DjlEngine.class.getClassLoader());
            engine.getMethod("getEngine", String.class).invoke(null, ENGINE_NAME);
            return OrtEnvironment.getEnvironment();
        } catch (InvocationTargetException e) {
            LOG.log(System.Logger.Level.WARNING, "DJL's ONNX Runtime engine is on the class path but did not start ("
                    + e.getCause() + "), so Pollen sets up ONNX Runtime itself and DJL will not be able to use ONNX"
                    + " Runtime in this process; start DJL's engine before Pollen, or set -D"
                    + OnnxEnvironment.DJL_HANDOFF_PROPERTY + "=false to skip this attempt", e.getCause());
            return null;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot start DJL's ONNX Runtime engine (" + e + "); Pollen sets up"
                    + " ONNX Runtime itself", e);
            return null;
        }
    }
}
