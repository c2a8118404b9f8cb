package dev.pollen.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.catalog.ArtifactValidator;
import dev.pollen.catalog.Manifest;
import java.nio.file.Path;

/**
 * Validates a staged model before the catalog publishes it: ONNX Runtime must load it, and its real inputs and
 * outputs must match the declared signature (see {@link OnnxSignatures#requireMatch}).
 */
public final class OnnxModelValidator implements ArtifactValidator {
    @Override
    public void validate(Manifest manifest, Path payload) {
        String what = manifest.domain() + "/" + manifest.name() + " (being published)";
        OrtSession session = OnnxEnvironment.current().createSession(payload, what);
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
