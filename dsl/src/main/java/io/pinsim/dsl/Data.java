package io.pinsim.dsl;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Named data: what a step writes or an assertion expects, with a name that failure messages show
 * ({@code 'A' x 4096}, {@code "hello"}, {@code zeros}, {@code the data rdma0 wrote at step 7}).
 * {@link Pinsim#dmaData()} names data the scenario decides when it runs.
 */
public abstract class Data {
    Data() {
    }

    /**
     * Where in a buffer of {@code length} bytes this data lies and what its bytes are, in the
     * scenario as it is now; {@code state} is null outside a scenario (an assertion on a handle),
     * where only data that does not depend on the scenario can be placed.
     */
    abstract Placed place(ScenarioState state, long length);

    /**
     * As {@link #place(ScenarioState, long)}, for an assertion outside the chain on an object of
     * this kernel: data the scenario decides is resolved against the scenario running on it.
     */
    final Placed place(ScenarioState state, io.pinsim.runtime.Kernel kernel, long length) {
        return place(state != null ? state : Scenarios.of(kernel), length);
    }

    /**
     * Data placed in a buffer: the offset, the bytes, the description for messages, and whether it
     * is what a device wrote (an assertion that misses it reports {@link BugKind#DEVICE_DATA_LOST}).
     */
    record Placed(long offset, byte[] bytes, String description, boolean fromDevice) {
        Placed(long offset, byte[] bytes, String description) {
            this(offset, bytes, description, false);
        }
    }

    static Data fill(byte b) {
        return new Data() {
            @Override
            Placed place(ScenarioState state, long length) {
                byte[] bytes = new byte[(int) Math.min(length, Integer.MAX_VALUE)];
                Arrays.fill(bytes, b);
                return new Placed(0, bytes, describeByte(b) + " x " + bytes.length);
            }

            @Override
            public String toString() {
                return "fill(" + describeByte(b) + ")";
            }
        };
    }

    static Data zeros() {
        return new Data() {
            @Override
            Placed place(ScenarioState state, long length) {
                return new Placed(0, new byte[(int) Math.min(length, Integer.MAX_VALUE)], "zeros x " + length);
            }

            @Override
            public String toString() {
                return "zeros()";
            }
        };
    }

    static Data text(String s) {
        Objects.requireNonNull(s, "text");
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return new Data() {
            @Override
            Placed place(ScenarioState state, long length) {
                if (bytes.length > length) {
                    throw new IllegalArgumentException("text(\"" + s + "\") is " + bytes.length + " bytes, longer than the buffer of " + length);
                }
                return new Placed(0, bytes.clone(), "\"" + s + "\"");
            }

            @Override
            public String toString() {
                return "text(\"" + s + "\")";
            }
        };
    }

    static Data dma() {
        return new Data() {
            @Override
            Placed place(ScenarioState state, long length) {
                if (state == null) {
                    throw new IllegalStateException("dmaData() names what a device wrote in a scenario, but no scenario runs on this kernel; "
                            + "outside a scenario name the bytes: dmaData(device, bytes)");
                }
                if (state.lastDma == null) {
                    throw new IllegalStateException("dmaData() names what a device wrote, but no device has written yet; "
                            + "add dmaCompletes() or deviceWrites(..) before the assertion");
                }
                return new Placed(state.lastDma.offset(), state.lastDma.bytes().clone(), describe(state.lastDma.bytes()) + " (" + state.lastDma.what() + ")", true);
            }

            @Override
            public String toString() {
                return "dmaData()";
            }
        };
    }

    static Data device(String device, byte[] bytes) {
        Objects.requireNonNull(device, "device");
        byte[] copy = Objects.requireNonNull(bytes, "bytes").clone();
        return new Data() {
            @Override
            Placed place(ScenarioState state, long length) {
                return new Placed(0, copy.clone(), describe(copy) + " (the data " + device + " wrote)", true);
            }

            @Override
            public String toString() {
                return "dmaData(\"" + device + "\", " + describe(copy) + ")";
            }
        };
    }

    static String describeByte(byte b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("0x%02x", b & 0xff);
    }

    /** {@code 'A' x 4096} for uniform bytes, else the first bytes quoted. */
    static String describe(byte[] b) {
        if (b.length == 0) {
            return "nothing";
        }
        boolean uniform = true;
        for (byte x : b) {
            uniform &= x == b[0];
        }
        if (uniform) {
            return b[0] == 0 ? "zeros x " + b.length : describeByte(b[0]) + " x " + b.length;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(b.length, 24); i++) {
            sb.append(b[i] >= 0x20 && b[i] < 0x7f ? Character.toString((char) b[i]) : String.format("\\x%02x", b[i] & 0xff));
        }
        return sb.append(b.length > 24 ? "...\" (" + b.length + " bytes)" : "\"").toString();
    }
}
