package dev.selfee.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void reshapeSliceTransposeShareStorage() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertEquals(5f, t.get(1, 2));
        Tensor r = t.reshape(3, -1);
        assertArrayEquals(new int[] {3, 2}, r.shape());
        assertEquals(3f, r.get(1, 1));
        Tensor tr = t.transpose(0, 1);
        assertFalse(tr.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tr.toArray());
        Tensor col = t.slice(1, 1, 3);
        assertArrayEquals(new float[] {1, 2, 4, 5}, col.toArray());
        col.set(42f, 1, 0);
        assertEquals(42f, t.get(1, 1), "a slice is a view");
        assertArrayEquals(new float[] {3, 42, 5}, t.select(1).toArray());
    }

    @Test
    void reshapeOfNonContiguousViewIsRefused() {
        Tensor t = Tensor.zeros(2, 3).transpose(0, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> t.reshape(6));
        assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
        assertArrayEquals(new int[] {6}, t.contiguous().reshape(6).shape());
    }

    @Test
    void badShapesNameBothShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> Shapes.requireSame("add", Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
        assertEquals("add: shapes [2, 3] and [3, 2] differ", e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(4, -1));
    }

    @Test
    void copyFromIntoTransposedView() {
        Tensor t = Tensor.zeros(2, 3);
        t.transpose(0, 1).copyFrom(Tensor.of(new float[] {0, 3, 1, 4, 2, 5}, 3, 2));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.toArray());
    }
}
