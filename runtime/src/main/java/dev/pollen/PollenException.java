package dev.pollen;

/**
 * The one unchecked exception Pollen throws. Its {@link #category()} says what went wrong; when the failure came
 * from ONNX Runtime, {@link #onnxErrorCode()} keeps ONNX Runtime's own error code (for example
 * {@code ORT_INVALID_ARGUMENT}), otherwise it is {@code null}.
 *
 * <p>Messages state the rule and the offending value, naming the artifact where one is involved, for example
 * {@code input 'features' of demo/mlp@1 must have 32 values per row (found 31)}.
 */
public class PollenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCategory category;
    private final String onnxErrorCode;

    /**
     * @param category what kind of failure this is
     * @param message the rule and the offending value
     */
    public PollenException(ErrorCategory category, String message) {
        this(category, message, null, null);
    }

    /**
     * @param category what kind of failure this is
     * @param message the rule and the offending value
     * @param cause the underlying failure, or {@code null}
     */
    public PollenException(ErrorCategory category, String message, Throwable cause) {
        this(category, message, null, cause);
    }

    /**
     * @param category what kind of failure this is
     * @param message the rule and the offending value
     * @param onnxErrorCode ONNX Runtime's error code name, or {@code null} when ONNX Runtime is not involved
     * @param cause the underlying failure, or {@code null}
     */
    public PollenException(ErrorCategory category, String message, String onnxErrorCode, Throwable cause) {
        super(message, cause);
        this.category = category;
        this.onnxErrorCode = onnxErrorCode;
    }

    /** @return what kind of failure this is */
    public ErrorCategory category() {
        return category;
    }

    /** @return ONNX Runtime's error code name (such as {@code ORT_INVALID_ARGUMENT}), or {@code null} */
    public String onnxErrorCode() {
        return onnxErrorCode;
    }
}
