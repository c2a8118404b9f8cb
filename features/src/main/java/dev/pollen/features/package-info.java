/**
 * The online feature store: small, mutable, per-entity state read when a decision is made and updated by the event
 * being decided (card velocity for payments, frequency caps for ads), and the idempotency log that makes retried
 * requests change nothing.
 *
 * <ul>
 *   <li>{@link dev.pollen.features.FeatureSchema} declares windows (rings of time buckets) and fields (sums);
 *       {@link dev.pollen.features.FeatureStore} keeps one fixed-size {@link dev.pollen.features.WindowedRecord}
 *       per key; {@link dev.pollen.features.FeatureSnapshot} receives a key's windows.</li>
 *   <li>{@link dev.pollen.features.InMemoryFeatureStore} (one process, training rows, tests) and
 *       {@link dev.pollen.features.chronicle.ChronicleFeatureStore} (a sparse Chronicle Map file shared by the JVMs
 *       of a host) pass one contract test, including random out-of-order event sequences checked against a
 *       reference model.</li>
 *   <li>{@link dev.pollen.features.IdempotencyLog}: answers remembered by request id for a window.</li>
 * </ul>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Event times are untrusted</b>: accepted within {@link dev.pollen.features.EventTimePolicy} of the store's
 *       clock (default 5 minutes ahead, 7 days behind), refused and counted otherwise.</li>
 *   <li><b>Late events</b> land in their own bucket while it is held and are dropped (and counted) from windows
 *       that no longer hold it; nothing resets a newer bucket; bucket indexes are 64-bit.</li>
 *   <li><b>Bounded</b>: a full store reclaims idle keys (first those no accepted event could ever read again) and
 *       otherwise refuses new keys with {@link dev.pollen.ErrorCategory#RESOURCE_EXHAUSTED}, never a raw Chronicle
 *       exception.</li>
 *   <li><b>Checked</b>: every record carries a checksum; a process opening a store alone checks every record, the
 *       file's length and, after a clean close, the number of keys.</li>
 *   <li><b>Closed safely</b>: {@code close()} waits for calls in flight; later calls fail with
 *       {@link dev.pollen.ErrorCategory#ILLEGAL_STATE}.</li>
 * </ul>
 *
 * <h2>Cost and threading</h2>
 * Stores are thread-safe. {@code read} and {@code readAndRecord} allocate nothing (per-thread flyweights over the
 * mapped entry); a read sums every bucket of the record, an update writes one journal entry and one bucket per
 * window. Only {@code features.chronicle} imports Chronicle Map, which needs Pollen's JVM flags
 * ({@link dev.pollen.features.chronicle.JvmFlags}). The design and its measurements are in {@code docs/features.md}.
 */
package dev.pollen.features;
