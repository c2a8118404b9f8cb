package dev.pollen.server;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * A refusal the API answers as {@code {"error": {"status", "code", "message", "parameter"}}} with its HTTP status.
 * {@code parameter} names the query, path or body field at fault when there is one.
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final String parameter;

    ApiError(int status, String code, String message, String parameter) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.parameter = parameter;
    }

    static ApiError badParameter(String parameter, String message) {
        return new ApiError(400, "INVALID_ARGUMENT", message, parameter);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "NOT_FOUND", message, null);
    }

    /**
     * @param e a refusal from the catalog
     * @param parameter the request part that carried the value, or {@code null}
     * @return the same refusal over HTTP: unknown refs 404, bad values 400, damaged or untrusted records 500 (the
     *     store is at fault, not the request), anything else as the category says
     */
    static ApiError of(PollenException e, String parameter) {
        ErrorCategory c = e.category();
        int status = switch (c) {
            case NOT_FOUND -> 404;
            case INVALID_ARGUMENT -> 400;
            case ALREADY_EXISTS -> 409;
            case UNAVAILABLE, RESOURCE_EXHAUSTED -> 503;
            default -> 500;
        };
        return new ApiError(status, c.name(), e.getMessage(), status == 400 ? parameter : null);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    String parameter() {
        return parameter;
    }
}
