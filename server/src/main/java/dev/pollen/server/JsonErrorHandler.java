package dev.pollen.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pollen.internal.Echo;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals, made before a request reaches Javalin (a malformed escape such as {@code %ZZ}, an encoded
 * {@code ..} or a NUL in a path, a bad header), answered as the API's JSON errors instead of Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) throws IOException {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int status, String reason) {
        String why = reason == null || reason.isBlank() ? "the request is malformed"
                : "the request is malformed: " + Echo.cut(reason);
        ApiError e = new ApiError(status, status == 400 ? "BAD_REQUEST" : "HTTP_" + status, why, null);
        try {
            return ApiJson.JSON.writeValueAsBytes(ApiJson.error(e));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
