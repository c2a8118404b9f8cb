/**
 * The scoring core over ONNX Runtime, and the only package that imports it.
 *
 * <p>{@link dev.pollen.onnx.OnnxEnvironment} is the process's ONNX Runtime environment: one global intra-op pool
 * (per-session pools off, spinning off by default) when Pollen creates it, or, when another ONNX Runtime user in the
 * JVM (DJL, langchain4j) did, that environment with the same thread settings on each Pollen session.
 * {@link dev.pollen.onnx.OnnxModel} is one loaded version, shared by every caller; its weights are ONNX Runtime's
 * private copies or, for versions published with {@link dev.pollen.onnx.ExternalWeights} and
 * {@code onnx.weights=mapped}, a read-only mapping shared by every process on the host.
 * {@link dev.pollen.onnx.ScoringContext} is the per-thread, zero-copy path: direct buffers bound to tensors once,
 * pinned outputs, only a batch-size check per call. ONNX Runtime's checked exceptions become
 * {@link dev.pollen.PollenException}s here, keeping ONNX Runtime's error code.
 *
 * <p>Native memory is released only when no call is using it: models and contexts are guarded by a lock-free
 * in-flight counter, so closing while another thread scores cannot free memory under it.
 *
 * <p>docs/model-sharing.md has the measurements behind both: how Pollen shares a JVM with other ONNX Runtime users,
 * and what each way of holding weights costs in memory per process and in speed.
 */
package dev.pollen.onnx;
