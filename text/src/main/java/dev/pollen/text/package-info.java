/**
 * Text to embeddings: {@link dev.pollen.text.TextEncoder} tokenizes with a model's Hugging Face tokenizer, runs the
 * model from the catalog (through a {@link dev.pollen.onnx.TokenSequenceContext}), pools and normalizes, writing one
 * row per text into the caller's array or buffer. The only package that imports DJL's tokenizer
 * ({@code ai.djl.huggingface.tokenizers}).
 *
 * <h2>Cost model</h2>
 * <ul>
 *   <li>Opening an encoder: a model lease (the first one loads the model), reading and checksumming the
 *       {@code tokenizer.json} attachment, creating the native tokenizer, allocating direct buffers for
 *       {@code maxBatch * maxSequence} tokens. Once per thread.</li>
 *   <li>Encoding: DJL's tokenizer (native; allocates its {@code Encoding} objects per text), writing ids, mask and
 *       type ids into the reused buffers, ONNX Runtime runs over texts of similar length (sorted, split where
 *       padding would cost more than a run), pooling into a reused scratch row, a copy into the caller's
 *       destination.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * One encoder per thread; encoders of the same version share the native session. An encoder built with
 * {@code parallelism(n)} encodes each batch on its caller's thread and {@code n - 1} helper threads of its own.
 * Closing is idempotent and safe from any thread.
 *
 * <h2>No network</h2>
 * DJL can call home (telemetry) and download native libraries; this package switches both off
 * ({@code ai.djl.offline}, {@code OPT_OUT_TRACKING}) before DJL first loads, unless the application set them. The
 * tokenizer's native library comes from the tokenizers jar (Linux x86-64 and aarch64, macOS aarch64, Windows x86-64).
 */
package dev.pollen.text;
