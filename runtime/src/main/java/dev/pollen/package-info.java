/**
 * Pollen's runtime: the vocabulary shared by every package.
 *
 * <ul>
 *   <li>{@link dev.pollen.catalog} publishes, finds and verifies immutable, versioned artifacts.</li>
 *   <li>{@link dev.pollen.runtime} is the one-per-process runtime that leases loaded artifacts to callers.</li>
 *   <li>{@link dev.pollen.onnx} is the zero-copy scoring core over ONNX Runtime (the only package that imports
 *       it).</li>
 *   <li>{@link dev.pollen.metrics} binds runtime statistics to Micrometer (the only package that imports it).</li>
 * </ul>
 *
 * <p>Every failure is a {@link dev.pollen.PollenException} with an {@link dev.pollen.ErrorCategory}.
 */
package dev.pollen;
