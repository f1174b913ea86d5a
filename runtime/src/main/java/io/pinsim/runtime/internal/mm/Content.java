package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import java.util.Arrays;

/**
 * The bytes of one page, stored compactly: a uniform fill byte until the first write that makes the
 * page mixed, then a 4 KiB array. A zero page costs nothing; a page filled with one byte costs one
 * byte. A frame ({@link Page}) is its own content, so a populated page costs no second object;
 * swap slots and disk blocks hold a plain {@code Content}.
 */
public class Content {
    /** The uniform byte, sign-extended; an int so that a Page (which extends this) packs its fields without a gap. */
    private int fill;
    private byte[] bytes;

    public Content() {
    }

    Content(byte fill) {
        this.fill = fill;
    }

    /** A copy of another page's content (copy_user_highpage). */
    public static Content copyOf(Content other) {
        Content c = new Content((byte) other.fill);
        if (other.bytes != null) {
            c.bytes = other.bytes.clone();
        }
        return c;
    }

    /** Takes over another content's bytes (no copy): the other must not be used again. */
    final void adopt(Content other) {
        this.fill = other.fill;
        this.bytes = other.bytes;
    }

    void copyFrom(Content other) {
        this.fill = other.fill;
        this.bytes = other.bytes == null ? null : other.bytes.clone();
    }

    byte get(int offset) {
        return bytes == null ? (byte) fill : bytes[offset];
    }

    public void read(int offset, byte[] dst, int dstOff, int len) {
        if (bytes == null) {
            Arrays.fill(dst, dstOff, dstOff + len, (byte) fill);
        } else {
            System.arraycopy(bytes, offset, dst, dstOff, len);
        }
    }

    public void write(int offset, byte[] src, int srcOff, int len) {
        if (bytes == null) {
            if (len == Kernel.PAGE_SIZE && uniform(src, srcOff, len)) {
                fill = src[srcOff];
                return;
            }
            boolean same = true;
            for (int i = 0; i < len && same; i++) {
                same = src[srcOff + i] == fill;
            }
            if (same) {
                return;
            }
            bytes = new byte[Kernel.PAGE_SIZE];
            Arrays.fill(bytes, (byte) fill);
        }
        System.arraycopy(src, srcOff, bytes, offset, len);
    }

    public void fill(int offset, int len, byte b) {
        if (len == Kernel.PAGE_SIZE) {
            fill = b;
            bytes = null;
            return;
        }
        if (bytes == null) {
            if (b == fill) {
                return;
            }
            bytes = new byte[Kernel.PAGE_SIZE];
            Arrays.fill(bytes, (byte) fill);
        }
        Arrays.fill(bytes, offset, offset + len, b);
    }

    void clear() {
        fill = 0;
        bytes = null;
    }

    boolean isZero() {
        if (bytes == null) {
            return fill == 0;
        }
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean uniform(byte[] src, int off, int len) {
        byte b = src[off];
        for (int i = 1; i < len; i++) {
            if (src[off + i] != b) {
                return false;
            }
        }
        return true;
    }

    /** A short human description: {@code 'A' x 4096}, {@code zeros}, or the first bytes. */
    String describe() {
        if (bytes == null) {
            return fill == 0 ? "zeros" : MmCore.describeByte((byte) fill) + " x 4096";
        }
        return "mixed, starting " + MmCore.describeBytes(bytes, 0, 16);
    }
}
