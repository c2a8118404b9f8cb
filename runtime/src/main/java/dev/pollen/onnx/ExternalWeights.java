package dev.pollen.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an ONNX model in the form Pollen can map ({@code onnx.weights=mapped}, see {@link OnnxModel}): the graph in
 * one file and every initializer of at least {@link #MIN_EXTERNAL_BYTES} in a weights file beside it, as ONNX external
 * data. ONNX Runtime 1.24 memory-maps external data on the CPU and, when nothing pre-packs a tensor, computes on the
 * mapping in place, so every process on a host shares one copy of the weights through the page cache.
 *
 * <p>ONNX Runtime itself writes the files (its optimized-model writer), at the basic optimization level: constant
 * folding and redundant-node removal, hardware-independent and in standard ONNX operators only, so the result is as
 * portable as the input and whatever basic optimizations would compute at load is in the weights file, mapped,
 * instead of in private memory. The graph keeps its inputs and outputs, so the model's signature does not change.
 *
 * <pre>{@code
 * ExternalWeights.write(Path.of("encoder.onnx"), dir.resolve("model.onnx"), "model.weights");
 * catalog.publish(PublishRequest.builder("studio", "content-encoder", ArtifactKind.MODEL)
 *         .payload(dir.resolve("model.onnx"))                          // the graph, kilobytes
 *         .attachment("model.weights", dir.resolve("model.weights"))   // the weights, by this exact name
 *         .property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED)
 *         ...build());
 * }</pre>
 *
 * <p>The weights file must be published as an attachment under the name given here: the graph refers to it by that
 * name, relative to its own directory (ONNX Runtime refuses external data outside it). Not thread-safe with another
 * write to the same files.
 */
public final class ExternalWeights {
    /** Initializers smaller than this stay inside the graph file. */
    public static final int MIN_EXTERNAL_BYTES = 1024;

    private ExternalWeights() {
    }

    /**
     * @param model an ONNX model file (its own external data, if any, beside it)
     * @param graphFile where to write the graph; the weights file is written in the same directory
     * @param weightsFileName the weights file's name, a plain file name (it becomes the attachment's name)
     * @return the weights file
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a weights name that is not a plain file name or
     *     names the graph file, {@link ErrorCategory#MODEL_LOAD} when ONNX Runtime cannot load or write the model,
     *     {@link ErrorCategory#IO} when the result cannot be read back
     */
    public static Path write(Path model, Path graphFile, String weightsFileName) {
        if (weightsFileName.isEmpty() || weightsFileName.contains("/") || weightsFileName.contains("\\")
                || weightsFileName.equals(".") || weightsFileName.equals("..")) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the weights file name must be a plain file name"
                    + " in the graph's directory (found '" + weightsFileName + "')");
        }
        Path absoluteGraph = graphFile.toAbsolutePath();
        Path weights = absoluteGraph.resolveSibling(weightsFileName);
        if (weights.equals(absoluteGraph)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the weights file must not be the graph file ("
                    + graphFile + ")");
        }
        OnnxEnvironment env = OnnxEnvironment.current();
        try (OrtSession.SessionOptions options = env.newSessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            options.setOptimizedModelFilePath(absoluteGraph.toString());
            options.addConfigEntry("session.optimized_model_external_initializers_file_name", weightsFileName);
            options.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes",
                    Integer.toString(MIN_EXTERNAL_BYTES));
            // Writing needs no packed copies.
            options.addConfigEntry(OnnxModel.DISABLE_PREPACKING, "1");
            Files.deleteIfExists(weights);
            env.ortEnvironment().createSession(model.toString(), options).close();
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "ONNX Runtime cannot write " + model
                    + " with external weights");
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot replace " + weights + ": " + e, e);
        }
        if (!Files.isRegularFile(absoluteGraph)) {
            throw new PollenException(ErrorCategory.MODEL_LOAD, "ONNX Runtime wrote no graph for " + model + " at "
                    + graphFile);
        }
        if (!Files.isRegularFile(weights) || size(weights) == 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, model + " has no initializer of "
                    + MIN_EXTERNAL_BYTES + " bytes or more, so there are no weights to map");
        }
        return weights;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read " + file + ": " + e, e);
        }
    }
}
