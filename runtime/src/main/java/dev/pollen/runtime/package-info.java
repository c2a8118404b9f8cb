/**
 * The one-per-process runtime: {@link dev.pollen.runtime.PollenRuntime} resolves refs against a catalog, loads each
 * artifact version once and hands out reference-counted {@link dev.pollen.runtime.ModelLease}s; scoring happens on
 * per-thread {@link dev.pollen.onnx.ScoringContext}s built from a lease.
 *
 * <h2>Cost model</h2>
 * <ul>
 *   <li>Taking a lease: a catalog resolve (file system reads) and a lock; the first lease on a version also reads
 *       the manifest (checking its own checksum) and the payload, checks the payload's SHA-256, verifies the version's
 *       Ed25519 signature when its domain has a trusted key (tens of microseconds), and creates the native session.
 *       Not for the request path: lease once.</li>
 *   <li>Building a context: allocates its direct buffers and checks shapes. Once per thread.</li>
 *   <li>{@code ScoringContext.run}: a batch-size check, two lock-free in-flight counters, ONNX Runtime's run.
 *       Allocates nothing on Pollen's side.</li>
 * </ul>
 */
package dev.pollen.runtime;
