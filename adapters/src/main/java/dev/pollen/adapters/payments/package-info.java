/**
 * Payments: fraud scoring and payment routing on the runtime.
 *
 * <ul>
 *   <li>{@link dev.pollen.adapters.payments.Transaction}: a checked, immutable card transaction with documented
 *       defaults for optional fields.</li>
 *   <li>{@link dev.pollen.adapters.payments.FraudScorer}: velocity from the shared store, 30 features written into
 *       the scoring context, one ONNX Runtime run, then approve / review / decline with reasons.</li>
 *   <li>{@link dev.pollen.adapters.payments.PaymentRouter}: eligible processors ranked by predicted authorization
 *       success.</li>
 *   <li>{@link dev.pollen.adapters.payments.FraudFeatures} and {@link dev.pollen.adapters.payments.RoutingFeatures}:
 *       the encoders shared with training (the {@code models} module), so features cannot drift.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * A decision is one velocity read-and-update (an inter-process lock on a memory-mapped entry), 30 float writes into
 * a direct buffer, one ONNX Runtime run and a scan of 30 contributions: no allocation on the adapter's side once a
 * thread has its context. The benchmarks compare it with bare ONNX Runtime on the same model.
 */
package dev.pollen.adapters.payments;
