/**
 * Helpers shared by Pollen's own packages and modules. <b>Not API</b>: anything here may change or go in any
 * release, and nothing outside Pollen should use it.
 *
 * <p>The types are public only because Java without modules cannot share a package-private type across packages:
 * the runtime's catalog, ONNX and table packages use them, and so do Pollen's other modules ({@code pollen-features}
 * uses {@code NativeGuard}, {@code Hashing} and {@code Echo}; {@code pollen-text} uses {@code NativeGuard};
 * {@code pollen-adapters} uses {@code Echo}; the CLI uses {@code Echo}, {@code Utf8LineReader} and
 * {@code OwnerLock}). Pollen's jars have no {@code module-info} (they run on the class path), so no qualified
 * {@code exports ... to} can enforce this; this note and the package name do. It is the layer just above
 * {@code dev.pollen}, the only Pollen package it imports.
 */
package dev.pollen.internal;
