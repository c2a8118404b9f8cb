package dev.pollen.onnx;

import ai.onnxruntime.OrtException;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/** The one place where ONNX Runtime's checked {@link OrtException} becomes a {@link PollenException}. */
final class OnnxErrors {
    private OnnxErrors() {
    }

    /**
     * @param e ONNX Runtime's exception
     * @param category the category for this call site (load or inference)
     * @param context what was being done, naming the artifact
     * @return the unchecked exception, keeping ONNX Runtime's error code
     */
    static PollenException map(OrtException e, ErrorCategory category, String context) {
        OrtException.OrtErrorCode code = e.getCode();
        ErrorCategory c = category;
        if (code == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT && category == ErrorCategory.INFERENCE) {
            c = ErrorCategory.INVALID_ARGUMENT;
        }
        return new PollenException(c, context + ": " + e.getMessage() + " [" + code + "]", code.name(), e);
    }
}
