/**
 * The one-per-process runtime: {@link dev.pollen.runtime.PollenRuntime} resolves refs against a catalog, loads each
 * artifact version once and hands out reference-counted {@link dev.pollen.runtime.ModelLease}s; scoring happens on
 * {@link dev.pollen.onnx.ScoringContext}s taken per request from a bounded {@link dev.pollen.runtime.ContextPool} of
 * the lease (or kept by one owner, {@code ModelLease.newContext}).
 *
 * <h2>Cost model</h2>
 * <ul>
 *   <li>Taking a lease: a catalog resolve (file system reads) and a lock; the first lease on a version also reads
 *       the manifest (checking its own checksum) and the payload, checks the payload's SHA-256, verifies the version's
 *       Ed25519 signature when its domain has a trusted key (tens of microseconds), and creates the native session.
 *       Not for the request path: lease once.</li>
 *   <li>Building a context: allocates its direct buffers and checks shapes. At most a pool's size per pool, on
 *       demand (about 16 KB of direct buffers for the fraud model at batch 64; docs/scoring.md).</li>
 *   <li>{@code ContextPool.acquire} and the handle's {@code close}: a CAS on the context's own cache line, no lock and
 *       no allocation while a context is free; a caller that must wait parks, up to the pool's timeout.</li>
 *   <li>{@code ScoringContext.run}: a batch-size check, the context's lock-free in-flight counter (on its own cache
 *       line; nothing shared with other threads' runs), ONNX Runtime's run. Allocates nothing on Pollen's side.</li>
 * </ul>
 */
package dev.pollen.runtime;
