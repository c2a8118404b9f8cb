/**
 * Helpers shared by Pollen's own packages. Not API: anything here may change in any release.
 */
package dev.pollen.internal;
