package dev.pollen.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactValidator;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.Manifest;
import java.nio.file.Path;
import java.util.Map;

/**
 * Validates a staged model before the catalog publishes it: ONNX Runtime must load it (with its attachments beside
 * it, as external weights may be), its real inputs and outputs must match the declared signature (see
 * {@link OnnxSignatures#requireMatch}), and {@value OnnxModel#WEIGHTS_PROPERTY} must be valid: for
 * {@value OnnxModel#WEIGHTS_MAPPED}, the weights must be in attachments, which must be larger than the graph (a
 * graph that still holds its weights would be copied into every process; {@link ExternalWeights} writes the form).
 *
 * <p>The catalog does not know this class (it sits below this package): whoever opens a catalog registers it for
 * {@link dev.pollen.catalog.ArtifactKind#MODEL}, as {@code PollenRuntime.validators()} does. Validating creates the
 * process's {@link OnnxEnvironment} with the default configuration if none exists yet.
 */
public final class OnnxModelValidator implements ArtifactValidator {
    @Override
    public void validate(Manifest manifest, Path payload) {
        String what = manifest.domain() + "/" + manifest.name() + " (being published)";
        boolean mapped = OnnxModel.declaresMappedWeights(manifest);
        if (mapped) {
            long weights = manifest.attachments().stream().mapToLong(Attachment::sizeBytes).sum();
            if (manifest.sizeBytes() > weights) {
                throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, what + " says "
                        + OnnxModel.WEIGHTS_PROPERTY + "=" + OnnxModel.WEIGHTS_MAPPED + ", so its weights must be in"
                        + " its attachments, but the graph is larger than all of them (" + manifest.sizeBytes()
                        + " bytes against " + weights + "): write the model with ExternalWeights");
            }
        }
        OrtSession session = OnnxEnvironment.current().createSession(payload, what,
                mapped ? Map.of(OnnxModel.DISABLE_PREPACKING, "1") : Map.of());
        try {
            OnnxSignatures.requireMatch(manifest.signature(), OnnxSignatures.read(session, what), what);
        } finally {
            try {
                session.close();
            } catch (OrtException e) {
                throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "cannot close the validation session of " + what);
            }
        }
    }

    /**
     * Reads a model file's real signature, for tools that help a publisher write one.
     *
     * @param payload an ONNX file
     * @return its inputs and outputs as ONNX Runtime reports them
     */
    public static dev.pollen.catalog.Signature inspect(Path payload) {
        OrtSession session = OnnxEnvironment.current().createSession(payload, payload.toString());
        try {
            return OnnxSignatures.read(session, payload.toString());
        } finally {
            try {
                session.close();
            } catch (OrtException e) {
                throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "cannot close the inspection session of " + payload);
            }
        }
    }
}
