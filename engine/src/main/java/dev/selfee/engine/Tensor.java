package dev.selfee.engine;

import java.util.Arrays;

/**
 * An fp32 n-dimensional array: a heap {@code float[]} (the fastest path for the Vector API)
 * plus an offset, a shape and strides. Reshape, slice and transpose return views that share
 * the storage; {@link #contiguous()} copies only when the layout requires it.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final int[] shape;
    private final int[] strides;

    private Tensor(float[] data, int offset, int[] shape, int[] strides) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /**
     * A new zero-filled tensor. Inside a {@link TensorPool#use()} scope its storage may be a
     * recycled array longer than the tensor (contiguous from offset 0, not {@link #isDense}).
     */
    public static Tensor zeros(int... shape) {
        int[] s = checkedShape(shape);
        int n = Math.toIntExact(count(s));
        float[] pooled = TensorPool.takeForTensor(n, true);
        return new Tensor(pooled == null ? new float[n] : pooled, 0, s, rowMajorStrides(s));
    }

    /**
     * A tensor whose values are unspecified, for an op's output that the op writes in full: the
     * same as {@link #zeros} except that a recycled array is not cleared first (on the training
     * hot path, clearing a buffer that is about to be overwritten costs a pass over memory).
     */
    public static Tensor empty(int... shape) {
        int[] s = checkedShape(shape);
        int n = Math.toIntExact(count(s));
        float[] pooled = TensorPool.takeForTensor(n, false);
        return new Tensor(pooled == null ? new float[n] : pooled, 0, s, rowMajorStrides(s));
    }

    /** A contiguous tensor of the given shape on the first elements of {@code data}, which may be longer (a {@link TensorPool} array). */
    public static Tensor over(float[] data, int... shape) {
        int[] s = checkedShape(shape);
        if (count(s) > data.length) {
            throw new IllegalArgumentException("Tensor.over: shape " + Arrays.toString(s) + " holds " + count(s) + " values but the array has " + data.length);
        }
        return new Tensor(data, 0, s, rowMajorStrides(s));
    }

    /** A new zero-filled tensor on its own exactly sized array, never from a {@link TensorPool}: for storage that outlives a step. */
    public static Tensor zerosUnpooled(int... shape) {
        int[] s = checkedShape(shape);
        return new Tensor(new float[Math.toIntExact(count(s))], 0, s, rowMajorStrides(s));
    }

    /** Wraps {@code data} (not copied) as a contiguous tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        int[] s = checkedShape(shape);
        if (count(s) != data.length) {
            throw new IllegalArgumentException("Tensor.of: shape " + Arrays.toString(s) + " holds " + count(s)
                    + " values but the array has " + data.length);
        }
        return new Tensor(data, 0, s, rowMajorStrides(s));
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, 0, t.size(), value);
        return t;
    }

    public static Tensor scalar(float v) {
        return of(new float[] {v});
    }

    // ---- shape ----

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code d}; negative d counts from the end. */
    public int dim(int d) {
        return shape[axis(d)];
    }

    /** Number of elements. */
    public int size() {
        return (int) count(shape);
    }

    public int[] strides() {
        return strides.clone();
    }

    /** The backing array; index it with {@link #offset()} (and strides when not contiguous). */
    public float[] data() {
        return data;
    }

    public int offset() {
        return offset;
    }

    public boolean isContiguous() {
        int expect = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expect) return false;
            expect *= shape[d];
        }
        return true;
    }

    /** True when this is contiguous and covers its whole backing array from index 0. */
    public boolean isDense() {
        return offset == 0 && isContiguous() && size() == data.length;
    }

    public boolean sameShape(Tensor o) {
        return Arrays.equals(shape, o.shape);
    }

    // ---- element access ----

    public float get(int... idx) {
        return data[index(idx)];
    }

    public void set(float v, int... idx) {
        data[index(idx)] = v;
    }

    private int index(int[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(idx) + " has " + idx.length
                    + " coordinates but the tensor has shape " + Arrays.toString(shape));
        }
        int p = offset;
        for (int d = 0; d < idx.length; d++) {
            if (idx[d] < 0 || idx[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " out of bounds for shape " + Arrays.toString(shape));
            }
            p += idx[d] * strides[d];
        }
        return p;
    }

    // ---- views ----

    /** A view with a new shape over the same elements; one dimension may be -1 (inferred). Needs a contiguous tensor. */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int d = 0; d < s.length; d++) {
            if (s[d] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape " + Arrays.toString(newShape) + ": only one dimension may be -1");
                infer = d;
            } else {
                if (s[d] < 0) throw new IllegalArgumentException("reshape " + Arrays.toString(newShape) + ": negative dimension");
                known *= s[d];
            }
        }
        if (infer >= 0) {
            if (known == 0 || size() % known != 0) {
                throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + " -> " + Arrays.toString(newShape) + ": sizes do not divide");
            }
            s[infer] = (int) (size() / known);
        }
        if (count(s) != size()) {
            throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + " (" + size() + " values) -> "
                    + Arrays.toString(s) + " (" + count(s) + " values)");
        }
        if (!isContiguous()) {
            throw new IllegalArgumentException("reshape of a non-contiguous view " + Arrays.toString(shape) + ": call contiguous() first");
        }
        return new Tensor(data, offset, s, rowMajorStrides(s));
    }

    /** The view of indices [start, end) along dimension {@code d}. */
    public Tensor slice(int d, int start, int end) {
        int a = axis(d);
        if (start < 0 || end > shape[a] || start > end) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") of dimension " + a + " of shape " + Arrays.toString(shape));
        }
        int[] s = shape.clone();
        s[a] = end - start;
        return new Tensor(data, offset + start * strides[a], s, strides.clone());
    }

    /** The view at index {@code i} of dimension 0, with that dimension removed. */
    public Tensor select(int i) {
        if (shape.length == 0) throw new IllegalArgumentException("select on a scalar");
        if (i < 0 || i >= shape[0]) throw new IndexOutOfBoundsException("select " + i + " of shape " + Arrays.toString(shape));
        return new Tensor(data, offset + i * strides[0], Arrays.copyOfRange(shape, 1, shape.length),
                Arrays.copyOfRange(strides, 1, strides.length));
    }

    /** The view with dimensions {@code a} and {@code b} swapped (not contiguous in general). */
    public Tensor transpose(int a, int b) {
        int x = axis(a), y = axis(b);
        int[] s = shape.clone(), st = strides.clone();
        s[x] = shape[y];
        s[y] = shape[x];
        st[x] = strides[y];
        st[y] = strides[x];
        return new Tensor(data, offset, s, st);
    }

    /** This tensor if contiguous from its offset, otherwise a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    /** A new dense tensor with the same values. */
    public Tensor copy() {
        return of(toArray(), shape);
    }

    /** The values in row-major order, as a new array. */
    public float[] toArray() {
        float[] out = new float[size()];
        if (isContiguous()) {
            System.arraycopy(data, offset, out, 0, out.length);
            return out;
        }
        int[] idx = new int[shape.length];
        for (int i = 0; i < out.length; i++) {
            int p = offset;
            for (int d = 0; d < idx.length; d++) p += idx[d] * strides[d];
            out[i] = data[p];
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    /** Copies {@code src}'s values into this tensor; the shapes must match. */
    public void copyFrom(Tensor src) {
        Shapes.requireSame("copyFrom", this, src);
        float[] v = src.toArray();
        if (isContiguous()) {
            System.arraycopy(v, 0, data, offset, v.length);
            return;
        }
        int[] idx = new int[shape.length];
        for (float x : v) {
            int p = offset;
            for (int d = 0; d < idx.length; d++) p += idx[d] * strides[d];
            data[p] = x;
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    }

    public void fill(float v) {
        if (isContiguous()) {
            Arrays.fill(data, offset, offset + size(), v);
        } else {
            copyFrom(full(v, shape));
        }
    }

    @Override
    public String toString() {
        float[] v = toArray();
        int show = Math.min(v.length, 8);
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append('[');
        for (int i = 0; i < show; i++) sb.append(i == 0 ? "" : ", ").append(v[i]);
        return sb.append(v.length > show ? ", ...]" : "]").toString();
    }

    // ---- helpers ----

    private int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("dimension " + d + " out of range for shape " + Arrays.toString(shape));
        }
        return a;
    }

    private static int[] checkedShape(int[] shape) {
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
        }
        if (count(shape) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " exceeds 2^31 elements");
        }
        return shape.clone();
    }

    static long count(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    static int[] rowMajorStrides(int[] shape) {
        int[] st = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = acc;
            acc *= shape[d];
        }
        return st;
    }
}
