package dev.pollen.models.train;

import java.util.Random;

/**
 * A small dense network trained in plain Java: ReLU hidden layers, sigmoid outputs, binary cross-entropy per output,
 * Adam updates on mini-batches. Deterministic for a given seed and data order. Not thread-safe.
 *
 * <p>Weights are stored row-major as {@code w[layer][in * out]} with index {@code i * out + j}, the layout ONNX's
 * {@code Gemm} expects for {@code B} of shape [in, out].
 */
public final class Mlp {
    private final int[] widths;
    final float[][] w;
    final float[][] b;
    private final float[][] mw;
    private final float[][] vw;
    private final float[][] mb;
    private final float[][] vb;
    private long step;

    /**
     * @param widths layer widths from input to output, such as {@code {30, 32, 16, 1}}
     * @param seed weight initialisation seed
     */
    public Mlp(int[] widths, long seed) {
        if (widths.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least an input and an output width");
        }
        this.widths = widths.clone();
        int layers = widths.length - 1;
        w = new float[layers][];
        b = new float[layers][];
        mw = new float[layers][];
        vw = new float[layers][];
        mb = new float[layers][];
        vb = new float[layers][];
        Random random = new Random(seed);
        for (int l = 0; l < layers; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            w[l] = new float[in * out];
            float scale = (float) Math.sqrt(2.0 / in);
            for (int k = 0; k < w[l].length; k++) {
                w[l][k] = (float) random.nextGaussian() * scale;
            }
            b[l] = new float[out];
            mw[l] = new float[in * out];
            vw[l] = new float[in * out];
            mb[l] = new float[out];
            vb[l] = new float[out];
        }
    }

    /** @return layer widths, input first */
    public int[] widths() {
        return widths.clone();
    }

    /** @param layer a layer index @return its weights [in * out], row-major (a copy) */
    public float[] weights(int layer) {
        return w[layer].clone();
    }

    /** @param layer a layer index @return its biases (a copy) */
    public float[] biases(int layer) {
        return b[layer].clone();
    }

    /** @return number of weight layers */
    public int layers() {
        return w.length;
    }

    /**
     * Forward pass keeping every activation.
     *
     * @param x standardized input
     * @param acts activations per layer, {@code acts[0] = x}; the last holds logits
     */
    private void forward(float[] x, float[][] acts) {
        System.arraycopy(x, 0, acts[0], 0, x.length);
        for (int l = 0; l < w.length; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            float[] a = acts[l];
            float[] z = acts[l + 1];
            for (int j = 0; j < out; j++) {
                z[j] = b[l][j];
            }
            for (int i = 0; i < in; i++) {
                float ai = a[i];
                if (ai == 0f) {
                    continue;
                }
                int row = i * out;
                for (int j = 0; j < out; j++) {
                    z[j] += ai * w[l][row + j];
                }
            }
            if (l < w.length - 1) {
                for (int j = 0; j < out; j++) {
                    z[j] = Math.max(0f, z[j]);
                }
            }
        }
    }

    private float[][] newActs() {
        float[][] acts = new float[widths.length][];
        for (int l = 0; l < widths.length; l++) {
            acts[l] = new float[widths[l]];
        }
        return acts;
    }

    /**
     * @param x a standardized input row
     * @param out receives one probability per output
     */
    public void predict(float[] x, float[] out) {
        float[][] acts = newActs();
        forward(x, acts);
        float[] logits = acts[acts.length - 1];
        for (int j = 0; j < out.length; j++) {
            out[j] = sigmoid(logits[j]);
        }
    }

    /**
     * Gradient of each output-0 logit with respect to the standardized input at {@code x}: the local linear
     * attribution used for reason codes.
     *
     * @param x the point, usually all zeros (the training mean)
     * @return d logit_0 / d x
     */
    public float[] inputGradient(float[] x) {
        float[][] acts = newActs();
        forward(x, acts);
        float[] delta = new float[widths[widths.length - 1]];
        delta[0] = 1f;
        for (int l = w.length - 1; l >= 0; l--) {
            int in = widths[l];
            int out = widths[l + 1];
            float[] prev = new float[in];
            for (int i = 0; i < in; i++) {
                float s = 0;
                int row = i * out;
                for (int j = 0; j < out; j++) {
                    s += w[l][row + j] * delta[j];
                }
                prev[i] = (l > 0 && acts[l][i] <= 0f) ? 0f : s;
            }
            delta = prev;
        }
        return delta;
    }

    /**
     * One epoch of mini-batch Adam on binary cross-entropy.
     *
     * @param xs standardized inputs
     * @param ys targets in [0, 1], one per output
     * @param order row order for this epoch
     * @param batch rows per update
     * @param learningRate Adam's step size
     * @param positiveWeight weight of positive targets of output 0 (class imbalance), 1 for none
     * @return mean loss over the epoch
     */
    public double epoch(float[][] xs, float[][] ys, int[] order, int batch, float learningRate, float positiveWeight) {
        return epoch(xs, ys, order, batch, learningRate, positiveWeight, 0f);
    }

    /**
     * One epoch of mini-batch Adam on binary cross-entropy with decoupled weight decay (AdamW, Loshchilov and Hutter
     * 2019): after each update every weight, not the biases, shrinks by {@code learningRate * weightDecay} of
     * itself. It pulls the weights a wide, noisy input cannot pay for towards zero.
     *
     * @param xs standardized inputs
     * @param ys targets in [0, 1], one per output
     * @param order row order for this epoch
     * @param batch rows per update
     * @param learningRate Adam's step size
     * @param positiveWeight weight of positive targets of output 0 (class imbalance), 1 for none
     * @param weightDecay the decay rate, 0 for plain Adam
     * @return mean loss over the epoch
     */
    public double epoch(float[][] xs, float[][] ys, int[] order, int batch, float learningRate, float positiveWeight,
            float weightDecay) {
        int layers = w.length;
        float[][] gw = new float[layers][];
        float[][] gb = new float[layers][];
        for (int l = 0; l < layers; l++) {
            gw[l] = new float[w[l].length];
            gb[l] = new float[b[l].length];
        }
        float[][] acts = newActs();
        float[][] deltas = newActs();
        double loss = 0;
        for (int start = 0; start < order.length; start += batch) {
            int end = Math.min(order.length, start + batch);
            for (int l = 0; l < layers; l++) {
                java.util.Arrays.fill(gw[l], 0f);
                java.util.Arrays.fill(gb[l], 0f);
            }
            for (int r = start; r < end; r++) {
                float[] x = xs[order[r]];
                float[] y = ys[order[r]];
                forward(x, acts);
                float[] logits = acts[layers];
                float[] d = deltas[layers];
                for (int j = 0; j < logits.length; j++) {
                    float p = sigmoid(logits[j]);
                    float weight = (j == 0 && y[j] > 0.5f) ? positiveWeight : 1f;
                    d[j] = (p - y[j]) * weight;
                    loss += -weight * (y[j] * Math.log(Math.max(p, 1e-7)) + (1 - y[j]) * Math.log(Math.max(1 - p, 1e-7)));
                }
                for (int l = layers - 1; l >= 0; l--) {
                    int in = widths[l];
                    int out = widths[l + 1];
                    float[] a = acts[l];
                    float[] dl = deltas[l + 1];
                    for (int j = 0; j < out; j++) {
                        gb[l][j] += dl[j];
                    }
                    float[] dPrev = deltas[l];
                    for (int i = 0; i < in; i++) {
                        int row = i * out;
                        float ai = a[i];
                        float s = 0;
                        for (int j = 0; j < out; j++) {
                            gw[l][row + j] += ai * dl[j];
                            s += w[l][row + j] * dl[j];
                        }
                        dPrev[i] = (l > 0 && a[i] <= 0f) ? 0f : s;
                    }
                }
            }
            float scale = 1f / (end - start);
            step++;
            for (int l = 0; l < layers; l++) {
                adam(w[l], gw[l], mw[l], vw[l], scale, learningRate);
                if (weightDecay != 0f) {
                    float keep = 1 - learningRate * weightDecay;
                    for (int k = 0; k < w[l].length; k++) {
                        w[l][k] *= keep;
                    }
                }
                adam(b[l], gb[l], mb[l], vb[l], scale, learningRate);
            }
        }
        return loss / order.length;
    }

    private void adam(float[] p, float[] g, float[] m, float[] v, float scale, float lr) {
        final float beta1 = 0.9f;
        final float beta2 = 0.999f;
        float c1 = 1 - (float) Math.pow(beta1, step);
        float c2 = 1 - (float) Math.pow(beta2, step);
        for (int k = 0; k < p.length; k++) {
            float gk = g[k] * scale;
            m[k] = beta1 * m[k] + (1 - beta1) * gk;
            v[k] = beta2 * v[k] + (1 - beta2) * gk * gk;
            p[k] -= lr * (m[k] / c1) / ((float) Math.sqrt(v[k] / c2) + 1e-8f);
        }
    }

    static float sigmoid(float z) {
        return (float) (1 / (1 + Math.exp(-z)));
    }
}
