/**
 * Domain adapters, one sub-package per domain (payments, ads, personalization), each composing catalog
 * artifacts, online features and models into a decision. Adapters depend on the runtime's public API only and
 * never import ONNX Runtime, Chronicle Map or Micrometer directly. The first adapter (payments) arrives with
 * issue 3; this module holds no code yet.
 */
package dev.pollen.adapters;
